"""Pictures of digits, of training and of trained networks, as matplotlib Figures.

Every function returns a :class:`matplotlib.figure.Figure` built with the
object API (no pyplot, no global state), so it works headless, in scripts and
in notebooks (a notebook shows a returned Figure). :func:`save_figure` writes
one to PNG or SVG, atomically.

Images are MNIST's: (N, 28, 28) uint8, 0 = background, ink bright. They are
drawn with the ``Greys`` colour map, as the seed notebook does, so ink is dark
on white. Right and wrong are told apart by colour (blue and vermillion from
Okabe and Ito's palette, which people with the common colour-vision
deficiencies can distinguish) and also by a mark (a tick or a cross), never
by colour alone.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from digitnet._files import atomic_write
from digitnet.errors import DigitnetError

# Okabe & Ito (2008), "Color Universal Design": a palette for colour-blind readers.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
GREEN = "#009E73"
GREY = "#8C8C8C"
RIGHT, WRONG = BLUE, VERMILLION
RIGHT_MARK, WRONG_MARK = "\u2713", "\u2717"  # check mark, ballot x (DejaVu Sans has both)

DIGIT_CMAP = "Greys"  # the seed's
WEIGHT_CMAP = "RdBu_r"  # diverging, ColorBrewer's colour-blind-safe red-blue; 0 is white
HEAT_CMAP = "Blues"

#: Upper bound on the digits one grid shows: beyond it the tiles are too small to read.
MAX_GRID = 100
SUFFIXES = {".png": "png", ".svg": "svg"}


# --- helpers ------------------------------------------------------------------------------


def _images(images: Any, name: str = "images") -> np.ndarray:
    """images: (n, 28, 28), or (n, 784) rows reshaped: integer pixels 0-255 (MNIST's
    uint8), or floats scaled to [-1, 1] as the network's inputs are."""
    array = np.asarray(images)
    if array.ndim == 2 and array.shape[1] == 784:
        array = array.reshape(-1, 28, 28)
    if array.ndim != 3 or array.shape[1:] != (28, 28):
        raise DigitnetError(f"{name} have shape {array.shape}; expected (n, 28, 28) digit images")
    if array.dtype.kind not in "uif":
        raise DigitnetError(f"{name} have dtype {array.dtype}; expected pixel numbers")
    low, high = _pixel_range(array)
    if array.size and (array.min() < low or array.max() > high):
        raise DigitnetError(
            f"{name} hold values {array.min():g} to {array.max():g}; expected integer pixels "
            "0-255 or floats scaled to [-1, 1]"
        )
    return array


def _pixel_range(images: np.ndarray) -> tuple[float, float]:
    """The values of background and full ink: 0 to 255 for integers, -1 to 1 for floats."""
    return (0.0, 255.0) if images.dtype.kind in "ui" else (-1.0, 1.0)


def _digits(values: Any, n: int, name: str) -> np.ndarray:
    """values: (n,) whole numbers 0-9. Returns (n,) int64."""
    array = np.asarray(values)
    if array.shape != (n,):
        raise DigitnetError(f"{name} have shape {array.shape}; expected ({n},)")
    if n and (array.dtype.kind not in "ui" or array.min() < 0 or array.max() > 9):
        raise DigitnetError(f"{name} must be digits 0-9")
    return array.astype(np.int64)


def grid_shape(count: int, cols: int | None = None) -> tuple[int, int]:
    """(rows, cols) for ``count`` tiles: the seed's 5 x 4 for 20, about 4:5 otherwise."""
    if count < 1:
        raise DigitnetError(f"nothing to draw: {count} images")
    if cols is None:
        cols = max(1, min(count, max(4, round(math.sqrt(count * 0.8)))))
    return math.ceil(count / cols), cols


def _blank(ax: Any) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _digit_axes(ax: Any, image: np.ndarray) -> None:
    low, high = _pixel_range(image)
    ax.imshow(image, cmap=DIGIT_CMAP, vmin=low, vmax=high)
    _blank(ax)


