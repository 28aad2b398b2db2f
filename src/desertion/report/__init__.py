"""Summary tables and figures of runs, one module pair per model: ``manpower_plots`` and
``manpower_tables`` for the manpower model, ``civil_violence`` for the civil-violence model.
A model's ``plot`` and ``summary_tables`` (``desertion.engine.model.Model``) call them."""
