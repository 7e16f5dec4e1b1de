"""The ``digitnet`` command line: a thin layer over the Python API.

Each sub-command is one ``cmd_*`` function taking the parsed arguments and
returning an exit status. Bad input of any kind -- options, data files,
model files, output paths -- ends in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

import digitnet
from digitnet import augment, network, optim
from digitnet import model as model_module
from digitnet.errors import DigitnetError

DEFAULT_MODEL = "digitnet-model.npz"
#: The cap on evaluations when none is given. The seed's own run stopped after about
#: 950 evaluations when its cost turned NaN (../shared/ANCHORS.md); run on, the same
#: network keeps gaining test accuracy up to about 3000 (bench/RESULTS.md, "Core (c)").
#: TNC's own default, 10 times the parameter count, would let it run for hours.
DEFAULT_MAX_ITER = 3000


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _whole_number(
    low: int, high: int | None = None, what: str = "a whole number"
) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], described as ``what``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be {what} {low}-{high}, got {value}")
        return value

    return parse


_positive_int = _whole_number(1)
_port = _whole_number(0, 65535, "a port number")
_digit = _whole_number(0, 9, "a digit")


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (np.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _layer_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes such as 128 or 256,128, got {text!r}"
        ) from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be at least 1, got {text!r}")
    return sizes


def _say(*parts: Any) -> None:
    print(*parts, flush=True)


def _load_data(args: argparse.Namespace) -> digitnet.MnistData:
    data = digitnet.load_mnist(args.data)
    _say(f"data: {data.source}")
    return data


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.2f}%"


# --- train ------------------------------------------------------------------------------


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _val_size(text: str) -> int | float:
    """--val: a number of images (5000) or a fraction of the training set (0.1)."""
    try:
        return _positive_int(text) if text.strip() != "0" else 0
    except argparse.ArgumentTypeError:
        value = _fraction(text)
        return value


#: The seed's configuration: what ``digitnet train`` does with no options.
SEED_DEFAULTS: dict[str, Any] = {
    **model_module.PRESETS["seed"],
    "random_state": 0,
    "max_iter": DEFAULT_MAX_ITER,
}
#: Options (dest names) that only mini-batch training uses.
MINI_BATCH_OPTIONS = (
    "batch_size", "epochs", "lr", "schedule", "warmup_epochs", "momentum", "nesterov",
    "weight_decay", "dropout", "augment", "val", "patience", "dtype", "checkpoint", "profile",
)  # fmt: skip
#: Options that define the network and its training: taken from the checkpoint on --resume.
RUN_OPTIONS = (
    "preset", "hidden", "activation", "output", "lam", "optimizer", "init", "seed",
    "max_iter", *MINI_BATCH_OPTIONS[:-2],
)  # fmt: skip


def _train_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Network arguments from the command line: explicit options, then the preset,
    then the seed's configuration."""
    settings = dict(SEED_DEFAULTS)
    if args.preset:
        settings.update(model_module.PRESETS[args.preset])
    names = {"seed": "random_state"}
    for dest in ("hidden", "activation", "output", "lam", "optimizer", "init", "seed",
                 "max_iter", *MINI_BATCH_OPTIONS[:-2]):  # fmt: skip
        value = getattr(args, dest)
        if value is not None:
            settings[names.get(dest, dest)] = value
    if settings["optimizer"] in optim.MINI_BATCH_METHODS:
        settings.pop("max_iter", None)
        settings["checkpoint"] = args.checkpoint or args.out.with_name(
            args.out.stem + ".checkpoint.npz"
        )
    else:
        given = [
            o for o in (*MINI_BATCH_OPTIONS, "threads") if getattr(args, o) not in (None, False)
        ]
        if given:
            raise DigitnetError(
                f"--{given[0].replace('_', '-')} applies to the mini-batch optimizers "
                f"(sgd, adam, adamw), not to {settings['optimizer']}"
            )
    return settings


