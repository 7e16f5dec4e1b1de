"""Training loops, with progress on the terminal.

:func:`train_full_batch` is the seed's run: scipy over the whole training set.
:func:`train_minibatch` is the modern one: shuffled mini-batches, an optimizer
from :mod:`digitnet.optim`, a learning-rate schedule, augmentation and dropout,
a validation split for early stopping and the choice of the best epoch, and an
atomic checkpoint after every epoch from which a run resumes bit for bit.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from digitnet import augment, model_io, network, optim
from digitnet._files import atomic_write
from digitnet.errors import DigitnetError, ModelFileError
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


# --- mini-batch training ------------------------------------------------------------------

CHECKPOINT_ARRAYS = ("theta", "current_theta", "best_theta")


@dataclass
class MiniBatchConfig:
    """Everything that defines a mini-batch run besides the data and the seed.

    lam is the core's L2 strength: the full-batch cost adds ``lam / (2 n) *
    sum(W ** 2)`` over ``n`` training images, so each batch of ``b`` images is
    given ``lam * b / n``, which makes a batch's cost an unbiased estimate of
    the full cost. ``weight_decay`` is the decoupled kind (AdamW, SGD).
    ``warmup_epochs`` may be fractional; ``step_epochs`` and ``gamma`` shape the
    step schedule. ``patience``: stop after that many epochs without a better
    validation accuracy (None: never). ``threads`` caps the BLAS threads during
    training (None: BLAS's own choice); see :func:`blas_threads`.
    """

    sizes: tuple[int, ...]
    activation: str = "relu"
    output: str = "softmax"
    optimizer: str = "adam"
    lr: float = 1e-3
    batch_size: int = 128
    epochs: int = 10
    schedule: str = "constant"
    warmup_epochs: float = 0.0
    step_epochs: int = 10
    gamma: float = 0.1
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    lam: float = 0.0
    dropout: float = 0.0
    augment: dict[str, float] = field(default_factory=dict)
    patience: int | None = None
    dtype: str = "float32"
    threads: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sizes": list(self.sizes)}


@dataclass
class MiniBatchResult:
    """What a mini-batch run produced.

    ``theta`` is the parameters of the epoch with the best validation accuracy
    (the last epoch when there is no validation set); ``history`` follows the
    model file's format: ``{"costs": [], "batch_loss": [...], "epochs": [...]}``.
    ``timings`` adds up seconds per phase of the loop (where the time goes).
    """

    theta: np.ndarray
    history: dict[str, list]
    best_epoch: int
    epochs_run: int
    steps: int
    message: str
    interrupted: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _RunState:
    """The loop's state between epochs: exactly what a checkpoint holds."""

    theta: np.ndarray
    best_theta: np.ndarray
    epoch: int = 0
    step: int = 0
    best_epoch: int = 0
    best_val_accuracy: float = -1.0
    bad_epochs: int = 0
    seconds: float = 0.0
    stopped: str = ""
    history: dict[str, list] = field(
        default_factory=lambda: {"costs": [], "batch_loss": [], "epochs": []}
    )
    timings: dict[str, float] = field(default_factory=dict)


def evaluate_batches(
    theta: np.ndarray,
    X: np.ndarray,
    labels: np.ndarray,
    config: MiniBatchConfig,
    chunk: int = 10000,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of theta on X: (m, n_0), labels: (m,) ints, in chunks."""
    thetas = network.unpack(theta, config.sizes)
    loss, correct = 0.0, 0
    for start in range(0, len(X), chunk):
        Xc, yc = X[start : start + chunk], labels[start : start + chunk]
        _, z = network.feedforward(thetas, Xc, config.activation)
        Y = network.one_hot(yc, config.sizes[-1], z.dtype)
        loss += network.cross_entropy(z, Y, config.output)
        correct += int(np.sum(np.argmax(z, axis=1) == yc))
    return loss / max(1, len(X)), correct / max(1, len(X))


def train_minibatch(
    theta0: np.ndarray,
    X: np.ndarray,
    labels: np.ndarray,
    X_val: np.ndarray | None,
    labels_val: np.ndarray | None,
    config: MiniBatchConfig,
    rng: np.random.Generator,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_meta: dict[str, Any] | None = None,
    resume: Checkpoint | None = None,
    progress: bool | None = True,
    log: Callable[[str], None] | None = None,
    on_epoch: Callable[[int, np.ndarray], None] | None = None,
) -> MiniBatchResult:
    """Fit ``theta`` by mini-batch gradient descent.

    X: (n, n_0) scaled inputs of ``config.dtype``; labels: (n,) int digits;
    X_val, labels_val: the validation split (or None). All randomness --
    shuffling, augmentation, dropout -- is drawn from ``rng``, in a fixed
    order, so one seed gives one result. After every epoch the state (theta,
    optimizer, ``rng``'s state, history) is written atomically to
    ``checkpoint``; passing that file back as ``resume`` (see
    :func:`load_checkpoint`) continues to exactly the result of an
    uninterrupted run. Ctrl-C ends the run between batches and returns the
    best parameters of the finished epochs. ``log`` receives one summary line
    per epoch; ``on_epoch(epoch, theta)`` is called after each epoch, outside
    the measured time (the benchmark uses it to follow test accuracy).
    """
    dtype = np.dtype(config.dtype).type
    n = len(X)
    batch = min(config.batch_size, n)
    n_batches = -(-n // batch)
    total_steps = n_batches * config.epochs
    schedule = optim.Schedule(
        config.schedule, config.lr, total_steps,
        warmup_steps=round(config.warmup_epochs * n_batches),
        step_size=config.step_epochs * n_batches, gamma=config.gamma,
    )  # fmt: skip
    decay_mask = network.weight_mask(config.sizes)
    opt = optim.make_optimizer(
        config.optimizer, config.lr, config.momentum, config.nesterov,
        config.weight_decay, decay_mask,
    )  # fmt: skip
    aug = augment.augmentation(augment.Augmentation(**config.augment))
    Y = network.one_hot(labels, config.sizes[-1], dtype)
    lam_batch = config.lam * batch / n

    if resume is None:
        theta = np.array(theta0, dtype=dtype, copy=True)
        state = _RunState(theta=theta, best_theta=theta.copy())
    else:
        state = resume.state
        opt.load_state(resume.optimizer_scalars, resume.optimizer_arrays)
        rng.bit_generator.state = resume.rng_state
    theta = state.theta
    timings = state.timings
    for phase in ("batches", "augment", "dropout", "gradient", "optimizer", "validation",
                  "checkpoint"):  # fmt: skip
        timings.setdefault(phase, 0.0)
    clock = time.perf_counter
    interrupted = False
    message = state.stopped

    limit = blas_threads(config.threads)
    try:
        limit.__enter__()
        while not state.stopped and state.epoch < config.epochs:
            epoch = state.epoch + 1
            started = clock()
            losses = np.empty(n_batches)
            order = rng.permutation(n)
            with tqdm(
                total=n_batches, desc=f"epoch {epoch}/{config.epochs}", unit="batch",
                disable=None if progress is None else not progress, leave=False,
                dynamic_ncols=True,
            ) as bar:  # fmt: skip
                for b in range(n_batches):
                    t0 = clock()
                    idx = order[b * batch : (b + 1) * batch]
                    Xb, Yb = X[idx], Y[idx]
                    t1 = clock()
                    if aug.active:
                        Xb = augment.distort(Xb, aug, rng)
                    t2 = clock()
                    masks = None
                    if config.dropout:
                        masks = network.dropout_masks(
                            rng, len(idx), config.sizes, config.dropout, dtype
                        )
                    t3 = clock()
                    loss, grad = network.cost_and_grad(
                        theta, Xb, Yb, lam_batch * len(idx) / batch, config.sizes,
                        config.activation, config.output, masks,
                    )  # fmt: skip
                    t4 = clock()
                    if not np.isfinite(loss):
                        raise _Diverged(f"the loss stopped being finite at epoch {epoch}")
                    opt.lr = schedule(state.step)
                    opt.step(theta, grad)
                    state.step += 1
                    losses[b] = loss
                    t5 = clock()
                    timings["batches"] += t1 - t0
                    timings["augment"] += t2 - t1
                    timings["dropout"] += t3 - t2
                    timings["gradient"] += t4 - t3
                    timings["optimizer"] += t5 - t4
                    bar.update(1)
                    if b % 20 == 0:
                        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            if not np.all(np.isfinite(theta)):
                raise _Diverged(f"the parameters stopped being finite at epoch {epoch}")

            t0 = clock()
            record: dict[str, Any] = {
                "epoch": epoch,
                # The mean over batches: parameters changed during the epoch, as Keras reports.
                "train_loss": _round(np.average(losses, weights=_batch_sizes(n, batch))),
                "lr": _round(opt.lr),
            }
            if X_val is not None and len(X_val):
                val_loss, val_acc = evaluate_batches(theta, X_val, labels_val, config)
                record["val_loss"], record["val_accuracy"] = _round(val_loss), val_acc
                improved = val_acc > state.best_val_accuracy
            else:
                val_acc, improved = float("nan"), True
            if improved:
                state.best_theta[:] = theta
                state.best_epoch, state.bad_epochs = epoch, 0
                state.best_val_accuracy = val_acc if np.isfinite(val_acc) else -1.0
            else:
                state.bad_epochs += 1
            timings["validation"] += clock() - t0
            state.epoch = epoch
            state.seconds += clock() - started
            record["seconds"] = round(clock() - started, 3)
            state.history["batch_loss"].extend(_round(v) for v in losses)
            state.history["epochs"].append(record)
            if config.patience is not None and state.bad_epochs >= config.patience:
                state.stopped = (
                    f"early stop: no better validation accuracy for {config.patience} epochs"
                )
            elif state.epoch >= config.epochs:
                state.stopped = f"finished {config.epochs} epoch{'s' if config.epochs != 1 else ''}"
            if checkpoint is not None:
                t0 = clock()
                save_checkpoint(checkpoint, state, opt, rng, config, checkpoint_meta)
                timings["checkpoint"] += clock() - t0
                state.seconds += clock() - t0
            if log is not None:
                log(_epoch_line(record, config.epochs))
            if on_epoch is not None:
                on_epoch(epoch, theta)
        message = state.stopped
    except KeyboardInterrupt:
        interrupted = True
        message = f"interrupted by the user during epoch {state.epoch + 1}"
    except _Diverged as exc:
        message = str(exc)
    finally:
        limit.__exit__(None, None, None)
    if state.epoch == 0:
        # Nothing finished: what there is, is the current (or initial) parameters.
        state.best_theta[:] = theta
    return MiniBatchResult(
        theta=state.best_theta.copy(), history=state.history, best_epoch=state.best_epoch,
        epochs_run=state.epoch, steps=state.step, message=message, interrupted=interrupted,
        seconds=state.seconds, timings={k: round(v, 3) for k, v in timings.items()},
    )  # fmt: skip


def blas_threads(n: int | None) -> contextlib.AbstractContextManager:
    """A context in which BLAS uses at most ``n`` threads (None: no change).

    OpenBLAS's threads wait for each other by spinning, so on a machine whose
    cores are busy with other work a 2-thread product of the small matrices of
    a mini-batch can be several times slower than a 1-thread one. Needs the
    small ``threadpoolctl`` package (installed with scikit-learn).
    """
    if n is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise DigitnetError(
            "limiting BLAS threads needs threadpoolctl: pip install threadpoolctl"
        ) from None
    return threadpool_limits(limits=n, user_api="blas")


class _Diverged(Exception):
    pass


def _batch_sizes(n: int, batch: int) -> np.ndarray:
    sizes = np.full(-(-n // batch), batch)
    sizes[-1] = n - batch * (len(sizes) - 1)
    return sizes


def _round(value: float) -> float:
    return float(f"{float(value):.6g}")


def _epoch_line(record: dict[str, Any], epochs: int) -> str:
    val = (
        f", val loss {record['val_loss']:.4f}, val accuracy {100 * record['val_accuracy']:.2f}%"
        if "val_accuracy" in record
        else ""
    )
    return (
        f"epoch {record['epoch']:>{len(str(epochs))}}/{epochs}: train loss "
        f"{record['train_loss']:.4f}{val}, lr {record['lr']:.2e}, {record['seconds']:.1f} s"
    )


# --- checkpoints ------------------------------------------------------------------------


@dataclass
class Checkpoint:
    """A checkpoint read back: the run's state and what the caller stored beside it."""

    state: _RunState
    optimizer_scalars: dict[str, Any]
    optimizer_arrays: dict[str, np.ndarray]
    rng_state: dict[str, Any]
    config: dict[str, Any]
    meta: dict[str, Any]


def save_checkpoint(
    path: str | os.PathLike[str],
    state: _RunState,
    opt: optim.SGD | optim.Adam,
    rng: np.random.Generator,
    config: MiniBatchConfig,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write the run's state to ``path`` (``.npz``), atomically.

    The file is also a valid model file (``theta`` is the best parameters so
    far, float64), so ``digitnet evaluate --model CHECKPOINT`` works on it.
    Arrays are stored in their own dtype, so a resumed run continues bit for
    bit; the rest (configuration, counters, history, the random generator's
    state, ``meta``) is JSON. No pickle.
    """
    from digitnet import __version__

    opt_scalars, opt_arrays = opt.state()
    run = {
        "epoch": state.epoch, "step": state.step, "best_epoch": state.best_epoch,
        "best_val_accuracy": state.best_val_accuracy, "bad_epochs": state.bad_epochs,
        "seconds": state.seconds, "stopped": state.stopped, "timings": state.timings,
        "optimizer": opt_scalars, "rng_state": rng.bit_generator.state,
        "config": config.as_dict(),
    }  # fmt: skip
    metadata = {
        **(meta or {}),
        "format": model_io.FORMAT, "format_version": model_io.FORMAT_VERSION,
        "sizes": list(config.sizes), "activation": config.activation, "output": config.output,
        "input_scaling": model_io.INPUT_SCALING, "digitnet_version": __version__,
        "saved": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "history": state.history, "checkpoint": run,
    }  # fmt: skip
    arrays = {
        "theta": state.best_theta.astype(np.float64),
        "current_theta": state.theta,
        "best_theta": state.best_theta,
        **{f"optimizer_{name}": value for name, value in opt_arrays.items()},
    }
    text = json.dumps(metadata, allow_nan=False, default=_json_default)
    with atomic_write(path) as handle:
        np.savez(handle, metadata=np.array(text), **arrays)
    return Path(path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (``allow_pickle=False``)."""
    path = Path(path)
    model_io.load_model(path)  # validates it as a model file, with clear errors
    with np.load(path, allow_pickle=False) as archive:
        meta = json.loads(str(archive["metadata"]))
        run = meta.get("checkpoint")
        if not isinstance(run, dict) or not set(CHECKPOINT_ARRAYS) <= set(archive.files):
            raise ModelFileError(
                f"{path}: a model file but not a training checkpoint; "
                "checkpoints are written by 'digitnet train --checkpoint'"
            )
        arrays = {name: archive[name] for name in archive.files if name != "metadata"}
    prefix = "optimizer_"
    opt_arrays = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
    state = _RunState(
        theta=arrays["current_theta"], best_theta=arrays["best_theta"], epoch=run["epoch"],
        step=run["step"], best_epoch=run["best_epoch"],
        best_val_accuracy=run["best_val_accuracy"], bad_epochs=run["bad_epochs"],
        seconds=run["seconds"], stopped=run["stopped"], history=meta["history"],
        timings=run["timings"],
    )  # fmt: skip
    extra = {k: v for k, v in meta.items() if k not in ("history", "checkpoint")}
    return Checkpoint(state, run["optimizer"], opt_arrays, run["rng_state"], run["config"], extra)
