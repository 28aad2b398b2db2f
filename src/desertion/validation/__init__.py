"""Pattern-oriented validation (Grimm et al. 2005): MODEL.md section 6 as designed
experiments, judged on intervals over seeds; ``desertion validate`` runs them.

- ``trace``: arms (a scenario and its changes), runs, and a tracer of attempts by unit and
  by way of entry; readers of the event and census tables.
- ``design``: checks, patterns, and how a check combines seeds and is judged.
- ``patterns``: the nine patterns, each defined once.
- ``runner``: plans the runs, executes them (here or on worker processes), judges checks.
- ``report``, ``figures``, ``cli``: the results folder, its figures, the command.

Nothing here is imported by ``desertion`` itself: the command's module imports the rest
when it runs.
"""
