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


# --- mini-batch optimizers ----------------------------------------------------------------
#
# Each is a tiny object whose step(theta, grad) updates the flat parameter vector in
# place. Because all parameters are one contiguous vector, an update is a handful of
# vectorized operations over it, whatever the network's depth. ``lr`` is an attribute
# that the training loop sets from a schedule before each step. ``state()`` and
# ``load_state()`` give and take everything a checkpoint needs: JSON-able scalars and
# arrays.

MINI_BATCH_METHODS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "step", "cosine")


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum and decoupled weight decay.

    PyTorch's formulation: ``v = momentum * v + g``; the step is ``lr * v``, or
    ``lr * (g + momentum * v)`` with Nesterov. ``weight_decay`` shrinks the
    weights selected by ``decay_mask`` (bool, like theta; all when None) by
    ``lr * weight_decay * theta`` before the step.
    """

    def __init__(
        self,
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        decay_mask: np.ndarray | None = None,
    ) -> None:
        if nesterov and momentum <= 0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.weight_decay, self.decay_mask = weight_decay, decay_mask
        self.t = 0
        self.velocity: np.ndarray | None = None

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """theta, grad: (n,) of one dtype. Updates theta in place (grad may be overwritten)."""
        self.t += 1
        _decay(theta, self.lr * self.weight_decay, self.decay_mask)
        if self.momentum:
            if self.velocity is None:
                self.velocity = grad.copy()
            else:
                self.velocity *= self.momentum
                self.velocity += grad
            if not self.nesterov:
                theta -= theta.dtype.type(self.lr) * self.velocity
                return
            grad += theta.dtype.type(self.momentum) * self.velocity
        grad *= theta.dtype.type(self.lr)
        theta -= grad

    def state(self) -> tuple[dict[str, float | int], dict[str, np.ndarray]]:
        arrays = {} if self.velocity is None else {"velocity": self.velocity}
        return {"t": self.t}, arrays

    def load_state(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        self.t = int(scalars["t"])
        self.velocity = arrays.get("velocity")


class Adam:
    """Adam (Kingma and Ba 2015), in place over the flat vector.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, and
    ``theta -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)`` -- the
    formula PyTorch uses. With ``weight_decay`` it is AdamW (Loshchilov and
    Hutter 2019): ``theta -= lr * weight_decay * theta`` on the weights that
    ``decay_mask`` selects, separate from the gradient.
    """

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decay_mask: np.ndarray | None = None,
    ) -> None:
        self.lr, self.betas, self.eps = lr, betas, eps
        self.weight_decay, self.decay_mask = weight_decay, decay_mask
        self.t = 0
        self.m: np.ndarray | None = None
        self.v: np.ndarray | None = None
        self._scratch: np.ndarray | None = None

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """theta, grad: (n,) of one dtype. Updates theta in place; grad is overwritten."""
        b1, b2 = self.betas
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        if self._scratch is None or self._scratch.shape != theta.shape:
            self._scratch = np.empty_like(theta)
        m, v, tmp = self.m, self.v, self._scratch
        self.t += 1
        _decay(theta, self.lr * self.weight_decay, self.decay_mask)
        dtype = theta.dtype.type
        # m and v are kept divided by (1 - b1) and (1 - b2): then m = b1 m + g and
        # v = b2 v + g^2 take two and three passes over the vector, and the constant
        # factors fold into the step's scale and epsilon.
        m *= dtype(b1)
        m += grad
        v *= dtype(b2)
        np.multiply(grad, grad, out=tmp)
        v += tmp
        # lr / bias1 * m_true / (sqrt(v_true / bias2) + eps), with m_true = (1 - b1) m,
        # v_true = (1 - b2) v, is (1 / c) * m / (sqrt(v) + e) with the c and e below.
        if not self.lr:
            return
        bias1, bias2 = 1 - b1**self.t, 1 - b2**self.t
        root = np.sqrt(bias2 / (1 - b2))
        c = bias1 / (self.lr * (1 - b1) * root)
        np.sqrt(v, out=tmp)
        tmp += dtype(self.eps * root)
        tmp *= dtype(c)
        np.divide(m, tmp, out=tmp)
        theta -= tmp

    def state(self) -> tuple[dict[str, float | int], dict[str, np.ndarray]]:
        # m and v as stored: scaled by 1 / (1 - b1) and 1 / (1 - b2) (see step).
        arrays = {} if self.m is None else {"m": self.m, "v": self.v}
        return {"t": self.t}, arrays

    def load_state(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        self.t = int(scalars["t"])
        self.m, self.v = arrays.get("m"), arrays.get("v")


def _decay(theta: np.ndarray, amount: float, mask: np.ndarray | None) -> None:
    """theta -= amount * theta where mask is True (everywhere when mask is None)."""
    if not amount:
        return
    if mask is None:
        theta *= theta.dtype.type(1 - amount)
    else:
        np.multiply(theta, theta.dtype.type(1 - amount), out=theta, where=mask)


def make_optimizer(
    name: str,
    lr: float,
    momentum: float = 0.9,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    decay_mask: np.ndarray | None = None,
) -> SGD | Adam:
    """``sgd`` (with ``momentum``, ``nesterov``), ``adam`` or ``adamw``.

    Weight decay here is the decoupled kind; plain ``adam`` takes none (the L2
    penalty lambda, in the cost, is its regularizer), so asking for it is an error.
    """
    if name == "sgd":
        return SGD(lr, momentum, nesterov, weight_decay, decay_mask)
    if name in ("adam", "adamw"):
        if name == "adam" and weight_decay:
            raise ValueError("adam takes no weight decay; use adamw, or the L2 penalty lambda")
        return Adam(lr, weight_decay=weight_decay, decay_mask=decay_mask)
    raise ValueError(
        f"unknown mini-batch optimizer {name!r}; choose one of {', '.join(MINI_BATCH_METHODS)}"
    )


class Schedule:
    """The learning rate at each step (mini-batch update), counted from 0.

    ``constant``: ``lr``. ``step``: ``lr * gamma ** (step // step_size)``.
    ``cosine``: a linear warm-up from ``lr / warmup_steps`` to ``lr`` over the
    first ``warmup_steps`` steps, then half a cosine from ``lr`` down to 0 at
    ``total_steps`` (Loshchilov and Hutter 2017, without restarts). The warm-up
    applies to the other schedules too.
    """

    def __init__(
        self,
        name: str,
        lr: float,
        total_steps: int,
        warmup_steps: int = 0,
        step_size: int = 1,
        gamma: float = 0.1,
    ) -> None:
        if name not in SCHEDULES:
            raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
        self.name, self.lr, self.total_steps = name, lr, max(1, total_steps)
        self.warmup_steps, self.step_size, self.gamma = warmup_steps, max(1, step_size), gamma

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        if self.name == "constant":
            return self.lr
        if self.name == "step":
            return self.lr * self.gamma ** (step // self.step_size)
        span = max(1, self.total_steps - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / span)
        return 0.5 * self.lr * (1 + np.cos(np.pi * progress))
