"""Optimizers.

Full-batch: :func:`minimize_full_batch` drives scipy.optimize.minimize
(TNC, as the seed does; L-BFGS-B; CG) over a ``cost_and_grad`` function of
the flat parameter vector -- the one boundary between the network and scipy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

#: digitnet's name -> scipy.optimize.minimize's method.
SCIPY_METHODS = {"tnc": "TNC", "lbfgs": "L-BFGS-B", "cg": "CG"}

CostFunction = Callable[[np.ndarray], tuple[float, np.ndarray]]


class _Stop(Exception):
    """Raised inside the cost function to end a scipy run early."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class FullBatchResult:
    """What a full-batch run produced.

    ``theta`` holds the parameters of the lowest cost evaluated, which is what
    an interrupted or failed run still has to offer. ``costs`` has the cost of
    every evaluation, in order (the seed's ``costs`` list).
    """

    theta: np.ndarray
    cost: float
    costs: list[float] = field(default_factory=list)
    n_evals: int = 0
    n_iter: int | None = None
    message: str = ""
    success: bool = False
    interrupted: bool = False
    seconds: float = 0.0


def minimize_full_batch(
    fun: CostFunction,
    theta0: np.ndarray,
    method: str = "tnc",
    max_evals: int | None = None,
    on_eval: Callable[[int, float], None] | None = None,
) -> FullBatchResult:
    """Minimize ``fun(theta) -> (cost, grad)`` with scipy, counting evaluations.

    ``max_evals`` caps the number of cost-and-gradient evaluations (TNC's and
    L-BFGS-B's ``maxfun``; enforced here for CG, which has no such option).
    ``on_eval(n, cost)`` is called after every evaluation. Ctrl-C ends the run
    cleanly; so does a cost or gradient that stops being finite. Either way the
    best parameters so far are returned, and ``message`` says why it stopped.
    """
    if method not in SCIPY_METHODS:
        raise ValueError(
            f"unknown full-batch optimizer {method!r}; choose one of {', '.join(SCIPY_METHODS)}"
        )
    if max_evals is not None and max_evals < 1:
        raise ValueError(f"max_evals must be at least 1, got {max_evals}")
    costs: list[float] = []
    best = {"cost": np.inf, "theta": np.array(theta0, dtype=np.float64, copy=True)}

    def counted(theta: np.ndarray) -> tuple[float, np.ndarray]:
        if max_evals is not None and len(costs) >= max_evals:
            raise _Stop(f"reached the limit of {max_evals} evaluations")
        cost, grad = fun(theta)
        if not (np.isfinite(cost) and np.all(np.isfinite(grad))):
            raise _Stop(f"cost or gradient not finite at evaluation {len(costs) + 1}")
        costs.append(float(cost))
        if cost < best["cost"]:
            best["cost"], best["theta"] = float(cost), theta.copy()
        if on_eval is not None:
            on_eval(len(costs), float(cost))
        return cost, grad

    options: dict[str, int] = {}
    if max_evals is not None and method in ("tnc", "lbfgs"):
        options["maxfun"] = max_evals
        if method == "lbfgs":
            options["maxiter"] = max_evals
    start = time.perf_counter()
    result = FullBatchResult(theta=best["theta"], cost=np.inf)
    try:
        res = optimize.minimize(
            counted, theta0, jac=True, method=SCIPY_METHODS[method], options=options
        )
        result.message, result.success = str(res.message), bool(res.success)
        result.n_iter = int(getattr(res, "nit", 0)) or None
    except _Stop as stop:
        # Stopped by a cap or a fault, not by a convergence test, as scipy's own
        # "Max. number of function evaluations reached" is reported unsuccessful too.
        result.message = stop.reason
    except KeyboardInterrupt:
        result.message = f"interrupted by the user after {len(costs)} evaluations"
        result.interrupted = True
    result.seconds = time.perf_counter() - start
    result.theta, result.cost = best["theta"], best["cost"]
    result.costs, result.n_evals = costs, len(costs)
    return result
