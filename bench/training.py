"""Mini-batch training, side by side: digitnet against PyTorch and scikit-learn.

Run from the repository root, with the full MNIST (heavy: wrap it in the lock)::

    DIGITNET_DATA_DIR=/work/shared/data/mnist flock /work/bench.lock \
        python bench/training.py [--only a,b,c] [--epochs 10]

Parts, each writing its own section of bench/RESULTS.md:

a. The 784-128-10 ReLU softmax network, Adam lr 1e-3, batch 128, no L2, on all
   60,000 training images, float32: seconds per epoch (training only) and test
   accuracy after 10 epochs, for digitnet, PyTorch (CPU, ``torch.set_num_threads(N)``, N = 2 and 1,
   tensors indexed by a random permutation: no DataLoader overhead) and
   scikit-learn's MLPClassifier (solver adam, the same settings). Ratios are
   digitnet's time over PyTorch's, measured in the same run.
b. The time each system needs to reach 97.68% test accuracy (the seed's
   figure) with its best configuration here. For this measurement only, test
   accuracy is evaluated after every epoch (outside the measured time).
c. The presets ``fast`` and ``best`` as ``digitnet train --preset`` runs them
   (validation split of 5,000, a checkpoint after every epoch): training time,
   best epoch, validation and test accuracy, and where the time went.

The benchmark extra holds scikit-learn; PyTorch is installed separately as
``pip install torch==2.13.0`` (a CPU build; a plain ``torch`` requirement pulls a
CUDA build of several GB). Neither is a runtime dependency of digitnet.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import _results  # noqa: E402

import digitnet  # noqa: E402
from digitnet import network  # noqa: E402
from digitnet.model import PRESETS  # noqa: E402

TARGET = 0.9768
THREADS = 2


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    data = digitnet.load_mnist("mnist")
    X = network.scale_pixels(data.train_images, np.float32)
    Xt = network.scale_pixels(data.test_images, np.float32)
    return X, data.train_labels.astype(np.int64), Xt, data.test_labels.astype(np.int64)


# --- the three systems ----------------------------------------------------------------------


def run_digitnet(config: dict, X, y, Xt, yt, follow: bool = False) -> dict:
    """Train digitnet; returns seconds per epoch and test accuracy (per epoch if ``follow``)."""
    net = digitnet.Network(**config, random_state=0, progress=False)  # threads: in config
    curve: list[float] = []
    if follow:
        sizes = (784, *config["hidden"], 10)

        def on_epoch(epoch: int, theta: np.ndarray) -> None:
            scores = network.output_scores(theta, Xt, sizes, config["activation"], "softmax")
            curve.append(float(np.mean(scores.argmax(1) == yt)))

        net._on_epoch = on_epoch
    start = time.perf_counter()
    net.fit(X, y)
    wall = time.perf_counter() - start
    epochs = net.metadata_["history"]["epochs"]
    result = {
        "seconds": net.fit_seconds_,
        "per_epoch": net.fit_seconds_ / len(epochs),
        "accuracy": net.score(Xt, yt),
        "net": net,
        "wall": wall,
    }
    if follow:
        # Cumulative training time at the end of each epoch, from the loop's own clock.
        times = np.cumsum([e["seconds"] for e in epochs])
        result["curve"] = [(float(t), acc) for t, acc in zip(times, curve, strict=True)]
    return result


def run_torch(config: dict, X, y, Xt, yt, follow: bool = False) -> dict:
    import torch

    torch.set_num_threads(config.get("threads") or THREADS)
    torch.manual_seed(0)
    layers: list = []
    sizes = (784, *config["hidden"], 10)
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=config["lr"])
    Xtr, ytr = torch.from_numpy(X), torch.from_numpy(y)
    Xte = torch.from_numpy(Xt)
    n, batch, epochs = len(X), config["batch_size"], config["epochs"]
    steps = epochs * -(-n // batch)
    sched = None
    if config.get("schedule") == "cosine":
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=config["lr"], total_steps=steps, anneal_strategy="cos",
            pct_start=config.get("warmup_epochs", 0) / epochs or 1e-9, div_factor=25,
            final_div_factor=1e4, cycle_momentum=False,
        )  # fmt: skip
    loss_fn = torch.nn.CrossEntropyLoss()
    seconds, curve = 0.0, []

    def accuracy() -> float:
        with torch.no_grad():
            return float((model(Xte).argmax(1).numpy() == yt).mean())

    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for b in range(0, n, batch):
            idx = order[b : b + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
        seconds += time.perf_counter() - start
        if follow:
            curve.append((seconds, accuracy()))
    result = {"seconds": seconds, "per_epoch": seconds / epochs, "accuracy": accuracy()}
    if follow:
        result["curve"] = curve
    return result


def run_sklearn(config: dict, X, y, Xt, yt, follow: bool = False) -> dict:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(config["hidden"]), activation="relu", solver="adam",
        alpha=0.0, batch_size=config["batch_size"], learning_rate_init=config["lr"],
        max_iter=config["epochs"], shuffle=True, random_state=0, tol=0.0,
        n_iter_no_change=10**6,
    )  # fmt: skip
    seconds, curve = 0.0, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if follow:
            classes = np.arange(10)
            for _ in range(config["epochs"]):
                start = time.perf_counter()
                clf.partial_fit(X, y, classes=classes)  # one epoch, keeping Adam's state
                seconds += time.perf_counter() - start
                curve.append((seconds, float(clf.score(Xt, yt))))
        else:
            start = time.perf_counter()
            clf.fit(X, y)
            seconds = time.perf_counter() - start
    result = {
        "seconds": seconds,
        "per_epoch": seconds / config["epochs"],
        "accuracy": float(clf.score(Xt, yt)),
    }
    if follow:
        result["curve"] = curve
    return result


SYSTEMS = {"digitnet": run_digitnet, "PyTorch": run_torch, "scikit-learn": run_sklearn}


# --- the parts ------------------------------------------------------------------------------

PART_A = dict(
    hidden=(128,), activation="relu", output="softmax", lam=0.0, init="glorot",
    optimizer="adam", lr=1e-3, batch_size=128, epochs=10, val=0, dtype="float32",
)  # fmt: skip

#: Each system's best configuration we found for reaching the seed's accuracy quickly.
PART_B = {
    "digitnet": {**PRESETS["fast"], "val": 0},
    "PyTorch": {**PRESETS["fast"]},
    "scikit-learn": dict(hidden=(800,), lr=1e-3, batch_size=256, epochs=14),
}


def part_a(data, epochs: int) -> str:
    rows, per_epoch = [], {}
    runs = [
        ("digitnet", "digitnet", 2),
        ("PyTorch", "PyTorch", 2),
        ("digitnet", "digitnet", 1),
        ("PyTorch", "PyTorch", 1),
        ("scikit-learn", "scikit-learn", None),
    ]
    for label, system, threads in runs:
        config = {**PART_A, "epochs": epochs, "threads": threads}
        name = f"{label}, {threads} thread{'s' if threads != 1 else ''}" if threads else label
        print(f"(a) {name} ...", flush=True)
        result = SYSTEMS[system](config, *data)
        per_epoch[(system, threads)] = result["per_epoch"]
        rows.append((name, system, threads, result["per_epoch"], result["accuracy"]))
        print(f"    {result['per_epoch']:.2f} s/epoch, {100 * result['accuracy']:.2f}%", flush=True)
    lines = [
        f"784-128-10 ReLU softmax, Adam lr 1e-3, batch 128, no regularization, float32, "
        f"all 60,000 training images, {epochs} epochs. Seconds per epoch are training only. "
        "Threads: BLAS threads for digitnet (`Network(threads=N)`, `--threads N`), "
        "`torch.set_num_threads(N)` for PyTorch; scikit-learn with BLAS's default. "
        "The ratio is digitnet's time over PyTorch's with the same number of threads.",
        "",
        f"| system | s / epoch | x PyTorch | test accuracy after {epochs} epochs |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, _system, threads, seconds, acc in rows:
        torch_time = per_epoch[("PyTorch", threads or 2)]
        lines.append(f"| {name} | {seconds:.2f} | {seconds / torch_time:.2f} | {100 * acc:.2f}% |")
    return "\n".join(lines)


def part_b(data) -> str:
    lines = [
        "Time to first reach the seed's 97.68% test accuracy. Test accuracy is evaluated "
        "after every epoch for this measurement only (outside the measured time); the "
        "time is cumulative training time at the end of that epoch. PyTorch runs with "
        "`torch.set_num_threads(2)`, digitnet and scikit-learn with BLAS's 2 threads.",
        "",
        "| system | configuration | epochs | seconds | x PyTorch | best test accuracy |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    reached: dict[str, tuple[int, float] | None] = {}
    out = []
    for name, run in SYSTEMS.items():
        config = {"activation": "relu", "schedule": "constant", **PART_B[name]}
        print(f"(b) {name} ...", flush=True)
        result = run(config, *data, follow=True)
        hit = next(
            ((i + 1, t) for i, (t, acc) in enumerate(result["curve"]) if acc >= TARGET), None
        )
        reached[name] = hit
        best = max(acc for _, acc in result["curve"])
        desc = (
            f"784-{'-'.join(map(str, config['hidden']))}-10, lr {config['lr']:g}"
            f"{' cosine' if config.get('schedule') == 'cosine' else ''}, "
            f"batch {config['batch_size']}, {config['epochs']} epochs"
        )
        out.append((name, desc, hit, best))
        print(f"    reached at {hit}, best {100 * best:.2f}%", flush=True)
    torch_hit = reached["PyTorch"]
    for name, desc, hit, best in out:
        if hit is None:
            lines.append(f"| {name} | {desc} | not reached | | | {100 * best:.2f}% |")
            continue
        ratio = f"{hit[1] / torch_hit[1]:.2f}" if torch_hit else ""
        lines.append(f"| {name} | {desc} | {hit[0]} | {hit[1]:.1f} | {ratio} | {100 * best:.2f}% |")
    return "\n".join(lines)


def part_c(data, presets: list[str]) -> str:
    X, y, Xt, yt = data
    lines = [
        "The presets as `digitnet train --preset NAME` runs them: seed 0, a validation "
        "split of 5,000 training images choosing the best epoch, a checkpoint after every "
        "epoch. Time is training time (validation and checkpoints included).",
        "",
        "| preset | configuration | epochs (best) | training time | val accuracy | test accuracy |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    profiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in presets:
            config = PRESETS[name]
            print(f"(c) preset {name} ...", flush=True)
            net = digitnet.Network(
                **config, random_state=0, progress=False, verbose=True,
                checkpoint=Path(tmp) / f"{name}.npz",
            )  # fmt: skip
            net.fit(X, y)
            acc = net.score(Xt, yt)
            training = net.metadata_["training"]
            desc = (
                f"784-{'-'.join(map(str, config['hidden']))}-10 {config['activation']}, "
                f"{config['optimizer']} lr {config['lr']:g} {config['schedule']}, "
                f"batch {config['batch_size']}"
                + (f", weight decay {config['weight_decay']:g}" if config.get("weight_decay")
                   else "")
                + (f", dropout {config['dropout']:g}" if config.get("dropout") else "")
                + (f", augment {config['augment']}" if config.get("augment", "none") != "none"
                   else "")
            )  # fmt: skip
            lines.append(
                f"| {name} | {desc} | {net.n_epochs_} ({net.best_epoch_}) | "
                f"{net.fit_seconds_:.0f} s | {100 * training['best_val_accuracy']:.2f}% | "
                f"{100 * acc:.2f}% |"
            )
            total = sum(net.timings_.values())
            shares = ", ".join(
                f"{phase} {100 * s / total:.0f}% ({s / net.n_epochs_:.2f} s/epoch)"
                for phase, s in sorted(net.timings_.items(), key=lambda kv: -kv[1])
                if s / total >= 0.005
            )
            profiles.append(f"- {name}: {shares}")
            print(f"    {net.fit_seconds_:.0f} s, test {100 * acc:.2f}%", flush=True)
    lines += ["", "Where the training time went (the loop's own timers, `--profile`):", *profiles]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="a,b,c", help="parts to run, e.g. a or a,b")
    parser.add_argument("--epochs", type=int, default=10, help="epochs in part a")
    parser.add_argument("--presets", default="fast,best", help="presets in part c")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    data = load()
    header = f"Machine: {_results.machine()}. Date: {_results.today()}."
    command = "`DIGITNET_DATA_DIR=... python bench/training.py --only {}`"
    if "a" in parts:
        body = part_a(data, args.epochs)
        _results.write_section(
            "training-a",
            f"## Training (a): seconds per epoch, 784-128-10 Adam\n\n{header}\n"
            f"Command: {command.format('a')}\n\n{body}",
        )
    if "b" in parts:
        body = part_b(data)
        _results.write_section(
            "training-b",
            f"## Training (b): time to the seed's 97.68%\n\n{header}\n"
            f"Command: {command.format('b')}\n\n{body}",
        )
    if "c" in parts:
        body = part_c(data, args.presets.split(","))
        _results.write_section(
            "training-c",
            f"## Training (c): the presets\n\n{header}\nCommand: {command.format('c')}\n\n{body}",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