def _describe(net: digitnet.Network) -> str:
    arch = "-".join(map(str, (784, *net.hidden, 10)))
    head = f"training {arch} {net.activation}/{net.output}, lambda {net.lam}, {net.optimizer}"
    if not net.minibatch:
        return f"{head}, at most {net.max_iter} evaluations"
    extra = [f"lr {net._learning_rate():g} {net.schedule}", f"batch {net.batch_size}",
             f"{net.epochs} epochs", f"{net.dtype}"]  # fmt: skip
    if net.weight_decay:
        extra.append(f"weight decay {net.weight_decay:g}")
    if net.dropout:
        extra.append(f"dropout {net.dropout:g}")
    if net.augment != "none":
        extra.append(f"augment {net.augment}")
    extra.append(f"validation {net.val} images")
    return f"{head} {', '.join(extra)}"


def cmd_train(args: argparse.Namespace) -> int:
    progress = None if not args.quiet else False
    if args.resume is not None:
        given = [o for o in RUN_OPTIONS if getattr(args, o) is not None]
        if given:
            raise DigitnetError(
                f"--resume takes every setting from the checkpoint; drop "
                f"--{given[0].replace('_', '-')}"
            )
        net = digitnet.Network.from_checkpoint(
            args.resume, progress=progress, verbose=not args.quiet,
            checkpoint=args.checkpoint or args.resume, threads=args.threads,
        )  # fmt: skip
    else:
        net = digitnet.Network(
            **_train_settings(args), progress=progress, verbose=not args.quiet,
            threads=args.threads,
        )  # fmt: skip
    net._validate()
    data = _load_data(args)
    if args.resume is not None:
        _say(f"resuming {args.resume}")
    _say(_describe(net))
    net.fit(data.train_images, data.train_labels, resume=args.resume)
    if net.minibatch:
        if net.interrupted_:
            _say(f"interrupted: keeping the best of {net.n_epochs_} finished epochs")
        best = net.metadata_["training"]["best_val_accuracy"]
        best_text = f", validation accuracy {_percent(best)}" if best is not None else ""
        _say(
            f"{net.optimizer_message_}; best epoch {net.best_epoch_}{best_text} "
            f"({net.fit_seconds_:.1f} s)"
        )
        if net.checkpoint:
            _say(f"checkpoint: {net.checkpoint}")
        if args.profile:
            _say("where the time went (seconds):")
            total = sum(net.timings_.values()) or 1.0
            for phase, seconds in sorted(net.timings_.items(), key=lambda kv: -kv[1]):
                _say(f"  {phase:<12}{seconds:>9.2f}  {100 * seconds / total:5.1f}%")
    else:
        if net.interrupted_:
            _say(f"interrupted: keeping the best parameters of {net.n_evals_} evaluations")
        _say(
            f"optimizer: {net.optimizer_message_} ({net.n_evals_} evaluations, "
            f"{net.fit_seconds_:.1f} s)"
        )
    train_metrics = net.evaluate(data.train_images, data.train_labels)
    test_metrics = net.evaluate(data.test_images, data.test_labels)
    net.metadata_["data"] = data.source
    net.metadata_["metrics"] = {"train": train_metrics, "test": test_metrics}
    _say(f"train accuracy: {_percent(train_metrics['accuracy'])} ({train_metrics['n']} images)")
    _say(f"test accuracy:  {_percent(test_metrics['accuracy'])} ({test_metrics['n']} images)")
    path = net.save(args.out)
    _say(f"saved {path}")
    if not args.no_report:
        from digitnet.report import write_default_report

        _say(f"report {write_default_report(net, data, path)}")
    return 130 if net.interrupted_ else 0


