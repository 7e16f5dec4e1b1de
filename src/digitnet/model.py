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

from digitnet import augment, model_io, network
from digitnet.errors import DigitnetError
from digitnet.evaluate import metrics
from digitnet.optim import MINI_BATCH_METHODS, SCHEDULES, SCIPY_METHODS
from digitnet.train import (
    MiniBatchConfig,
    load_checkpoint,
    train_full_batch,
    train_minibatch,
)

N_CLASSES = 10
N_PIXELS = 784
OPTIMIZERS = (*SCIPY_METHODS, *MINI_BATCH_METHODS)
DTYPES = ("float32", "float64")
#: The constructor arguments a checkpoint must agree on to be resumed.
RUN_PARAMS = (
    "hidden", "activation", "output", "lam", "optimizer", "init", "epsilon", "random_state",
    "batch_size", "epochs", "lr", "schedule", "warmup_epochs", "momentum", "nesterov",
    "weight_decay", "dropout", "augment", "val", "patience", "dtype",
)  # fmt: skip

#: Named configurations (constructor arguments). ``seed`` is the seed notebook's
#: network and optimizer; ``fast`` and ``best`` were tuned on the validation split
#: for at most 60 s and 15 min of training on a 2-core machine (bench/RESULTS.md).
PRESETS: dict[str, dict[str, Any]] = {
    "seed": dict(hidden=(128,), activation="sigmoid", output="sigmoid", lam=1.0,
                 optimizer="tnc", init="uniform", epsilon=0.12),
    "fast": dict(hidden=(800,), activation="relu", output="softmax", lam=0.0, init="he",
                 optimizer="adam", lr=2e-3, batch_size=256, epochs=15, schedule="cosine",
                 warmup_epochs=0.5, dropout=0.0, augment="none", dtype="float32"),
    "best": dict(hidden=(1024, 1024), activation="relu", output="softmax", lam=0.0,
                 init="he", optimizer="adamw", lr=1e-3, weight_decay=0.01, batch_size=256,
                 epochs=45, schedule="cosine", warmup_epochs=1.0, dropout=0.1,
                 augment="elastic", dtype="float32"),
}  # fmt: skip


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


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and bool(np.isfinite(value))