def _frame(ax: Any, colour: str, width: float = 2.5) -> None:
    for spine in ax.spines.values():
        spine.set_edgecolor(colour)
        spine.set_linewidth(width)


def pick_digits(
    labels: Any, count: int = 20, digit: int | None = None, seed: int | None = None
) -> np.ndarray:
    """Indices of ``count`` different images chosen at random, of one ``digit`` if given.

    labels: (N,) digits 0-9. Returns (count,) int64 indices into ``labels``.
    """
    labels = np.asarray(labels)
    if digit is not None and (int(digit) != digit or not 0 <= digit <= 9):
        raise DigitnetError(f"digit must be 0-9, got {digit}")
    if not 1 <= count <= MAX_GRID:
        raise DigitnetError(f"count must be 1 to {MAX_GRID}, got {count}")
    pool = np.arange(len(labels)) if digit is None else np.flatnonzero(labels == digit)
    if count > len(pool):
        which = "images" if digit is None else f"images of the digit {digit}"
        raise DigitnetError(f"asked for {count} {which}, but the data holds only {len(pool)}")
    return np.random.default_rng(seed).choice(pool, size=count, replace=False)


# --- digits -------------------------------------------------------------------------------


def digit_grid(
    images: Any,
    labels: Any | None = None,
    predictions: Any | None = None,
    *,
    cols: int | None = None,
    title: str | None = None,
) -> Figure:
    """A grid of digits, each titled with its label: the seed's figure for 20 images (5 x 4).

    images: (n, 28, 28) pixels, n <= 100; labels: (n,) digits or None;
    predictions: (n,) digits a model gave, or None. With predictions each tile
    says ``label -> prediction`` and is marked right (blue, tick) or wrong
    (vermillion, cross, framed).
    """
    images = _images(images)
    n = len(images)
    if n > MAX_GRID:
        raise DigitnetError(f"{n} images are too many for one grid; at most {MAX_GRID}")
    rows, cols = grid_shape(n, cols)
    labels = None if labels is None else _digits(labels, n, "labels")
    predictions = None if predictions is None else _digits(predictions, n, "predictions")
    if title is None and predictions is not None and labels is not None:
        title = f"true \u2192 predicted: {RIGHT_MARK} right, {WRONG_MARK} wrong"
    fig = Figure(figsize=(1.35 * cols, 1.45 * rows + (0.5 if title else 0.1)), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_axis_off()
            continue
        _digit_axes(ax, images[i])
        if predictions is None:
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=13)
            continue
        right = labels is not None and predictions[i] == labels[i]
        colour = RIGHT if right or labels is None else WRONG
        if labels is None:
            text = f"says {predictions[i]}"
        else:
            mark = RIGHT_MARK if right else WRONG_MARK
            text = f"{labels[i]} \u2192 {predictions[i]} {mark}"
        ax.set_title(text, fontsize=12, color=colour, fontweight="normal" if right else "bold")
        if labels is not None and not right:
            _frame(ax, WRONG)
    if title:
        fig.suptitle(title, fontsize=12)
    return fig