def _add_train_arguments(train: argparse.ArgumentParser) -> None:
    """The options of ``digitnet train``. Those left out come from --preset, else from
    the seed's configuration, so their defaults here are None."""
    add = train.add_argument
    add("--data", default="auto", help=DATA_HELP)
    add(
        "--preset",
        choices=tuple(model_module.PRESETS),
        help="a named configuration: seed (the default), fast (<= 60 s), best (<= 15 min); "
        "options given beside it override it",
    )
    add("--hidden", type=_layer_sizes, help="hidden layer sizes, e.g. 128 or 256,128 (seed: 128)")
    add("--activation", choices=network.ACTIVATIONS, help="hidden activation (seed: sigmoid)")
    add(
        "--output",
        choices=network.OUTPUTS,
        help="output layer: the seed's sigmoid units or softmax (seed: sigmoid)",
    )
    add(
        "--lambda",
        dest="lam",
        type=_non_negative_float,
        help="L2 regularization strength lambda, scaled per batch in mini-batch training (seed: 1)",
    )
    add(
        "--optimizer",
        choices=model_module.OPTIMIZERS,
        help="full-batch scipy tnc (the seed's), lbfgs, cg; or mini-batch sgd, adam, adamw",
    )
    add(
        "--max-iter",
        type=_positive_int,
        help=f"full-batch: most cost-and-gradient evaluations (default: {DEFAULT_MAX_ITER})",
    )
    add(
        "--init",
        choices=network.INITS,
        help="weight initialization (seed: uniform +-0.12); glorot, he",
    )
    add("--seed", type=int, help="random seed of initialization, split, shuffling (default: 0)")
    add(
        "--out",
        type=Path,
        default=Path(DEFAULT_MODEL),
        help=f"model file to write (default: {DEFAULT_MODEL})",
    )
    add("--quiet", action="store_true", help="no progress bar, no per-epoch lines")
    mb = train.add_argument_group("mini-batch training (optimizers sgd, adam, adamw)")
    add = mb.add_argument
    add("--batch-size", type=_positive_int, help="images per batch (default: 128)")
    add("--epochs", type=_positive_int, help="passes over the training set (default: 10)")
    add("--lr", type=_positive_float, help="learning rate (default: 1e-3 adam, 0.05 sgd)")
    add(
        "--schedule",
        choices=optim.SCHEDULES,
        help="learning rate schedule (default: constant); step: x0.1 every 10 epochs",
    )
    add(
        "--warmup-epochs",
        type=_non_negative_float,
        help="linear learning-rate warm-up, in epochs (default: 0)",
    )
    add("--momentum", type=_fraction, help="sgd momentum (default: 0.9)")
    add("--nesterov", action="store_const", const=True, help="sgd: Nesterov momentum")
    add(
        "--weight-decay",
        type=_non_negative_float,
        help="decoupled weight decay, for adamw and sgd (default: 0)",
    )
    add("--dropout", type=_fraction, help="dropout rate of hidden units (default: 0)")
    add(
        "--augment",
        choices=tuple(augment.PRESETS),
        help="on-the-fly distortions: none (default), shift, affine, elastic",
    )
    add(
        "--val",
        type=_val_size,
        help="validation images carved from the training set, or a fraction (default: 5000)",
    )
    add(
        "--patience",
        type=_positive_int,
        help="stop after this many epochs without better validation accuracy (default: never)",
    )
    add("--dtype", choices=model_module.DTYPES, help="float type (default: float32)")
    add(
        "--checkpoint",
        type=Path,
        help="checkpoint written after every epoch (default: OUT's name + .checkpoint.npz)",
    )
    add(
        "--resume",
        type=Path,
        metavar="CHECKPOINT",
        help="continue the run that wrote CHECKPOINT, with its settings",
    )
    add("--profile", action="store_true", help="print where the training time went")
    add(
        "--threads",
        type=_positive_int,
        help="most BLAS threads while training (needs threadpoolctl; default: BLAS's choice)",
    )


# --- evaluate ---------------------------------------------------------------------------


