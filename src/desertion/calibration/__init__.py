"""Calibration: parameters fitted to documented figures, with their uncertainty.

>>> from desertion.calibration import calibrate, Posterior
>>> result = calibrate("isis-2014")                 # a shipped calibration file, or a path
>>> result.posterior.intervals(0.9)                 # median and 90% interval per parameter
>>> Posterior.load("isis-2014").sample(100, seed=1) # a shipped fit's draws

A calibration file names a scenario, the observations (a CSV in the shape of targets.csv)
and the output each is compared with, the parameters and their priors, the method and a
seed (docs/calibration.md). The method is neural posterior estimation (sbi); its runs go
through the experiment layer's executors, so the posterior does not depend on the number
of workers, and an interrupted calibration resumes.
"""

from __future__ import annotations

from desertion.calibration.calibrate import CalibrationResult, calibrate
from desertion.calibration.forecast import Forecast, forecast
from desertion.calibration.posterior import Posterior, PosteriorError, shipped_fits
from desertion.calibration.spec import (
    Calibration,
    CalibrationError,
    calibration_from_dict,
    load_calibration,
    shipped_calibrations,
)

__all__ = ["Calibration", "CalibrationError", "CalibrationResult", "Forecast", "Posterior",
           "PosteriorError", "calibrate", "calibration_from_dict", "forecast",
           "load_calibration", "shipped_calibrations", "shipped_fits"]
