"""One self-contained HTML report per model: what it is, how it was trained, how well it does.

The page holds everything it shows: the plots of :mod:`digitnet.plots` are
embedded as base64 PNG ``data:`` URIs and the style sheet is inline, so the
file can be mailed, archived or opened offline, and fetches nothing.

Sections: summary, architecture, training (configuration and history),
results (train and test metrics, per-digit table, confusion matrix), mistakes,
hidden units, data, timings. Metrics are measured afresh on the data given;
without data the metrics stored in the model file are shown and the pictures
that need images are left out, saying so.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import os
import platform
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digitnet import model_io, plots
from digitnet._files import atomic_write
from digitnet.datasets import MnistData
from digitnet.errors import DigitnetError
from digitnet.evaluate import metrics
from digitnet.model import Network

#: Screen pixels per inch of figure; figures are rendered at twice that for sharp screens.
CSS_PX_PER_INCH = 100
RENDER_DPI = 2 * CSS_PX_PER_INCH
#: How many random test digits the report shows with the model's answers.
SAMPLE_COUNT = 20
SAMPLE_SEED = 0
#: Screens this narrow get the phone drawings of the plots that have one.
PHONE_MEDIA = "(max-width: 40rem)"
PHONE_SIZE = (4.2, 3.6)

SECTIONS = (
    ("architecture", "Architecture"),
    ("training", "Training"),
    ("results", "Results"),
    ("mistakes", "Mistakes"),
    ("hidden-units", "Hidden units"),
    ("data", "Data"),
    ("timings", "Timings"),
)

#: Readable names for the keys of ``metadata["training"]``; other keys are shown as they are.
TRAINING_LABELS = {
    "optimizer": "optimizer",
    "lambda": "L2 strength \u03bb",
    "max_iter": "most evaluations allowed",
    "init": "initialization",
    "epsilon": "initialization half-width \u03b5",
    "random_state": "random seed",
    "n_train": "training images",
    "n_evals": "cost-and-gradient evaluations",
    "optimizer_message": "stopped because",
    "converged": "optimizer reported success",
    "interrupted": "interrupted (Ctrl-C)",
    "seconds": "training time (s)",
    "final_cost": "final cost",
}

STYLE = """
:root { color-scheme: light; --ink: #1c1d21; --muted: #5a5d68; --rule: #e2e4e9;
  --panel: #f5f6f8; --accent: #0072b2; --warn: #e69f00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 62rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: clamp(1.6rem, 1.2rem + 2vw, 2.3rem); line-height: 1.15; margin: 0 0 .5rem;
  letter-spacing: -.01em; }
h2 { font-size: 1.4rem; line-height: 1.25; margin: 3rem 0 .75rem; padding-top: 1.25rem;
  border-top: 1px solid var(--rule); }
section:first-of-type h2 { margin-top: 1.75rem; padding-top: 0; border-top: 0; }
section { scroll-margin-top: 3rem; }
h3 { font-size: 1.05rem; margin: 1.75rem 0 .5rem; }
p, li, figcaption, .note { max-width: 68ch; }
p { margin: .5rem 0 1rem; }
.lede { font-size: 1.1rem; color: var(--muted); }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: .8rem;
  color: var(--muted); margin: 0 0 .25rem; }
code { font: .92em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  monospace; background: var(--panel); padding: .05em .3em; border-radius: .25em; }
.cards { display: grid; gap: .75rem; margin: 1.5rem 0;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 10.5rem), 1fr)); }
.card { background: var(--panel); border-radius: .6rem; padding: .8rem 1rem; }
.card .label { font-size: .85rem; color: var(--muted); }
.card .value { font-size: clamp(1.3rem, 1rem + 1.6vw, 1.65rem); font-weight: 650;
  line-height: 1.2; font-variant-numeric: tabular-nums; white-space: nowrap; }
nav { position: sticky; top: 0; z-index: 1; background: rgba(255, 255, 255, .94);
  border-bottom: 1px solid var(--rule); margin: 0 -1.25rem; padding: .4rem 1.25rem; }
nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: .15rem 1.1rem; font-size: .92rem; }
a { color: var(--accent); text-decoration-thickness: 1px; text-underline-offset: .15em; }
nav a { text-decoration: none; }
nav a:hover, nav a:focus { text-decoration: underline; }
figure { margin: 1.5rem 0; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .5rem; }
@media (min-width: 40.01rem) { img.pixels { image-rendering: pixelated; } }
.table-wrap { overflow-x: auto; margin: .75rem 0 1.25rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: .95rem; }
caption { text-align: left; color: var(--muted); font-size: .9rem; padding-bottom: .35rem; }
th, td { padding: .4rem .8rem; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; }
.num, table:not(.kv) th[scope="row"] { white-space: nowrap; }
.num { text-align: right; }
thead th { border-bottom: 2px solid #c9ccd4; font-weight: 600; }
th:first-child, td:first-child { text-align: left; padding-left: 0; }
table.kv th { font-weight: 500; color: var(--muted); text-align: left; }
table.kv td { text-align: left; overflow-wrap: anywhere; }
.note { background: #fff7e6; border-left: 4px solid var(--warn); padding: .6rem .9rem;
  border-radius: 0 .4rem .4rem 0; }
details { margin: .5rem 0 1rem; }
summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid var(--rule);
  color: var(--muted); font-size: .88rem; }
@media (max-width: 30rem) {
  body { font-size: 15px; }
  main { padding: 1.25rem 1rem 3rem; }
  nav { margin: 0 -1rem; padding: .4rem 1rem; }
  th, td { padding: .35rem .55rem; }
}
@media print {
  nav { position: static; } h2 { break-after: avoid; } figure { break-inside: avoid; }
}
"""


@dataclass
class _Evaluation:
    """A model measured on one split of the data."""

    name: str
    images: np.ndarray | None
    labels: np.ndarray | None
    proba: np.ndarray | None
    result: dict[str, Any]
    seconds: float | None


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _percent(fraction: float, digits: int = 2) -> str:
    return f"{100 * fraction:.{digits}f}%"


def _duration(seconds: float | None, short: bool = False) -> str:
    """Seconds as people say them; ``short`` gives at most about 8 characters."""
    if seconds is None or not np.isfinite(seconds):
        return "not recorded"
    if short and seconds >= 90:
        return f"{seconds / 60:.1f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"
    if seconds < 1:
        return f"{1000 * seconds:.0f} ms"
    if seconds < 90:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 90:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _value(value: Any) -> str:
    """A metadata value as short text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, dict)):
        text = json.dumps(value)
        return text if len(text) <= 120 else text[:117] + "..."
    return str(value)


_NUMBER = re.compile(r"^[-\u2212+]?[\d,.]+(%| \u00d7 [\d,]+)?$")


def _table(
    head: Iterable[str], rows: Iterable[Iterable[Any]], caption: str = "", cls: str = ""
) -> str:
    """An HTML table; columns whose cells are all numbers are right-aligned."""
    head, rows = list(head), [[str(cell) for cell in row] for row in rows]
    n_cols = max([len(head), *(len(row) for row in rows)])
    numeric = [
        i > 0 and all(_NUMBER.match(row[i]) for row in rows if len(row) > i and row[i])
        for i in range(n_cols)
    ]

    def cell(tag: str, i: int, text: str, scope: str = "") -> str:
        attrs = (f' scope="{scope}"' if scope else "") + (' class="num"' if numeric[i] else "")
        return f"<{tag}{attrs}>{_e(text)}</{tag}>"

    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    head_html = "".join(cell("th", i, h, "col") for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(
            cell("th", i, text, "row") if i == 0 else cell("td", i, text)
            for i, text in enumerate(row)
        ) + "</tr>"
        for row in rows
    )  # fmt: skip
    cls_attr = f' class="{cls}"' if cls else ""
    thead = f"<thead><tr>{head_html}</tr></thead>" if head_html else ""
    return (
        f'<div class="table-wrap"><table{cls_attr}>{cap}{thead}<tbody>{body}</tbody></table></div>'
    )


def _kv_table(pairs: Iterable[tuple[str, Any]]) -> str:
    return _table((), ((name, value) for name, value in pairs), cls="kv")


def _png_attrs(fig: Any) -> str:
    """``src``-ready data URI and the size to show it at, as HTML attributes."""
    png = plots.figure_bytes(fig, "png", RENDER_DPI, palette=True)
    width, height = (round(v * CSS_PX_PER_INCH) for v in fig.get_size_inches())
    data = base64.b64encode(png).decode("ascii")
    return f'data:image/png;base64,{data}" width="{width}" height="{height}"'


