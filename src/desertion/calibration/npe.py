"""Neural posterior estimation with sbi, in the unit cube of the priors.

The density estimator q(u | x) is trained on (u, x) pairs: u the parameters' points in the
unit cube (each prior's cdf), x the observations a run gives plus a draw of their error
model, transformed by a signed log. The prior in the cube is uniform (sbi's ``BoxUniform``),
so samples that leak outside it are rejected by sbi's own posterior. Training and sampling
run on one thread from seeded torch generators, so a calibration gives the same posterior
on any machine of the same platform whatever the number of workers that ran its
simulations.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Trained:
    """A trained estimator: its sbi posterior and training summary."""

    posterior: Any
    epochs: int
    best_validation_loss: float
    training_rows: int

    def sample(self, x: np.ndarray, n: int, seed: int) -> np.ndarray:
        """``n`` draws of u given transformed observations ``x``."""
        import torch

        with _one_thread():
            torch.manual_seed(seed)
            draws = self.posterior.sample((n,), x=torch.as_tensor(x, dtype=torch.float32),
                                          show_progress_bars=False)
        return draws.numpy().astype(float)


@contextlib.contextmanager
def _one_thread() -> Any:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class _NoTracker:
    """sbi's tracker interface, keeping nothing (its default writes TensorBoard logs into
    the working directory)."""

    log_dir = None

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        pass

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        pass

    def log_params(self, params: dict[str, Any]) -> None:
        pass

    def add_figure(self, name: str, figure: Any, step: int | None = None) -> None:
        pass

    def flush(self) -> None:
        pass


OnEpoch = Callable[[int, float], None]
"""``on_epoch(epochs_done, validation_loss)``: training progress."""


@contextlib.contextmanager
def _watch(summary: dict[str, list[float]], on_epoch: OnEpoch | None,
           every_s: float = 0.5) -> Any:
    """Report training progress from sbi's per-epoch summary while it trains (sbi has no
    epoch callback; the lists only grow, so reading them from a thread is safe)."""
    if on_epoch is None:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(every_s):
            losses = summary["validation_loss"]
            if losses:
                on_epoch(len(losses), float(losses[-1]))

    thread = threading.Thread(target=poll, name="desertion-npe-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def train(u: np.ndarray, x: np.ndarray, seed: int, method: Any,
          on_epoch: OnEpoch | None = None) -> Trained:
    """Train NPE on parameters ``u`` (rows in the unit cube) and transformed data ``x``."""
    import torch
    from sbi.inference import NPE
    from sbi.utils import BoxUniform

    d = u.shape[1]
    with _one_thread():
        torch.manual_seed(seed)
        prior = BoxUniform(low=torch.zeros(d), high=torch.ones(d))
        from sbi.neural_nets import posterior_nn

        estimator_builder = posterior_nn(model=method.estimator,
                                         hidden_features=method.hidden_features,
                                         num_transforms=method.transforms)
        inference = NPE(prior=prior, density_estimator=estimator_builder,
                        show_progress_bars=False, tracker=_NoTracker())
        inference.append_simulations(torch.as_tensor(u, dtype=torch.float32),
                                     torch.as_tensor(x, dtype=torch.float32))
        # sbi prints "converged after ..."
        with contextlib.redirect_stdout(io.StringIO()), _watch(inference.summary, on_epoch):
            estimator = inference.train(
                training_batch_size=method.training_batch_size,
                learning_rate=method.learning_rate,
                validation_fraction=method.validation_fraction,
                stop_after_epochs=method.stop_after_epochs,
                max_num_epochs=method.max_epochs, show_train_summary=False)
        posterior = inference.build_posterior(estimator)
    summary = inference.summary
    return Trained(posterior=posterior, epochs=int(summary["epochs_trained"][-1]),
                   best_validation_loss=float(summary["best_validation_loss"][-1]),
                   training_rows=len(u))
