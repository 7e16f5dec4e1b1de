"""Training loops: the full-batch run of the seed, with progress on the terminal."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from digitnet import network
from digitnet.optim import FullBatchResult, minimize_full_batch


def train_full_batch(
    theta0: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    lam: float,
    sizes: Sequence[int],
    activation: str = "sigmoid",
    output: str = "sigmoid",
    method: str = "tnc",
    max_evals: int | None = None,
    progress: bool | None = True,
) -> FullBatchResult:
    """Fit ``theta`` to the whole training set at once, as the seed does.

    X: (m, n_0) float64 scaled inputs; Y: (m, n_L) one-hot. With ``progress``
    a bar on stderr shows evaluations, the current cost and elapsed time
    (``None``: only when stderr is a terminal).
    Ctrl-C stops the run and returns the best parameters so far.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return network.cost_and_grad(theta, X, Y, lam, sizes, activation, output)

    with tqdm(
        total=max_evals,
        desc=f"{method} evaluations",
        unit="eval",
        disable=None if progress is None else not progress,
        leave=True,
        dynamic_ncols=True,
    ) as bar:

        def on_eval(n: int, cost: float) -> None:
            bar.update(1)
            bar.set_postfix(cost=f"{cost:.5f}", refresh=False)

        return minimize_full_batch(fun, theta0, method, max_evals, on_eval)