def figure_html(
    fig: Any, alt: str, caption: str = "", fig_id: str = "", phone_fig: Any = None
) -> str:
    """A Figure as a ``<figure>`` with an embedded PNG (``data:`` URI) and a caption.

    phone_fig: a narrower drawing of the same plot that narrow screens get instead,
    so that its text stays readable rather than shrinking with the picture.
    caption is HTML (escape text before passing it).
    """
    id_attr = f' id="{_e(fig_id)}"' if fig_id else ""
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    img = f'<img src="{_png_attrs(fig)} alt="{_e(alt)}">'
    if phone_fig is not None:
        source = f'<source media="{PHONE_MEDIA}" srcset="{_png_attrs(phone_fig)}>'
        img = f"<picture>{source}{img}</picture>"
    return f"<figure{id_attr}>{img}{cap}</figure>"


# --- measuring --------------------------------------------------------------------------


def _evaluate(net: Network, name: str, images: np.ndarray, labels: np.ndarray) -> _Evaluation:
    start = time.perf_counter()
    proba = net.predict_proba(images)
    seconds = time.perf_counter() - start
    predicted = proba.argmax(axis=1)
    result = metrics(np.asarray(labels, dtype=np.int64), predicted, 10)
    return _Evaluation(name, images, labels, proba, result, seconds)


def _evaluations(net: Network, data: MnistData | None) -> list[_Evaluation]:
    if data is not None:
        return [
            _evaluate(net, "train", data.train_images, data.train_labels),
            _evaluate(net, "test", data.test_images, data.test_labels),
        ]
    stored = net.metadata_.get("metrics") or {}
    return [
        _Evaluation(name, None, None, None, stored[name], None)
        for name in ("train", "test")
        if isinstance(stored.get(name), Mapping) and "accuracy" in stored[name]
    ]


# --- sections ---------------------------------------------------------------------------


def _architecture(net: Network, meta: Mapping[str, Any]) -> str:
    sizes = list(net.sizes_)
    rows = [("input", f"{sizes[0]:,}", "pixels", "")]
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False), start=1):
        last = layer == len(sizes) - 1
        kind = "output" if last else f"hidden {layer}"
        activation = net.output if last else net.activation
        rows.append((kind, f"{n_out:,}", activation, f"{n_out * (n_in + 1):,}"))
    total = int(net.params_.size)
    rows.append(("total", "", "", f"{total:,}"))
    arch = "-".join(map(str, sizes))
    scaling = meta.get("input_scaling", model_io.INPUT_SCALING)
    return (
        f"<p>A fully connected {arch} network: {_e(net.activation)} hidden units and "
        f"{_e(net.output)} outputs, {total:,} parameters. Each layer's weights form one "
        f"matrix with a bias column first, as in the seed notebook (the first is "
        f"{sizes[1]} \u00d7 {sizes[0] + 1}). Pixels enter as <code>{_e(scaling)}</code>, "
        "so the background is \u22121 and full ink is +1.</p>"
        + _table(("layer", "units", "activation", "parameters"), rows)
    )


def _training(net: Network, meta: Mapping[str, Any]) -> str:
    training = meta.get("training") or {}
    history = meta.get("history") or {}
    parts = []
    if training:
        pairs = [(TRAINING_LABELS.get(key, key.replace("_", " ")), _value(value))
                 for key, value in training.items()]  # fmt: skip
        parts.append("<h3>Configuration</h3>" + _kv_table(pairs))
    else:
        parts.append("<p>The model file records no training configuration.</p>")
    parts.append("<h3>History</h3>")
    optimizer = training.get("optimizer")
    epochs = [e for e in history.get("epochs") or [] if isinstance(e, Mapping)]
    costs = [c for c in history.get("costs") or [] if isinstance(c, (int, float))]
    try:
        fig = plots.cost_curve(history, optimizer)
        phone = plots.cost_curve(history, optimizer, figsize=PHONE_SIZE)
    except DigitnetError:
        fig = phone = None
    if epochs:
        last = epochs[-1]
        summary = f"{len(epochs)} epochs"
        if history.get("batch_loss"):
            summary += f" of {len(history['batch_loss']) // max(1, len(epochs)):,} batches each"
        if isinstance(last.get("val_accuracy"), (int, float)):
            summary += f"; validation accuracy after the last: {_percent(last['val_accuracy'])}"
        parts.append(f"<p>{_e(summary)}.</p>")
    elif costs:
        finite = [c for c in costs if np.isfinite(c)]
        parts.append(
            f"<p>{len(costs):,} evaluations of cost and gradient on the whole training set; "
            f"the cost went from {finite[0]:.4g} to a lowest {min(finite):.4g}.</p>"
            if finite
            else "<p>No finite cost was recorded.</p>"
        )
    if fig is not None:
        caption = (
            "Loss of every mini-batch (grey), each epoch's training and validation loss, "
            "and validation accuracy (right axis)."
            if epochs or history.get("batch_loss")
            else "Cost at every evaluation (grey) and the lowest so far (blue), which is the "
            "model kept; the spikes are line-search trials."
        )
        parts.append(figure_html(fig, "Training cost curve", _e(caption), "fig-cost", phone))
    else:
        parts.append("<p>The model file records no training history to plot.</p>")
    if epochs:
        keys = [k for k in ("epoch", "train_loss", "val_loss", "val_accuracy", "lr", "seconds")
                if any(k in e for e in epochs)]  # fmt: skip
        rows = [
            [_percent(e[k]) if k == "val_accuracy" and isinstance(e.get(k), (int, float))
             else _value(e.get(k)) for k in keys]
            for e in epochs
        ]  # fmt: skip
        parts.append(
            f"<details><summary>Every epoch ({len(epochs)})</summary>"
            + _table([k.replace("_", " ") for k in keys], rows)
            + "</details>"
        )
    return "".join(parts)


