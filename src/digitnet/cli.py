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
from digitnet import network, optim
from digitnet.errors import DigitnetError

DEFAULT_MODEL = "digitnet-model.npz"
#: The cap on evaluations when none is given. The seed's own run stopped after about
#: 950 evaluations when its cost turned NaN (../shared/ANCHORS.md); TNC's own default,
#: 10 times the parameter count, would let it run for hours.
DEFAULT_MAX_ITER = 1500


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


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


def cmd_train(args: argparse.Namespace) -> int:
    data = _load_data(args)
    net = digitnet.Network(
        hidden=args.hidden, activation=args.activation, output=args.output, lam=args.lam,
        optimizer=args.optimizer, max_iter=args.max_iter, init=args.init,
        random_state=args.seed, progress=None if not args.quiet else False,
    )  # fmt: skip
    arch = "-".join(map(str, (784, *args.hidden, 10)))
    _say(
        f"training {arch} {args.activation}/{args.output}, lambda {args.lam}, "
        f"{args.optimizer}, at most {args.max_iter} evaluations"
    )
    net.fit(data.train_images, data.train_labels)
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
    return 130 if net.interrupted_ else 0


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
    train.add_argument("--data", default="auto", help=DATA_HELP)
    train.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=(128,),
        help="hidden layer sizes, e.g. 128 or 256,128 (default: 128)",
    )
    train.add_argument(
        "--activation", default="sigmoid", choices=network.ACTIVATIONS, help="hidden activation"
    )
    train.add_argument(
        "--output",
        default="sigmoid",
        choices=network.OUTPUTS,
        help="output layer: the seed's sigmoid units or softmax",
    )
    train.add_argument(
        "--lambda",
        dest="lam",
        type=_non_negative_float,
        default=1.0,
        help="L2 regularization strength (default: 1, the seed's)",
    )
    train.add_argument(
        "--optimizer",
        default="tnc",
        choices=tuple(optim.SCIPY_METHODS),
        help="full-batch scipy optimizer (default: tnc, the seed's)",
    )
    train.add_argument(
        "--max-iter",
        type=_positive_int,
        default=DEFAULT_MAX_ITER,
        help=f"most cost-and-gradient evaluations (default: {DEFAULT_MAX_ITER})",
    )
    train.add_argument(
        "--init",
        default="uniform",
        choices=network.INITS,
        help="weight initialization (default: uniform +-0.12, the seed's)",
    )
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    train.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_MODEL),
        help=f"model file to write (default: {DEFAULT_MODEL})",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")

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