def mean_digits(images: Any, labels: Any, cols: int = 5) -> Figure:
    """The average image of each digit 0-9, ``cols`` to a row (2 x 5 by default), each
    titled with its count.

    images: (N, 28, 28) pixels; labels: (N,) digits.
    """
    images = _images(images)
    labels = _digits(labels, len(images), "labels")
    rows, cols = grid_shape(10, cols)
    fig = Figure(figsize=(1.5 * cols, 1.55 * rows + 0.5), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[10:]:
        ax.set_axis_off()
    for digit, ax in zip(range(10), axes.flat, strict=False):
        chosen = images[labels == digit]
        _blank(ax)
        if len(chosen) == 0:
            ax.set_title(f"{digit}: none", fontsize=11, color=GREY)
            continue
        low, high = _pixel_range(images)
        ax.imshow(chosen.mean(axis=0), cmap=DIGIT_CMAP, vmin=low, vmax=high)
        ax.set_title(f"{digit}  ({len(chosen):,})", fontsize=11)
    fig.suptitle(
        "Mean image of each digit" + (" (number of images)" if cols >= 4 else "\n(images)"),
        fontsize=12,
    )
    return fig


def _sure(probability: float) -> str:
    """A probability as a percentage that never rounds a mistake up to 100%."""
    percent = 100 * probability
    if percent < 99.5:
        return f"{percent:.0f}%"
    return f"{percent:.1f}%" if percent < 99.95 else ">99.9%"


def confident_mistakes(
    images: Any, labels: Any, proba: Any, count: int = 12, cols: int = 6
) -> Figure:
    """The ``count`` wrong predictions the model was surest of, surest first.

    images: (m, 28, 28) pixels; labels: (m,) true digits; proba: (m, 10) class
    probabilities (rows summing to 1, as ``Network.predict_proba`` gives).
    Each tile shows the true digit, the prediction and its probability.
    """
    images = _images(images)
    labels = _digits(labels, len(images), "labels")
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape != (len(images), 10):
        raise DigitnetError(f"probabilities have shape {proba.shape}; expected ({len(images)}, 10)")
    if not 1 <= count <= MAX_GRID:
        raise DigitnetError(f"count must be 1 to {MAX_GRID}, got {count}")
    predicted = proba.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    confidence = proba[wrong, predicted[wrong]]
    chosen = wrong[np.argsort(-confidence, kind="stable")[:count]]
    if len(chosen) == 0:
        fig = Figure(figsize=(6, 1.5), layout="constrained")
        ax = fig.subplots()
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"No mistakes on these {len(images):,} images.", ha="center",
                va="center", fontsize=13)  # fmt: skip
        return fig
    rows, cols = grid_shape(len(chosen), min(cols, len(chosen)))
    fig = Figure(figsize=(1.55 * cols, 1.75 * rows + 0.45), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[len(chosen) :]:
        ax.set_axis_off()
    for ax, i in zip(axes.flat, chosen, strict=False):
        _digit_axes(ax, images[i])
        _frame(ax, WRONG, 1.5)
        ax.set_title(
            f"is {labels[i]}, said {predicted[i]}\n{_sure(proba[i, predicted[i]])} sure",
            fontsize=10,
            color="#222222",
        )
    sep = " " if cols >= 5 else "\n"
    fig.suptitle(
        f"The {len(chosen)} most confident of {len(wrong):,} mistakes"
        f"{sep}on {len(images):,} images",
        fontsize=12,
    )
    return fig


# --- training -----------------------------------------------------------------------------


def optimizer_name(name: str) -> str:
    """How people write an optimizer's name: ``lbfgs`` -> ``L-BFGS-B`` (scipy's), else as given."""
    from digitnet.optim import SCIPY_METHODS

    return SCIPY_METHODS.get(str(name), str(name))


def _finite(values: Sequence[Any] | None) -> np.ndarray:
    """values as float64, with None, NaN and infinity as NaN (a gap in a line)."""
    array = np.array([np.nan if v is None else v for v in (values or [])], dtype=np.float64)
    array[~np.isfinite(array)] = np.nan
    return array


def _log_if_wide(ax: Any, values: np.ndarray) -> bool:
    """A log y axis when the positive values span more than a factor of 20."""
    positive = values[np.isfinite(values) & (values > 0)]
    if (
        len(positive)
        and positive.max() / positive.min() > 20
        and len(positive) == np.sum(np.isfinite(values))
    ):
        ax.set_yscale("log")
        # Plain numbers at 1, 2 and 5 times powers of ten, not 6 x 10^-1.
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        return True
    return False


def cost_curve(
    history: Mapping[str, Any],
    optimizer: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Training cost against time, from a model's ``metadata["history"]``.

    Full-batch runs (``{"costs": [...]}``): the cost at every evaluation, as the
    seed plots it. Mini-batch runs (with ``batch_loss`` and/or ``epochs``): the
    loss of every batch, each epoch's training and validation loss, and the
    validation accuracy on a second axis.
    """
    if not isinstance(history, Mapping):
        raise DigitnetError("history must be a mapping such as {'costs': [...]}")
    if history.get("batch_loss") or history.get("epochs"):
        return _minibatch_curve(history, optimizer, figsize or (7.5, 4.2))
    costs = _finite(history.get("costs"))
    if not np.isfinite(costs).any():
        raise DigitnetError("no training history to plot: the model records no finite costs")
    fig = Figure(figsize=figsize or (7.5, 4.0), layout="constrained")
    ax = fig.subplots()
    evaluations = np.arange(1, len(costs) + 1)
    # Line searches try points that cost more; the optimizer keeps the lowest, so show both.
    lowest = np.fmin.accumulate(np.where(np.isfinite(costs), costs, np.inf))
    lowest[~np.isfinite(lowest)] = np.nan
    # A trial far above the starting cost says nothing more for being drawn in full, and
    # would squash the curve that matters: cut the axis off just above the start.
    top = float(np.nanmax(lowest))
    cut = bool(np.nanmax(costs) > 1.5 * top)
    label = "each evaluation" + (" (cut off at the top)" if cut else "")
    ax.plot(evaluations, costs, color=GREY, linewidth=0.8, alpha=0.7, label=label)
    ax.plot(evaluations, lowest, color=BLUE, linewidth=1.8, label="lowest so far")
    log = _log_if_wide(ax, np.minimum(costs, 1.5 * top) if cut else costs)
    if cut:
        bottom = float(np.nanmin(costs))
        ax.set_ylim(bottom / 1.25 if log else 0, 1.5 * top if log else 1.1 * top)
    best = int(np.nanargmin(costs))
    ax.plot(evaluations[best], costs[best], "o", color=BLUE, markersize=5)
    ax.text(
        0.98, 0.95,
        f"lowest cost {costs[best]:.4g}, at evaluation {best + 1:,} of {len(costs):,}",
        transform=ax.transAxes, ha="right", va="top", fontsize=10, color=BLUE,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
    )  # fmt: skip
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.88), fontsize=9, framealpha=0.85,
              edgecolor="none")  # fmt: skip
    ax.set_xlabel("evaluation of cost and gradient")
    ax.set_ylabel("cost" + (" (log scale)" if log else ""))
    ax.set_xlim(0, len(costs) + 1)
    ax.grid(True, which="major", color="#e5e5e5", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    method = f" ({optimizer_name(optimizer)})" if optimizer else ""
    ax.set_title(f"Cost at each evaluation{method}", fontsize=12, loc="left")
    return fig


def _minibatch_curve(
    history: Mapping[str, Any], optimizer: str | None, figsize: tuple[float, float]
) -> Figure:
    batch_loss = _finite(history.get("batch_loss"))
    epochs = list(history.get("epochs") or [])
    if not all(isinstance(e, Mapping) for e in epochs):
        raise DigitnetError("history['epochs'] must be a list of objects such as {'epoch': 1, ...}")
    epoch_no = np.array([e.get("epoch", i + 1) for i, e in enumerate(epochs)], dtype=np.float64)
    train_loss = _finite([e.get("train_loss") for e in epochs])
    val_loss = _finite([e.get("val_loss") for e in epochs])
    val_acc = _finite([e.get("val_accuracy") for e in epochs])
    if not (np.isfinite(batch_loss).any() or np.isfinite(train_loss).any()):
        raise DigitnetError("no training history to plot: the model records no finite losses")

    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    lines = []
    if len(batch_loss):
        if epochs:
            # Batches are spread evenly over the epochs recorded, so both share one x axis.
            x = np.arange(1, len(batch_loss) + 1) * (len(epochs) / len(batch_loss))
            x += epoch_no[0] - 1
        else:
            x = np.arange(1, len(batch_loss) + 1)
        lines += ax.plot(x, batch_loss, color=GREY, linewidth=0.7, alpha=0.55, label="batch loss")
    if epochs:
        if np.isfinite(train_loss).any():
            lines += ax.plot(epoch_no, train_loss, "o-", color=BLUE, linewidth=1.8,
                             markersize=4, label="training loss (epoch)")  # fmt: skip
        if np.isfinite(val_loss).any():
            lines += ax.plot(epoch_no, val_loss, "s--", color=ORANGE, linewidth=1.8,
                             markersize=4, label="validation loss")  # fmt: skip
    log = _log_if_wide(ax, np.concatenate([batch_loss, train_loss, val_loss]))
    ax.set_xlabel("epoch" if epochs else "batch")
    ax.set_ylabel("loss" + (" (log scale)" if log else ""))
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.spines[["top"]].set_visible(False)
    if np.isfinite(val_acc).any():
        acc_ax = ax.twinx()
        lines += acc_ax.plot(epoch_no, 100 * val_acc, "^-", color=GREEN, linewidth=1.8,
                             markersize=5, label="validation accuracy")  # fmt: skip
        acc_ax.set_ylabel("validation accuracy (%)", color=GREEN)
        acc_ax.tick_params(axis="y", colors=GREEN)
        acc_ax.spines[["top"]].set_visible(False)
        best = int(np.nanargmax(val_acc))
        acc_ax.annotate(
            f"best {100 * val_acc[best]:.2f}%",
            (epoch_no[best], 100 * val_acc[best]),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=10,
            color=GREEN,
        )
    ncols = len(lines) if figsize[0] >= 6 else 2
    fig.legend(handles=lines, loc="outside lower center", ncols=ncols, fontsize=9, frameon=False)
    method = f" ({optimizer_name(optimizer)})" if optimizer else ""
    ax.set_title(f"Loss per batch and per epoch{method}", fontsize=12, loc="left")
    return fig


# --- results ------------------------------------------------------------------------------


def _confusion(confusion: Any) -> np.ndarray:
    array = np.asarray(confusion)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.dtype.kind not in "ui":
        raise DigitnetError(f"a confusion matrix is square and of counts; got shape {array.shape}")
    return array.astype(np.int64)


def confusion_heatmap(
    confusion: Any,
    title: str = "Confusion matrix",
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """A heat map of a confusion matrix with the count in every cell.

    confusion: (k, k) counts, row = true class, column = predicted class (as
    :func:`digitnet.evaluate.confusion_matrix` gives). Colour is on a log scale
    so that the few mistakes show beside the many right answers; empty cells stay white.
    """
    conf = _confusion(confusion)
    k = len(conf)
    figsize = figsize or (6.4, 5.6)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    vmax = max(int(conf.max()), 2)
    norm = LogNorm(vmin=0.5, vmax=vmax)  # below 1, so that a single image is tinted
    shown = np.ma.masked_equal(conf, 0)
    image = ax.imshow(shown, cmap=HEAT_CMAP, norm=norm)
    ax.set_facecolor("white")
    cmap = image.get_cmap()
    with_bar = figsize[0] >= 5  # a narrow figure keeps its width for the cells
    # Font size to fit the widest count in a cell (about 0.6 em per character).
    cell_pt = 72 * min(figsize[0] * (0.78 if with_bar else 0.88), figsize[1] * 0.82) / k
    for (row, col), count in np.ndenumerate(conf):
        if count == 0:
            continue
        r, g, b, _ = cmap(norm(count))
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
        text = f"{count}" if count < 10000 else f"{count / 1000:.0f}k"
        ax.text(col, row, text, ha="center", va="center",
                fontsize=min(9.0, cell_pt / (0.62 * max(2, len(text)))),
                color="white" if dark else "#1a1a1a",
                fontweight="bold" if row == col else "normal")  # fmt: skip
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    total, right = int(conf.sum()), int(np.trace(conf))
    ax.set_title(f"{title}: {total - right:,} of {total:,} wrong", fontsize=12, loc="left")
    if with_bar:
        bar = fig.colorbar(image, ax=ax, shrink=0.85)
        bar.set_label("images (log scale)")
        ticks = [m * 10**e for e in range(len(str(vmax))) for m in (1, 2, 5) if m * 10**e <= vmax]
        bar.set_ticks(ticks, labels=[f"{t:,}" for t in ticks])
        bar.ax.yaxis.set_minor_locator(NullLocator())
    return fig


def class_accuracy(
    metrics_by_split: Mapping[str, Mapping[str, Any]],
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Accuracy on each digit (recall), one marker per split, e.g. train and test.

    metrics_by_split: name -> a :func:`digitnet.evaluate.metrics` result (needs
    ``recall`` (10,) and ``accuracy``). A dot plot rather than bars, so the
    axis can start near the lowest value without distorting lengths.
    """
    if not metrics_by_split:
        raise DigitnetError("no metrics to plot")
    styles = [(BLUE, "o"), (VERMILLION, "s"), (GREEN, "^"), (ORANGE, "D")]
    fig = Figure(figsize=figsize or (6.4, 5.0), layout="constrained")
    ax = fig.subplots()
    lowest = 100.0
    for (name, result), (colour, marker) in zip(metrics_by_split.items(), styles, strict=False):
        recall = 100 * np.asarray(result["recall"], dtype=np.float64)
        digits = np.arange(len(recall))
        lowest = min(lowest, float(recall.min()))
        accuracy = 100 * float(result["accuracy"])
        ax.plot(recall, digits, marker, color=colour, markersize=8,
                label=f"{name} (all digits {accuracy:.2f}%)")  # fmt: skip
        ax.axvline(accuracy, color=colour, linewidth=1, linestyle=":")
    ax.set_yticks(range(10))
    ax.invert_yaxis()
    ax.set_ylabel("digit")
    ax.set_xlabel("accuracy on the images of this digit (%)")
    left = max(0.0, math.floor(lowest) - 1.0)
    ax.set_xlim(left, 100.0 + (100.0 - left) * 0.03)
    ax.grid(True, axis="x", color="#e5e5e5", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncols=len(metrics_by_split), fontsize=9, frameon=False)
    ax.set_title("Accuracy per digit (dotted: on all digits)", fontsize=12, loc="left")
    return fig


# --- inside the network -------------------------------------------------------------------


def weight_mosaic(theta1: Any, max_units: int = 256, pad: int = 2) -> np.ndarray:
    """First-layer input weights as one image of 28 x 28 tiles, one tile per hidden unit.

    theta1: (n_hidden, 785) float, bias column first (``Network.thetas_[0]``).
    Each tile is scaled by its own largest absolute weight into [-1, 1]; gaps
    between tiles are NaN. Returns (rows * (28 + pad) + pad, cols * (28 + pad) + pad) float64.
    """
    theta1 = np.asarray(theta1, dtype=np.float64)
    if theta1.ndim != 2 or theta1.shape[1] != 785:
        raise DigitnetError(
            f"first-layer weights have shape {theta1.shape}; expected (n_hidden, 785) "
            "(28 x 28 inputs and a bias)"
        )
    weights = theta1[:max_units, 1:].reshape(-1, 28, 28)
    n = len(weights)
    rows, cols = _mosaic_shape(n)
    step = 28 + pad
    mosaic = np.full((rows * step + pad, cols * step + pad), np.nan)
    scale = np.abs(weights).reshape(n, -1).max(axis=1)
    scale[scale == 0] = 1.0
    for i, tile in enumerate(weights / scale[:, None, None]):
        r, c = divmod(i, cols)
        mosaic[pad + r * step : pad + r * step + 28, pad + c * step : pad + c * step + 28] = tile
    return mosaic


def _mosaic_shape(n: int) -> tuple[int, int]:
    """(rows, cols) about twice as wide as tall, with a full last row when one fits."""
    widest = min(n, max(4, math.ceil(math.sqrt(2 * n))))
    for cols in range(widest, max(1, math.ceil(math.sqrt(n))) - 1, -1):
        if n % cols == 0:
            return n // cols, cols
    return math.ceil(n / widest), widest


def hidden_weights(theta1: Any, max_units: int = 256) -> Figure:
    """What each first-layer hidden unit responds to: its 784 input weights as a 28 x 28 tile.

    theta1: (n_hidden, 785), bias column first. Red pixels push the unit on,
    blue pixels push it off; each tile has its own scale. At most ``max_units`` are shown.
    """
    mosaic = weight_mosaic(theta1, max_units)
    n_hidden = np.asarray(theta1).shape[0]
    height, width = mosaic.shape
    fig_width = min(10.0, max(6.4, width / 48))
    fig = Figure(figsize=(fig_width, fig_width * height / width + 0.8), layout="constrained")
    ax = fig.subplots()
    cmap = _cmap_with_bad(WEIGHT_CMAP, "#f2f2f2")
    ax.imshow(mosaic, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    shown = min(n_hidden, max_units)
    which = f"{shown} of the {n_hidden}" if shown < n_hidden else f"the {n_hidden}"
    ax.set_title(
        f"Input weights of {which} first-layer hidden units\n"
        "red: ink there excites the unit; blue: ink there inhibits it\n"
        "(each tile on its own scale)",
        fontsize=11,
    )
    return fig


def weight_image(theta1: Any, max_units: int = 256) -> Any:
    """The weight mosaic as a bare RGB picture, one pixel per weight (no title, no axes).

    theta1: (n_hidden, 785), bias column first. Returns a ``PIL.Image.Image`` of
    :func:`weight_mosaic`'s shape, coloured as :func:`hidden_weights` colours it;
    a page can show it enlarged with ``image-rendering: pixelated``.
    """
    from PIL import Image

    mosaic = weight_mosaic(theta1, max_units)
    rgba = _cmap_with_bad(WEIGHT_CMAP, "#f2f2f2")((mosaic + 1) / 2, bytes=True)
    return Image.fromarray(rgba[..., :3], mode="RGB")


def _cmap_with_bad(name: str, bad: str) -> Any:
    from matplotlib import colormaps

    return colormaps[name].with_extremes(bad=bad)


# --- files --------------------------------------------------------------------------------


def figure_bytes(fig: Figure, fmt: str = "png", dpi: float = 100, palette: bool = False) -> bytes:
    """The figure encoded as ``png`` or ``svg``, at its own size (no tight cropping).

    palette: reduce a PNG to 256 colours, which makes it 2-3 times smaller and, for
    these plots, looks the same.
    """
    if fmt not in SUFFIXES.values():
        raise DigitnetError(f"unknown image format {fmt!r}; choose png or svg")
    buffer = io.BytesIO()
    # No date in SVGs (matplotlib stamps one), so the same figure gives the same file.
    metadata = {"Date": None} if fmt == "svg" else {"Software": "digitnet (matplotlib)"}
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    if fmt == "png" and palette:
        from PIL import Image

        with Image.open(io.BytesIO(buffer.getvalue())) as image:
            reduced = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
        buffer = io.BytesIO()
        reduced.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def save_figure(
    fig: Figure, path: str | os.PathLike[str], dpi: float = 100, palette: bool = False
) -> Path:
    """Write ``fig`` to ``path`` as PNG or SVG, chosen by the suffix, atomically.

    A PNG is ``figure width x dpi`` by ``figure height x dpi`` pixels; ``palette``
    makes it a 256-colour PNG (see :func:`figure_bytes`).
    """
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DigitnetError(f"{path}: unknown picture type {path.suffix!r}; name it .png or .svg")
    data = figure_bytes(fig, fmt, dpi, palette)
    with atomic_write(path) as handle:
        handle.write(data)
    return path
