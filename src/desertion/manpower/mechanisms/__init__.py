"""The fifteen mechanisms of MODEL.md section 3, one module each, as functions over arrays.

Each function takes plain arrays and numbers (and, where it draws, a random generator; where
it needs several of its mechanism's parameters, their compiled record, a frozen dataclass of
numbers from ``desertion.manpower.compile``) and returns arrays; none reads the scenario, the
agents' table or the recorder itself. ``desertion.manpower.step`` composes them into the
daily schedule.
"""
