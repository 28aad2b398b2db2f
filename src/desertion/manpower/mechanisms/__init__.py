"""The fifteen mechanisms of MODEL.md section 3, one module each, as functions over arrays.

Each function takes plain arrays and numbers and returns arrays; none reads the scenario or
the agents' table itself. ``desertion.manpower.step`` composes them into the daily schedule.
"""