def cmd_evaluate(args: argparse.Namespace) -> int:
    net = digitnet.Network.load(args.model)
    data = digitnet.load_mnist(args.data)
    if args.split == "train":
        images, labels = data.train_images, data.train_labels
    else:
        images, labels = data.test_images, data.test_labels
    result = {
        "model": str(args.model),
        "data": data.source,
        "split": args.split,
        **net.evaluate(images, labels),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    _say(f"data: {data.source}")
    _say(f"{args.split} accuracy: {_percent(result['accuracy'])} ({result['n']} images)")
    _say("")
    _say("confusion matrix (rows: true digit, columns: predicted)")
    _say("      " + "".join(f"{d:>6}" for d in range(10)))
    for digit, row in enumerate(result["confusion"]):
        _say(f"{digit:>6}" + "".join(f"{count:>6}" for count in row))
    _say("")
    _say(f"{'digit':>6}{'precision':>11}{'recall':>9}{'images':>8}")
    for digit in range(10):
        _say(
            f"{digit:>6}{_percent(result['precision'][digit]):>11}"
            f"{_percent(result['recall'][digit]):>9}{sum(result['confusion'][digit]):>8}"
        )
    return 0


# --- fetch, info, import-seed ----------------------------------------------------------


def cmd_fetch(args: argparse.Namespace) -> int:
    dest = digitnet.download_mnist(args.dest)
    data = digitnet.load_mnist(str(dest))
    _say(
        f"MNIST is in {dest}: {len(data.train_labels)} training and "
        f"{len(data.test_labels)} test images"
    )
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    theta, meta = digitnet.load_model(args.model)
    if args.json:
        print(json.dumps(meta))
        return 0
    training = meta.get("training", {})
    test = meta.get("metrics", {}).get("test", {})
    train = meta.get("metrics", {}).get("train", {})
    rows = [
        ("model", str(args.model)),
        ("layers", "-".join(map(str, meta["sizes"]))),
        ("activations", f"{meta['activation']} hidden, {meta['output']} output"),
        ("parameters", f"{theta.size:,}"),
        ("input scaling", meta.get("input_scaling", "")),
        ("data", meta.get("data", "unknown")),
        ("optimizer", f"{training.get('optimizer', '?')}, lambda {training.get('lambda', '?')}, "
                      f"{training.get('n_evals', '?')} evaluations"),
        ("stopped because", training.get("optimizer_message", "")),
        ("train accuracy", _percent(train["accuracy"]) if "accuracy" in train else "not measured"),
        ("test accuracy", _percent(test["accuracy"]) if "accuracy" in test else "not measured"),
        ("digitnet", meta.get("digitnet_version", "?")),
        ("saved", meta.get("saved", "?")),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        _say(f"{name:<{width}}  {value}")
    return 0


def cmd_import_seed(args: argparse.Namespace) -> int:
    path = digitnet.import_seed(args.params, args.out, hidden=args.hidden)
    _say(f"saved {path}: the seed's 784-{args.hidden}-10 network from {args.params}")
    return 0


# --- show, report, plot -----------------------------------------------------------------


def _grid_count(text: str) -> int:
    from digitnet.plots import MAX_GRID

    value = _positive_int(text)
    if value > MAX_GRID:
        raise argparse.ArgumentTypeError(f"at most {MAX_GRID} fit in one picture, got {value}")
    return value


def _picture_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".png", ".svg"):
        raise argparse.ArgumentTypeError(f"{text}: name the picture .png or .svg")
    return path


def _html_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(f"{text}: name the report .html")
    return path


def _split(data: digitnet.MnistData, split: str) -> tuple[np.ndarray, np.ndarray]:
    if split == "train":
        return data.train_images, data.train_labels
    return data.test_images, data.test_labels


def cmd_show(args: argparse.Namespace) -> int:
    from digitnet import plots

    net = digitnet.Network.load(args.model) if args.model else None
    data = _load_data(args)
    images, labels = _split(data, args.split)
    seed = args.seed if args.seed is not None else int(np.random.default_rng().integers(2**31))
    idx = plots.pick_digits(labels, args.count, args.digit, seed)
    predictions = net.predict(images[idx]) if net is not None else None
    fig = plots.digit_grid(images[idx], labels[idx], predictions)
    path = plots.save_figure(fig, args.out, palette=True)
    rows, cols = plots.grid_shape(len(idx))
    if args.digit is None:
        which = f"{args.split} digits"
    else:
        which = f"{args.split} images of the digit {args.digit}"
    _say(f"wrote {path}: {len(idx)} random {which} (seed {seed}), {rows} x {cols}")
    _say("labels, as in the picture:")
    for r in range(rows):
        _say("  " + " ".join(str(d) for d in labels[idx][r * cols : (r + 1) * cols]))
    if predictions is not None:
        right = int(np.sum(predictions == labels[idx]))
        _say(f"{args.model}: {right} of {len(idx)} right")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from digitnet import report

    _, meta = digitnet.load_model(args.model)
    net = digitnet.Network.load(args.model)
    data = _load_data(args)
    out = args.out if args.out is not None else report.report_path_for(args.model)
    path = report.write_report(net, data, out, model_path=args.model, metadata=meta)
    _say(f"wrote {path}")
    return 0


PLOT_KINDS = {
    # kind: (needs a model, needs data, default split, what it draws)
    "cost": (True, False, None, "the training cost (or loss) curve"),
    "confusion": (True, True, "test", "the confusion matrix as a heat map with counts"),
    "mistakes": (True, True, "test", "the wrong answers the model was surest of"),
    "accuracy": (True, True, None, "accuracy on each digit, train and test"),
    "weights": (True, False, None, "each first-layer hidden unit's input weights"),
    "means": (False, True, "train", "the mean image of each digit"),
}


def cmd_plot(args: argparse.Namespace) -> int:
    from digitnet import plots

    needs_model, needs_data, default_split, _ = PLOT_KINDS[args.kind]
    net = digitnet.Network.load(args.model) if needs_model else None
    data = _load_data(args) if needs_data else None
    split = args.split or default_split
    if args.kind == "cost":
        optimizer = net.metadata_.get("training", {}).get("optimizer")
        fig = plots.cost_curve(net.metadata_.get("history") or {}, optimizer)
    elif args.kind == "weights":
        fig = plots.hidden_weights(net.thetas_[0])
    elif args.kind == "means":
        fig = plots.mean_digits(*_split(data, split))
    elif args.kind == "accuracy":
        fig = plots.class_accuracy(
            {name: net.evaluate(*_split(data, name)) for name in ("train", "test")}
        )
    else:
        images, labels = _split(data, split)
        if args.kind == "confusion":
            fig = plots.confusion_heatmap(
                net.evaluate(images, labels)["confusion"], f"{split.capitalize()} set"
            )
        else:
            fig = plots.confident_mistakes(images, labels, net.predict_proba(images), args.count)
    out = args.out if args.out is not None else Path(f"{args.kind}.png")
    _say(f"wrote {plots.save_figure(fig, out, palette=True)}")
    return 0


# --- predict, serve ----------------------------------------------------------------------

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm"}
)