def _results(evals: list[_Evaluation]) -> str:
    if not evals:
        return "<p>No metrics: the model file stores none and no data was given.</p>"
    by_name = {ev.name: ev.result for ev in evals}
    evals = sorted(evals, key=lambda ev: ev.name != "test")  # test first: it is the measure
    rows = [
        (ev.name, f"{ev.result['n']:,}", f"{round(ev.result['accuracy'] * ev.result['n']):,}",
         f"{ev.result['n'] - round(ev.result['accuracy'] * ev.result['n']):,}",
         _percent(ev.result["accuracy"]))
        for ev in evals
    ]  # fmt: skip
    parts = [_table(("split", "images", "right", "wrong", "accuracy"), rows)]

    head = ["digit"]
    columns = []
    for ev in evals:
        conf = np.asarray(ev.result["confusion"])
        head += [f"{ev.name} images", f"{ev.name} precision", f"{ev.name} recall"]
        columns.append((conf.sum(axis=1), ev.result["precision"], ev.result["recall"]))
    per_digit = []
    for digit in range(10):
        row: list[Any] = [str(digit)]
        for counts, precision, recall in columns:
            row += [f"{int(counts[digit]):,}", _percent(precision[digit], 1),
                    _percent(recall[digit], 1)]  # fmt: skip
        per_digit.append(row)
    parts.append("<h3>Per digit</h3>")
    parts.append(
        "<p>Precision: of the images the model called this digit, the share that were. "
        "Recall: of the images of this digit, the share the model got right.</p>"
    )
    parts.append(_table(head, per_digit))

    main = by_name.get("test") or evals[-1].result
    main_name = "test" if "test" in by_name else evals[-1].name
    heat = plots.confusion_heatmap(main["confusion"], f"{main_name.capitalize()} set")
    acc = plots.class_accuracy(by_name)
    parts.append(
        figure_html(
            heat,
            f"Confusion matrix on the {main_name} set",
            "Rows: the true digit; columns: the model's answer. Off the diagonal are the "
            "mistakes; colour is on a log scale so that single ones show.",
            "fig-confusion",
            plots.confusion_heatmap(
                main["confusion"], f"{main_name.capitalize()} set", figsize=(4.2, 4.2)
            ),
        )
        + figure_html(
            acc,
            "Accuracy on each digit, train and test",
            "Share of each digit's images recognized (recall); dotted lines mark the "
            "accuracy on all digits.",
            "fig-class-accuracy",
            plots.class_accuracy(by_name, figsize=(4.2, 4.6)),
        )
    )
    return "".join(parts)


def _mistakes(evals: list[_Evaluation]) -> str:
    test = next((ev for ev in evals if ev.name == "test" and ev.images is not None), None)
    if test is None:
        return "<p>Not shown: drawing mistakes needs the test images (give the data).</p>"
    predicted = test.proba.argmax(axis=1)
    fig = plots.confident_mistakes(test.images, test.labels, test.proba, count=12)
    idx = plots.pick_digits(test.labels, min(SAMPLE_COUNT, len(test.labels)), seed=SAMPLE_SEED)
    grid = plots.digit_grid(test.images[idx], test.labels[idx], predicted[idx])
    return (
        "<p>The wrong answers the model was surest of. Some are digits a person would misread "
        "too; others show what the network has not learned.</p>"
        + figure_html(
            fig,
            "The test digits the model got wrong with the highest confidence",
            "Each tile: the true digit, the model's answer and the probability it gave it.",
            "fig-mistakes",
            plots.confident_mistakes(test.images, test.labels, test.proba, count=12, cols=3),
        )
        + "<h3>Random test digits</h3>"
        + figure_html(
            grid,
            "Twenty random test digits with the model's answers",
            f"{len(idx)} test digits chosen at random (seed {SAMPLE_SEED}): true digit \u2192 "
            "answer; a tick in blue when right, a cross in vermillion and a frame when wrong.",
            "fig-sample",
        )
    )