def _jsonable(value: Any) -> Any:
    """Tuples as lists and NumPy scalars as Python ones, as they come back from JSON."""
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _fingerprint(inputs: np.ndarray, labels: np.ndarray) -> str:
    """A short checksum of the training data, to refuse resuming on other data."""
    import zlib

    crc = zlib.crc32(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    crc = zlib.crc32(np.ascontiguousarray(inputs[::97]).tobytes(), crc)
    return f"{len(inputs)}:{crc:08x}"


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

    Mini-batch training (``optimizer`` ``sgd``, ``adam`` or ``adamw``; keyword only)
    -------------------------------------------------------------------------------
    batch_size : images per batch (128). epochs : passes over the training set (10).
    lr : learning rate (None: 1e-3 for adam/adamw, 0.05 for sgd).
    schedule : ``constant``, ``step`` (x0.1 every 10 epochs) or ``cosine``;
    warmup_epochs : linear warm-up, in epochs (may be fractional).
    momentum, nesterov : sgd's momentum (0.9) and Nesterov's variant.
    weight_decay : decoupled weight decay (adamw, sgd); ``lam`` still adds the L2
        penalty to the cost, scaled per batch as ``lam * b / n``.
    dropout : rate of dropped hidden units during training (inverted dropout).
    augment : ``none``, ``shift``, ``affine`` or ``elastic`` (see :mod:`digitnet.augment`).
    val : validation images set aside from the training set (5000), or a fraction;
        their accuracy picks the best epoch and drives early stopping. Never the test set.
    patience : stop after this many epochs without a better validation accuracy (None: never).
    dtype : ``float32`` (fast) or ``float64``.
    checkpoint : file written atomically after every epoch; ``fit(..., resume=file)``
        continues from it bit for bit.
    verbose : print one summary line per epoch.
    threads : most BLAS threads while training (None: BLAS's choice); needs threadpoolctl.

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
    history_, best_epoch_, n_epochs_, timings_ : mini-batch only: the per-epoch and
        per-batch history, the epoch kept, the epochs run, seconds per phase of the loop.
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
        *,
        batch_size: int = 128,
        epochs: int = 10,
        lr: float | None = None,
        schedule: str = "constant",
        warmup_epochs: float = 0.0,
        momentum: float = 0.9,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dropout: float = 0.0,
        augment: str = "none",
        val: int | float = 5000,
        patience: int | None = None,
        dtype: str = "float32",
        checkpoint: str | os.PathLike[str] | None = None,
        verbose: bool = False,
        threads: int | None = None,
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
        self.batch_size = batch_size
        self.epochs = epochs
        self.lr = lr
        self.schedule = schedule
        self.warmup_epochs = warmup_epochs
        self.momentum = momentum
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.augment = augment
        self.val = val
        self.patience = patience
        self.dtype = dtype
        self.checkpoint = checkpoint
        self.verbose = verbose
        self.threads = threads

    @property
    def minibatch(self) -> bool:
        """Whether the optimizer is a mini-batch one (sgd, adam, adamw) rather than scipy's."""
        return self.optimizer in MINI_BATCH_METHODS

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, as scikit-learn's ``get_params``."""
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def _learning_rate(self) -> float:
        if self.lr is not None:
            return float(self.lr)
        return 0.05 if self.optimizer == "sgd" else 1e-3

    def _validate(self) -> None:
        hidden = tuple(self.hidden)
        if not hidden or any(int(h) != h or h < 1 for h in hidden):
            raise DigitnetError(f"hidden layer sizes must be positive integers, got {self.hidden}")
        choices = {
            "activation": network.ACTIVATIONS,
            "output": network.OUTPUTS,
            "optimizer": OPTIMIZERS,
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
        more = {"schedule": SCHEDULES, "augment": tuple(augment.PRESETS), "dtype": DTYPES}
        for name, allowed in more.items():
            if getattr(self, name) not in allowed:
                raise DigitnetError(
                    f"unknown {name} {getattr(self, name)!r}; choose one of {', '.join(allowed)}"
                )
        checks = [
            ("batch_size", _is_int(self.batch_size) and self.batch_size >= 1, "an integer >= 1"),
            ("epochs", _is_int(self.epochs) and self.epochs >= 1, "an integer >= 1"),
            ("lr", self.lr is None or _finite(self.lr) and self.lr > 0, "a number > 0"),
            ("warmup_epochs", _finite(self.warmup_epochs) and self.warmup_epochs >= 0,
             "a number >= 0"),
            ("momentum", _finite(self.momentum) and 0 <= self.momentum < 1, "in [0, 1)"),
            ("weight_decay", _finite(self.weight_decay) and self.weight_decay >= 0,
             "a number >= 0"),
            ("dropout", _finite(self.dropout) and 0 <= self.dropout < 1, "in [0, 1)"),
            ("val", _is_int(self.val) and self.val >= 0
             or isinstance(self.val, float) and 0 <= self.val < 1,
             "a count >= 0 or a fraction in [0, 1)"),
            ("threads", self.threads is None or _is_int(self.threads) and self.threads >= 1,
             "an integer >= 1, or None"),
            ("patience", self.patience is None or _is_int(self.patience) and self.patience >= 1,
             "an integer >= 1, or None"),
        ]  # fmt: skip
        for name, ok, expected in checks:
            if not ok:
                raise DigitnetError(f"{name} must be {expected}, got {getattr(self, name)!r}")
        if self.nesterov and not (self.optimizer == "sgd" and self.momentum):
            raise DigitnetError("nesterov momentum needs the sgd optimizer and a momentum > 0")
        if self.optimizer == "adam" and self.weight_decay:
            raise DigitnetError(
                "adam takes no weight decay; use optimizer adamw, or the L2 penalty lambda"
            )

    def fit(self, X: Any, y: Any, *, resume: str | os.PathLike[str] | None = None) -> Network:
        """Train on images X ((m, 28, 28) uint8, or scaled (m, 784) floats) and digits y (m,).

        Mini-batch optimizers first set aside a validation split of ``val``
        images, drawn with the seed; ``resume`` continues from a checkpoint this
        configuration wrote (see :meth:`from_checkpoint`).
        """
        self._validate()
        inputs = as_inputs(X)
        labels = as_labels(y, len(inputs))
        sizes = (inputs.shape[1], *(int(h) for h in self.hidden), N_CLASSES)
        if self.minibatch or resume is not None:
            return self._fit_minibatch(inputs, labels, sizes, resume)
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

    def _fit_minibatch(
        self,
        inputs: np.ndarray,
        labels: np.ndarray,
        sizes: tuple[int, ...],
        resume: str | os.PathLike[str] | None,
    ) -> Network:
        if not self.minibatch:
            raise DigitnetError(f"only mini-batch training resumes; {self.optimizer} is full-batch")
        checkpoint = load_checkpoint(resume) if resume is not None else None
        params = self._run_params()
        if checkpoint is not None:
            saved = checkpoint.meta.get("network", {})
            if params["random_state"] is None:
                params["random_state"] = saved.get("random_state")
            differ = [k for k in RUN_PARAMS if _jsonable(saved.get(k)) != params[k]]
            if differ:
                raise DigitnetError(
                    f"{resume}: the checkpoint was written with other settings "
                    f"({', '.join(differ)}); resume with the same ones"
                )
        seed = params["random_state"]
        if seed is None:
            # Drawn once and recorded, so that a checkpoint of this run can be resumed.
            seed = params["random_state"] = int(np.random.SeedSequence().entropy)
        rng = np.random.default_rng(seed)
        dtype = np.dtype(self.dtype).type
        theta0 = network.init_params(sizes, rng, self.init, self.epsilon, dtype)
        n_val = self.val if _is_int(self.val) else round(self.val * len(inputs))
        if n_val >= len(inputs):
            raise DigitnetError(
                f"a validation split of {n_val} images leaves no training data "
                f"({len(inputs)} images); pass a smaller val (--val)"
            )
        order = rng.permutation(len(inputs))
        val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
        X_train = inputs[train_idx].astype(dtype)
        X_val = inputs[val_idx].astype(dtype) if n_val else None
        fingerprint = _fingerprint(inputs, labels)
        if checkpoint is not None and checkpoint.meta.get("data_fingerprint") != fingerprint:
            raise DigitnetError(
                f"{resume}: the checkpoint was trained on other data; resume with the same data"
            )
        config = MiniBatchConfig(
            sizes=sizes, activation=self.activation, output=self.output,
            optimizer=self.optimizer, lr=self._learning_rate(), batch_size=int(self.batch_size),
            epochs=int(self.epochs), schedule=self.schedule,
            warmup_epochs=float(self.warmup_epochs), momentum=float(self.momentum),
            nesterov=bool(self.nesterov), weight_decay=float(self.weight_decay),
            lam=float(self.lam), dropout=float(self.dropout),
            augment=augment.augmentation(self.augment).as_dict(), patience=self.patience,
            dtype=self.dtype, threads=self.threads,
        )  # fmt: skip
        meta = {"network": params, "data_fingerprint": fingerprint}
        log = (lambda line: print(line, flush=True)) if self.verbose else None
        result = train_minibatch(
            theta0, X_train, labels[train_idx], X_val, labels[val_idx], config, rng,
            checkpoint=self.checkpoint, checkpoint_meta=meta, resume=checkpoint,
            progress=self.progress, log=log, on_epoch=self._on_epoch,
        )  # fmt: skip
        self.params_ = result.theta.astype(np.float64)
        self.sizes_ = sizes
        self.costs_ = []
        self.n_evals_ = result.steps
        self.optimizer_message_ = result.message
        self.interrupted_ = result.interrupted
        self.fit_seconds_ = result.seconds
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.epochs_run
        self.timings_ = result.timings
        self.random_state_ = seed
        epochs = result.history["epochs"]
        best = epochs[result.best_epoch - 1] if result.best_epoch else {}
        self.metadata_ = {
            "training": {
                **{k: v for k, v in config.as_dict().items() if k != "sizes"},
                "lambda": self.lam, "init": self.init, "random_state": seed,
                "n_train": len(train_idx), "n_val": int(n_val), "n_evals": result.steps,
                "epochs_run": result.epochs_run, "best_epoch": result.best_epoch,
                "best_val_accuracy": best.get("val_accuracy"),
                "optimizer_message": result.message, "interrupted": result.interrupted,
                "seconds": round(result.seconds, 3), "timings": result.timings,
            },
            "history": result.history,
        }  # fmt: skip
        return self

    #: Called as ``_on_epoch(epoch, theta)`` after each mini-batch epoch, outside the
    #: measured time; the benchmark sets it on an instance to follow test accuracy.
    _on_epoch = None

    def _run_params(self) -> dict[str, Any]:
        params = self.get_params()
        return {k: _jsonable(params[k]) for k in RUN_PARAMS}

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike[str], **overrides: Any) -> Network:
        """An unfitted Network with the settings a checkpoint was written with.

        ``fit(X, y, resume=path)`` on it continues that run. ``overrides`` may
        change what does not alter the result (``progress``, ``verbose``, ``checkpoint``).
        """
        ckpt = load_checkpoint(path)
        params = dict(ckpt.meta.get("network", {}))
        if not params:
            raise DigitnetError(f"{path}: the checkpoint does not record its settings")
        bad = set(overrides) & set(RUN_PARAMS)
        if bad:
            raise DigitnetError(f"cannot change {', '.join(sorted(bad))} when resuming")
        params["hidden"] = tuple(params["hidden"])
        return cls(**params, **overrides)

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
