"""``Network``: the digit classifier with scikit-learn's shape.

Hyperparameters go to the constructor; ``fit`` learns and sets the fitted
state (names with a trailing underscore); ``predict``, ``predict_proba`` and
``score`` use it; ``save`` and ``load`` go through :mod:`digitnet.model_io`.
The mathematics is in :mod:`digitnet.network`, the loops in :mod:`digitnet.train`.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from digitnet import model_io, network
from digitnet.errors import DigitnetError
from digitnet.evaluate import metrics
from digitnet.optim import SCIPY_METHODS
from digitnet.train import train_full_batch

N_CLASSES = 10
N_PIXELS = 784


def as_inputs(X: Any, n_features: int = N_PIXELS) -> np.ndarray:
    """Turn images into the network's input: (m, n_features) float64 in [-1, 1].

    X: (m, 28, 28) or (m, 784) integer pixels 0-255 (uint8 as MNIST stores
    them; 0 = background, ink bright), which are scaled as the seed does; or
    floats already scaled by :func:`digitnet.network.scale_pixels`. Anything
    else is an error, not a guess.
    """
    X = np.asarray(X)
    if X.ndim == 2 and X.shape[1] == n_features:
        flat = X
    elif X.ndim == 3 and X.shape[1] * X.shape[2] == n_features:
        flat = X.reshape(len(X), n_features)
    else:
        raise DigitnetError(
            f"inputs have shape {X.shape}; expected (m, 28, 28) images or (m, {n_features}) rows"
        )
    if X.dtype.kind in "ui":
        if flat.size and (flat.min() < 0 or flat.max() > 255):
            raise DigitnetError("integer pixels must lie in 0-255")
        return network.scale_pixels(flat)
    if X.dtype.kind != "f":
        raise DigitnetError(f"inputs have dtype {X.dtype}; expected uint8 pixels or scaled floats")
    if not np.all(np.isfinite(flat)):
        raise DigitnetError("inputs contain NaN or infinity")
    if flat.size and (flat.min() < -1.000001 or flat.max() > 1.000001):
        raise DigitnetError(
            f"float inputs must be scaled to [-1, 1] (found {flat.min():g} to {flat.max():g}); "
            "pass uint8 pixels, or scale them with digitnet.scale_pixels"
        )
    return np.asarray(flat, dtype=np.float64)


def as_labels(y: Any, m: int) -> np.ndarray:
    """y: (m,) digits 0-9. Returns (m,) int64."""
    y = np.asarray(y)
    if y.shape != (m,):
        raise DigitnetError(f"labels have shape {y.shape}; expected ({m},) to match the inputs")
    if y.dtype.kind not in "ui" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise DigitnetError(f"labels have dtype {y.dtype}; expected whole numbers 0-9")
    y = y.astype(np.int64)
    if m and (y.min() < 0 or y.max() >= N_CLASSES):
        raise DigitnetError(f"labels must be digits 0-9 (found {y.min()} to {y.max()})")
    return y


class Network:
    """A fully connected digit classifier, by default the seed's 784-128-10 sigmoid net.

    Parameters
    ----------
    hidden : sizes of the hidden layers, ``(128,)`` in the seed.
    activation : hidden activation, ``sigmoid`` (seed), ``tanh``, ``relu``, ``leaky_relu``.
    output : ``sigmoid`` (seed; binary cross-entropy per class) or ``softmax``.
    lam : L2 strength lambda; the cost adds ``lam / (2 m) * sum(W ** 2)``, biases excluded.
    optimizer : ``tnc`` (seed), ``lbfgs`` or ``cg``, all full-batch through scipy.
    max_iter : cap on cost-and-gradient evaluations; None lets the optimizer decide.
    init : ``uniform`` (seed: U(-epsilon, epsilon)), ``glorot`` or ``he``.
    epsilon : half-width of the uniform initialization (seed: 0.12).
    random_state : seed of the initialization; None draws a fresh one.
    progress : show a progress bar while fitting (None: when stderr is a terminal).

    Fitted attributes
    -----------------
    params_ : (n_params,) float64, the flat parameter vector.
    sizes_ : layer sizes, e.g. ``(784, 128, 10)``.
    costs_ : cost at every evaluation.
    n_evals_ : number of cost-and-gradient evaluations.
    optimizer_message_ : why the optimizer stopped.
    interrupted_ : whether Ctrl-C stopped training.
    fit_seconds_ : wall time of training.
    metadata_ : everything the model file records (see :meth:`save`).
    """

    def __init__(
        self,
        hidden: Sequence[int] = (128,),
        activation: str = "sigmoid",
        output: str = "sigmoid",
        lam: float = 1.0,
        optimizer: str = "tnc",
        max_iter: int | None = None,
        init: str = "uniform",
        epsilon: float = 0.12,
        random_state: int | None = None,
        progress: bool | None = False,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.output = output
        self.lam = lam
        self.optimizer = optimizer
        self.max_iter = max_iter
        self.init = init
        self.epsilon = epsilon
        self.random_state = random_state
        self.progress = progress

    def _validate(self) -> None:
        hidden = tuple(self.hidden)
        if not hidden or any(int(h) != h or h < 1 for h in hidden):
            raise DigitnetError(f"hidden layer sizes must be positive integers, got {self.hidden}")
        choices = {
            "activation": network.ACTIVATIONS,
            "output": network.OUTPUTS,
            "optimizer": tuple(SCIPY_METHODS),
            "init": network.INITS,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise DigitnetError(
                    f"unknown {name} {getattr(self, name)!r}; choose one of {', '.join(allowed)}"
                )
        if not (np.isfinite(self.lam) and self.lam >= 0):
            raise DigitnetError(f"lambda must be a finite number >= 0, got {self.lam}")
        if self.max_iter is not None and self.max_iter < 1:
            raise DigitnetError(f"max_iter must be at least 1, got {self.max_iter}")
        if not self.epsilon > 0:
            raise DigitnetError(f"epsilon must be positive, got {self.epsilon}")

    def fit(self, X: Any, y: Any) -> Network:
        """Train on images X ((m, 28, 28) uint8, or scaled (m, 784) floats) and digits y (m,)."""
        self._validate()
        inputs = as_inputs(X)
        labels = as_labels(y, len(inputs))
        sizes = (inputs.shape[1], *(int(h) for h in self.hidden), N_CLASSES)
        rng = np.random.default_rng(self.random_state)
        theta0 = network.init_params(sizes, rng, self.init, self.epsilon)
        result = train_full_batch(
            theta0, inputs, network.one_hot(labels, N_CLASSES), self.lam, sizes,
            self.activation, self.output, self.optimizer, self.max_iter, self.progress,
        )  # fmt: skip
        self.params_ = result.theta
        self.sizes_ = sizes
        self.costs_ = result.costs
        self.n_evals_ = result.n_evals
        self.optimizer_message_ = result.message
        self.interrupted_ = result.interrupted
        self.fit_seconds_ = result.seconds
        self.metadata_ = {
            "training": {
                "optimizer": self.optimizer, "lambda": self.lam, "max_iter": self.max_iter,
                "init": self.init, "epsilon": self.epsilon, "random_state": self.random_state,
                "n_train": len(inputs), "n_evals": result.n_evals,
                "optimizer_message": result.message, "converged": result.success,
                "interrupted": result.interrupted, "seconds": round(result.seconds, 3),
                "final_cost": result.cost,
            },
            "history": {"costs": result.costs},
        }  # fmt: skip
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise DigitnetError("this Network is not fitted yet: call fit() or Network.load()")

    def _scores(self, X: Any) -> np.ndarray:
        self._check_fitted()
        inputs = as_inputs(X, self.sizes_[0])
        return network.output_scores(
            self.params_, inputs, self.sizes_, self.activation, self.output
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, (m, 10), rows summing to 1.

        For the seed's sigmoid outputs, which score each class independently,
        the ten scores are divided by their sum; the ranking is unchanged.
        """
        scores = self._scores(X)
        if self.output == "sigmoid":
            scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def predict(self, X: Any) -> np.ndarray:
        """The most probable digit for each image, (m,) int64: the seed's argmax."""
        return np.argmax(self._scores(X), axis=1)

    def score(self, X: Any, y: Any) -> float:
        """Accuracy on (X, y), a fraction in [0, 1]."""
        return self.evaluate(X, y)["accuracy"]

    def evaluate(self, X: Any, y: Any) -> dict[str, Any]:
        """Accuracy, confusion matrix and per-class precision and recall on (X, y)."""
        predicted = self.predict(X)
        return metrics(as_labels(y, len(predicted)), predicted, N_CLASSES)

    @property
    def thetas_(self) -> list[np.ndarray]:
        """Per-layer views ``Theta_l`` (n_out, n_in + 1), bias column first, into ``params_``."""
        self._check_fitted()
        return network.unpack(self.params_, self.sizes_)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model to ``path`` (``.npz``) atomically."""
        self._check_fitted()
        from digitnet import __version__

        meta = {
            **self.metadata_,
            "sizes": list(self.sizes_),
            "activation": self.activation,
            "output": self.output,
            "input_scaling": model_io.INPUT_SCALING,
            "digitnet_version": __version__,
            "saved": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        return model_io.save_model(path, self.params_, meta)

    @classmethod
    def from_params(
        cls, theta: np.ndarray, sizes: Sequence[int], activation: str = "sigmoid",
        output: str = "sigmoid", metadata: dict[str, Any] | None = None,
    ) -> Network:  # fmt: skip
        """A fitted Network from a flat parameter vector (e.g. the seed's ``Parameters``)."""
        sizes = tuple(int(n) for n in sizes)
        theta = np.asarray(theta, dtype=np.float64)
        network.unpack(theta, sizes)  # validates the length
        meta = dict(metadata or {})
        training = meta.get("training", {})
        net = cls(
            hidden=sizes[1:-1],
            activation=activation,
            output=output,
            lam=training.get("lambda", 1.0),
            optimizer=training.get("optimizer", "tnc"),
        )
        net.params_ = theta
        net.sizes_ = sizes
        net.costs_ = list(meta.get("history", {}).get("costs", []))
        net.n_evals_ = training.get("n_evals", 0)
        net.optimizer_message_ = training.get("optimizer_message", "")
        net.interrupted_ = training.get("interrupted", False)
        net.fit_seconds_ = training.get("seconds", 0.0)
        net.metadata_ = {k: v for k, v in meta.items() if k not in model_io.STRUCTURE_KEYS}
        return net

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Read a model written by :meth:`save`."""
        theta, meta = model_io.load_model(path)
        return cls.from_params(theta, meta["sizes"], meta["activation"], meta["output"], meta)

    def __repr__(self) -> str:
        arch = "-".join(map(str, getattr(self, "sizes_", (N_PIXELS, *self.hidden, N_CLASSES))))
        state = "fitted" if hasattr(self, "params_") else "not fitted"
        return (
            f"Network({arch}, activation={self.activation!r}, output={self.output!r}, "
            f"lam={self.lam}, optimizer={self.optimizer!r}; {state})"
        )


def import_seed(
    params_path: str | os.PathLike[str], out: str | os.PathLike[str], hidden: int = 128
) -> Path:
    """Convert the seed notebook's ``Parameters.npy`` into a model file at ``out``."""
    theta = model_io.read_seed_params(params_path, hidden)
    meta = {
        "training": {"optimizer": "tnc", "lambda": 1.0},
        "data": f"imported from the seed notebook's {Path(params_path).name}",
    }
    net = Network.from_params(theta, (N_PIXELS, hidden, N_CLASSES), metadata=meta)
    return net.save(out)
