"""Model-agnostic machinery: columns of agents, seeded streams, sampling, the recorder, results.

Nothing in this package imports a model.
"""