def _expand_inputs(specs: Sequence[str]) -> list[tuple[str, str | None]]:
    """(path, error) for each input: files as given, directories walked (image files
    only, sorted), globs expanded; an input that matches nothing carries an error."""
    import glob

    found: list[tuple[str, str | None]] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            files = sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
            if not files:
                found.append((spec, "the directory holds no image files"))
            found.extend((f, None) for f in files)
        elif path.exists() or not any(char in spec for char in "*?["):
            found.append((spec, None))
        else:
            matches = sorted(m for m in glob.glob(spec, recursive=True) if Path(m).is_file())
            if not matches:
                found.append((spec, "no file matches this pattern"))
            found.extend((m, None) for m in matches)
    return found


def _write_input_image(
    directory: Path, index: int, path: str, image: Any, part: int | None
) -> None:
    from PIL import Image

    from digitnet._files import atomic_write

    stem = Path(path).stem or "image"
    name = f"{index:05d}-{stem}" + ("" if part is None else f"-{part}") + ".png"
    with atomic_write(directory / name) as handle:
        Image.fromarray(image).save(handle, format="PNG")


def _digit_text(reading: Any, top: int) -> str:
    return "  ".join(f"{d} {_percent(p):>7}" for d, p in reading.top(top))


def cmd_predict(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from digitnet import prepare, reading

    net = digitnet.Network.load(args.model)
    inputs = _expand_inputs(args.images)
    failed = 0
    bar = tqdm(total=len(inputs), unit="image", disable=None if not args.quiet else True)

    def report_error(path: str, message: str) -> None:
        nonlocal failed
        failed += 1
        if args.json:
            print(json.dumps({"path": path, "error": message}), flush=True)
        else:
            bar.write(f"digitnet predict: error: {path}: {message}", file=sys.stderr)

    def message_of(exc: Exception, path: str) -> str:
        text = str(exc)
        return text[len(path) + 2 :] if text.startswith(f"{path}: ") else text

    width = max((len(p) for p, _ in inputs), default=0)
    # One batch of prepared 28x28 images at a time: memory stays constant however many files.
    for start in range(0, len(inputs), args.batch_size):
        batch = inputs[start : start + args.batch_size]
        ready: list[tuple[int, str, Any]] = []
        for offset, (path, error) in enumerate(batch):
            index = start + offset
            if error is not None:
                report_error(path, error)
                continue
            try:
                if args.number:
                    result: Any = reading.read_number(path, net, not args.keep_strokes)
                else:
                    result = prepare.prepare_digit(path, normalize_stroke=not args.keep_strokes)
            except (DigitnetError, OSError) as exc:
                report_error(path, message_of(exc, path))
                continue
            ready.append((index, path, result))
        if not args.number and ready:
            images = np.stack([image for _, _, image in ready])
            ready = [
                (index, path, reading.DigitReading(digit, proba, image))
                for (index, path, image), (digit, proba) in zip(
                    ready, reading.classify(images, net), strict=True
                )
            ]
        for index, path, result in ready:
            if args.show_input is not None:
                if args.number:
                    for part, digit in enumerate(result.digits):
                        _write_input_image(args.show_input, index, path, digit.image, part)
                else:
                    _write_input_image(args.show_input, index, path, result.image, None)
            if args.json:
                print(json.dumps({"path": path, **result.as_dict()}), flush=True)
            elif args.number:
                parts = ", ".join(f"{d.digit} {_percent(d.confidence)}" for d in result.digits)
                bar.write(f"{path:<{width}}  {result.number}  ({parts})")
            else:
                bar.write(f"{path:<{width}}  {_digit_text(result, args.top)}")
        bar.update(len(batch))
    bar.close()
    if failed:
        print(
            f"digitnet predict: {failed} of {len(inputs)} inputs could not be read",
            file=sys.stderr,
        )
        return 2
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from digitnet.server import create_app
    except ImportError as exc:
        raise DigitnetError(
            f"the web page needs FastAPI and uvicorn ({exc.name} is missing); "
            "install them with: pip install 'digitnet[serve]'"
        ) from None
    import socket

    net = digitnet.Network.load(args.model)
    with socket.socket() as probe:  # a clear error now, rather than uvicorn's log line later
        try:
            probe.bind((args.host, args.port))
        except OSError as exc:
            raise DigitnetError(
                f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
                "choose another --port or --host"
            ) from None
    app = create_app(net, model_path=str(args.model))
    try:
        from threadpoolctl import threadpool_limits

        # One image's forward pass is a few microseconds of BLAS: helper threads only
        # spin and steal the cores that serve other requests (measured: 6.0 ms of CPU per
        # request with OpenBLAS's threads, 3.5 ms without; bench/reading.py).
        threadpool_limits(1)
    except ImportError:
        pass
    _say(f"digitnet: serving {args.model} on http://{args.host}:{args.port}/ (Ctrl-C stops)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


# --- the parser -------------------------------------------------------------------------

DATA_HELP = (
    "where the digits come from: auto (the full MNIST if found or downloadable, "
    "else the embedded sample), mnist, sample, or a directory holding the four "
    "MNIST files (default: auto)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="digitnet",
        description="Recognize handwritten digits with neural "
        "networks written from scratch in NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"digitnet {digitnet.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> Any:
        sub = commands.add_parser(name, help=help_, description=help_)
        sub.set_defaults(func=func)
        return sub

    train = command(
        "train",
        cmd_train,
        "Train a network (by default the seed's 784-128-10 "
        "sigmoid net, lambda 1, TNC) and save it.",
    )
    _add_train_arguments(train)

    evaluate = command(
        "evaluate",
        cmd_evaluate,
        "Measure a model's accuracy, confusion matrix and per-class precision and recall.",
    )
    evaluate.add_argument("--model", type=Path, default=Path(DEFAULT_MODEL))
    evaluate.add_argument("--data", default="auto", help=DATA_HELP)
    evaluate.add_argument("--split", choices=("train", "test"), default="test")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    fetch = command(
        "fetch",
        cmd_fetch,
        "Download MNIST into the user cache directory, checking each file's checksum.",
    )
    fetch.add_argument(
        "--dest",
        type=Path,
        default=None,
        help="directory to download into (default: the user cache)",
    )

    info = command("info", cmd_info, "Show a model file's metadata.")
    info.add_argument("model", type=Path, nargs="?", default=Path(DEFAULT_MODEL))
    info.add_argument("--json", action="store_true", help="print the metadata as JSON")

    seed = command(
        "import-seed",
        cmd_import_seed,
        "Convert the seed notebook's Parameters.npy into a digitnet model file.",
    )
    seed.add_argument("params", type=Path, help="the seed's Parameters.npy")
    seed.add_argument(
        "--hidden",
        type=_positive_int,
        default=128,
        help="hidden layer size the seed used (default: 128)",
    )
    seed.add_argument("--out", type=Path, default=Path(DEFAULT_MODEL))

    train.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the HTML report beside the model (default: write it, "
        "e.g. digitnet-model.html)",
    )
    show = command(
        "show",
        cmd_show,
        "Draw random digits with their labels (the seed's 5 x 4 grid of 20); "
        "with --model, mark each of the model's answers right or wrong.",
    )
    show.add_argument("--data", default="auto", help=DATA_HELP)
    show.add_argument(
        "--count",
        type=_grid_count,
        default=20,
        help="how many digits (default: 20, the seed's 5 x 4)",
    )
    show.add_argument("--digit", type=_digit, default=None, help="only images of this digit")
    show.add_argument(
        "--seed", type=int, default=None, help="random seed (default: a fresh one, printed)"
    )
    show.add_argument(
        "--split",
        choices=("train", "test"),
        default="train",
        help="draw from the training (default, as the seed) or test images",
    )
    show.add_argument("--model", type=Path, default=None, help="a model file whose answers to mark")
    show.add_argument(
        "--out",
        type=_picture_path,
        default=Path("digits.png"),
        help="picture to write, .png or .svg (default: digits.png)",
    )

    report_ = command(
        "report",
        cmd_report,
        "Write one self-contained HTML page about a model: architecture, training, "
        "metrics, plots and timings.",
    )
    report_.add_argument("--model", type=Path, default=Path(DEFAULT_MODEL))
    report_.add_argument("--data", default="auto", help=DATA_HELP)
    report_.add_argument(
        "--out",
        type=_html_path,
        default=None,
        help="page to write (default: the model's name with .html)",
    )

    plot = command(
        "plot",
        cmd_plot,
        "Draw one picture of a model or of the data to PNG or SVG: "
        + "; ".join(f"{kind}: {what}" for kind, (*_, what) in PLOT_KINDS.items())
        + ".",
    )
    plot.add_argument("kind", choices=tuple(PLOT_KINDS), help="which picture")
    plot.add_argument("--model", type=Path, default=Path(DEFAULT_MODEL))
    plot.add_argument("--data", default="auto", help=DATA_HELP)
    plot.add_argument(
        "--split",
        choices=("train", "test"),
        default=None,
        help="which images (default: test; the training images for means)",
    )
    plot.add_argument(
        "--count", type=_grid_count, default=12, help="how many mistakes to show (default: 12)"
    )
    plot.add_argument(
        "--out",
        type=_picture_path,
        default=None,
        help="picture to write, .png or .svg (default: KIND.png)",
    )

    predict = command(
        "predict",
        cmd_predict,
        "Read the digit (or, with --number, the number) in each image. Exit status 2 "
        "if any input could not be read; the others are still read.",
    )
    predict.add_argument(
        "images", nargs="+", metavar="IMAGE", help="image files, directories or glob patterns"
    )
    predict.add_argument(
        "--model", type=Path, default=Path(DEFAULT_MODEL), help=f"default: {DEFAULT_MODEL}"
    )
    predict.add_argument(
        "--number", action="store_true", help="read several digits written in one row"
    )
    predict.add_argument(
        "--json", action="store_true", help="print one JSON object per line for each image"
    )
    predict.add_argument(
        "--top", type=_positive_int, default=1, help="show the K most probable digits (default: 1)"
    )
    predict.add_argument(
        "--show-input",
        type=Path,
        metavar="DIR",
        help="write the 28x28 images the network saw into DIR",
    )
    predict.add_argument(
        "--batch-size",
        type=_positive_int,
        default=256,
        help="images prepared and read per forward pass (default: 256)",
    )
    predict.add_argument(
        "--keep-strokes",
        action="store_true",
        help="keep strokes as drawn (no stroke width normalization)",
    )
    predict.add_argument("--quiet", action="store_true", help="no progress bar")

    serve = command(
        "serve",
        cmd_serve,
        "Serve the page to draw digits on, and the JSON API, with a model loaded once.",
    )
    serve.add_argument(
        "--model", type=Path, default=Path(DEFAULT_MODEL), help=f"default: {DEFAULT_MODEL}"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DigitnetError as exc:
        print(f"digitnet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"digitnet {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"digitnet {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