def _hidden_units(net: Network) -> str:
    first = net.thetas_[0]
    if first.shape[1] != 785:
        return "<p>Not shown: the first layer does not take 28 \u00d7 28 images.</p>"
    # One pixel per weight, enlarged by the browser: a third of the bytes of a plot.
    image = plots.weight_image(first).quantize(256, method=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    width, height = image.size
    n_hidden = first.shape[0]
    shown = min(n_hidden, 256)
    which = f"the first {shown} of the {n_hidden}" if shown < n_hidden else f"the {n_hidden}"
    return (
        "<p>Each tile is one first-layer hidden unit's 784 input weights laid out as the "
        "28 \u00d7 28 image they look at: the pattern of ink that drives it most.</p>"
        f'<figure id="fig-weights"><img class="pixels" src="data:image/png;base64,{data}" '
        f'width="{2 * width}" height="{2 * height}" '
        f'alt="Input weights of {which} first-layer hidden units, one tile each">'
        f"<figcaption>Input weights of {which} first-layer hidden units, in order, row by "
        "row. Red: ink there excites the unit; blue: ink there inhibits it; white: the "
        "unit ignores that pixel. Each tile is on its own scale.</figcaption></figure>"
    )


def _data_section(data: MnistData | None, model_data: str) -> str:
    if data is None:
        return (
            f"<p>The model was trained on: {_e(model_data)}. No data was given to this report, "
            "so its images are not shown.</p>"
        )
    fig = plots.mean_digits(data.train_images, data.train_labels)
    return (
        f"<p>Measured on: {_e(data.source)}; {len(data.train_labels):,} training and "
        f"{len(data.test_labels):,} test images. The model was trained on: "
        f"{_e(model_data)}.</p>"
        + figure_html(
            fig,
            "The mean training image of each digit",
            "The average of every training image of each digit: where the ink usually is.",
            "fig-means",
        )
    )


def _timings(
    net: Network, meta: Mapping[str, Any], evals: list[_Evaluation], started: float
) -> str:
    training = meta.get("training") or {}
    history = meta.get("history") or {}
    seconds = training.get("seconds", net.fit_seconds_ or None)
    rows: list[tuple[str, str]] = [("training", _duration(seconds))]
    n_evals = training.get("n_evals") or len(history.get("costs") or [])
    epochs = [e for e in history.get("epochs") or [] if isinstance(e, Mapping)]
    if epochs:
        epoch_seconds = [e["seconds"] for e in epochs if isinstance(e.get("seconds"), (int, float))]
        if epoch_seconds:
            rows.append(("per epoch (mean)", _duration(float(np.mean(epoch_seconds)))))
    elif n_evals and seconds:
        rows.append(("per evaluation of cost and gradient", _duration(seconds / n_evals)))
    for ev in evals:
        if ev.seconds is not None:
            per = 1e6 * ev.seconds / max(1, ev.result["n"])
            rows.append(
                (f"predicting the {ev.result['n']:,} {ev.name} images",
                 f"{_duration(ev.seconds)} ({per:.1f} \u00b5s per image)")
            )  # fmt: skip
    rows.append(("making this report", _duration(time.perf_counter() - started)))
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    rows.append(("this report made on", machine))
    return (
        "<p>Wall-clock times, meaningful only beside other times measured on the same "
        "machine. Training was timed where the model was trained.</p>" + _kv_table(rows)
    )


# --- the page ---------------------------------------------------------------------------


def render_report(
    net: Network,
    data: MnistData | None = None,
    *,
    model_path: str | os.PathLike[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> str:
    """The HTML report of a fitted ``net``, measured on ``data`` (or from stored metrics).

    metadata: the model file's full metadata (for its date and version);
    defaults to ``net.metadata_``. Returns the whole page as one string.
    """
    from digitnet import __version__

    started = time.perf_counter()
    net._check_fitted()
    meta = {**net.metadata_, **(metadata or {})}
    name = Path(model_path).name if model_path else "model"
    evals = _evaluations(net, data)
    test = next((ev.result for ev in evals if ev.name == "test"), None)
    train = next((ev.result for ev in evals if ev.name == "train"), None)
    model_data = str(meta.get("data") or "not recorded in the model file")
    arch = "-".join(map(str, net.sizes_))
    training = meta.get("training") or {}
    optimizer = training.get("optimizer")

    lede = (
        f"A {arch} network ({_e(net.activation)} hidden units, {_e(net.output)} outputs)"
        + (f" trained with {_e(plots.optimizer_name(optimizer))}" if optimizer else "")
        + (f", \u03bb\u00a0=\u00a0{_e(_value(training['lambda']))}" if "lambda" in training else "")
        + "."
    )
    if test is not None:
        lede += f" It recognizes {_percent(test['accuracy'])} of the {test['n']:,} test digits."
    cards = [
        ("test accuracy", _percent(test["accuracy"]) if test else "not measured"),
        ("train accuracy", _percent(train["accuracy"]) if train else "not measured"),
        ("parameters", f"{int(net.params_.size):,}"),
        ("training time", _duration(training.get("seconds"), short=True)),
    ]
    notes = []
    if data is not None and data.name == "sample" and model_data.startswith("mnist"):
        notes.append(
            "This model was trained on the full MNIST but is measured here on the embedded "
            "sample, whose digits all come from MNIST's training set: its \u201ctest\u201d "
            "digits are not new to the model. Give the full MNIST for a fair test."
        )
    if training.get("interrupted"):
        notes.append("Training was interrupted (Ctrl-C): this is the best model found until then.")

    body = [
        '<header><p class="eyebrow">digitnet model report</p>',
        f"<h1>{_e(name)}</h1>",
        f'<p class="lede">{lede}</p>',
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="label">{_e(label)}</div>'
            f'<div class="value">{_e(value)}</div></div>'
            for label, value in cards
        )
        + "</div>",
        "".join(f'<p class="note">{_e(note)}</p>' for note in notes),
        "</header>",
        '<nav aria-label="Sections"><ul>'
        + "".join(f'<li><a href="#{sid}">{_e(title)}</a></li>' for sid, title in SECTIONS)
        + "</ul></nav>",
    ]
    sections = {
        "architecture": _architecture(net, meta),
        "training": _training(net, meta),
        "results": _results(evals),
        "mistakes": _mistakes(evals),
        "hidden-units": _hidden_units(net),
        "data": _data_section(data, model_data),
    }
    for sid, title in SECTIONS:
        content = sections.get(sid)
        if content is None:  # timings come last so that they include the others
            content = _timings(net, meta, evals, started)
        body.append(f'<section id="{sid}"><h2>{_e(title)}</h2>{content}</section>')
    saved = meta.get("saved")
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body.append(
        "<footer>"
        + (f"Model saved {_e(saved)} by digitnet {_e(meta.get('digitnet_version', '?'))}. "
           if saved else "")
        + f"Report made {made} by digitnet {_e(__version__)}. "
        "This page is self-contained: it loads nothing from anywhere."
        "</footer>"
    )  # fmt: skip
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(name)}: digitnet model report</title>"
        f"<style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def report_path_for(model_path: str | os.PathLike[str]) -> Path:
    """Where ``train`` puts a model's report: beside it, ``model.npz`` -> ``model.html``."""
    return Path(model_path).with_suffix(".html")


def write_report(
    net: Network,
    data: MnistData | None,
    out: str | os.PathLike[str],
    *,
    model_path: str | os.PathLike[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Render the report and write it to ``out`` (``.html``) atomically. Returns the path."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise DigitnetError(f"{out}: a report is an HTML page; name it .html")
    page = render_report(net, data, model_path=model_path, metadata=metadata)
    with atomic_write(out) as handle:
        handle.write(page.encode("utf-8"))
    return out


def write_default_report(
    net: Network, data: MnistData | None, model_path: str | os.PathLike[str]
) -> Path:
    """Write the report of the model saved at ``model_path`` beside it.

    The file is :func:`report_path_for` ``(model_path)``; the model file's metadata
    (its date and version) is read back from it.
    """
    _, meta = model_io.load_model(model_path)
    return write_report(
        net, data, report_path_for(model_path), model_path=model_path, metadata=meta
    )
