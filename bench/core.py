"""Benchmark of the core: the seed's network on the full MNIST.

    DIGITNET_DATA_DIR=../shared/data/mnist python bench/core.py [--only eval,train]

(a) ``eval``: one cost-and-gradient evaluation over all 60,000 training images,
    timed in the same run for digitnet's ``cost_and_grad``, for the seed
    notebook's ``J`` exactly as written (its per-sample Python loop included),
    and for the floor: the two 60000x785x128 float64 matrix products that any
    implementation of this network must do.
(b) ``train``: the seed's configuration trained by the command line exactly as a
    user runs it, ``digitnet train --data mnist`` (784-128-10 sigmoid, lambda 1,
    TNC, seed 0), with the evaluations, wall time and train and test accuracy
    read back from the model file it writes.

(c) ``curve``: the same configuration through the Python API for up to
    ``--curve-evals`` evaluations, with the test accuracy of the parameters at
    every 100th evaluation, so that the cap on evaluations can be read against
    what it buys. (The test set only reports here; nothing is chosen by it.)

Each part writes its own section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, today, write_section  # noqa: E402

import digitnet  # noqa: E402
from digitnet import network  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


# The seed notebook's sigmoid and cost function, as written there (Recognition_Mnist.md,
# "Defining The Needed Functions" and "Cost And Backpropogation"), kept verbatim but for
# the `global costs` bookkeeping, so that its cost is measured as its users ran it.
def seed_g(z):
    return 1 / (1 + np.exp(-z))


def seed_sigmoid_gradient(z):
    return seed_g(z) * (1 - seed_g(z))


def seed_J(params, X, Y, lambda_, hidden_layer_size):  # noqa: N802, N803
    t1 = params[0 : 785 * hidden_layer_size].reshape(hidden_layer_size, 785)
    t2 = params[785 * hidden_layer_size : :].reshape(10, hidden_layer_size + 1)
    j = 0
    a1 = np.insert(X, 0, 1, axis=1)
    z2 = a1 @ t1.T
    a2 = np.insert(seed_g(z2), 0, 1, axis=1)
    z3 = a2 @ t2.T
    a3 = seed_g(z3)
    m = len(X)
    for i in range(m):
        for k in range(10):
            j += -Y[i][k] * np.log(a3[i][k]) - (1 - Y[i][k]) * np.log(1 - a3[i][k])
    reg = lambda_ / (2 * m) * (np.sum(t1[::, 1:] ** 2) + np.sum(t2[::, 1:] ** 2))
    d3 = a3 - Y
    d2 = (t2[::, 1:].T @ d3.T).T * seed_sigmoid_gradient(z2)
    D1 = d2.T @ a1  # noqa: N806
    D2 = d3.T @ a2  # noqa: N806
    Q1 = t1.copy()  # noqa: N806
    Q2 = t2.copy()  # noqa: N806
    grad = np.concatenate([D1.ravel(), D2.ravel()]) / m
    Q1[0, :] = 0
    Q2[0, :] = 0
    gradreg = np.concatenate([(Q1 * lambda_ / m).ravel(), (Q2 * lambda_ / m).ravel()])
    return j / m + reg, grad + gradreg


def _time(func, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def bench_eval(data: digitnet.MnistData, repeat: int) -> str:
    X = network.scale_pixels(data.train_images)
    Y = network.one_hot(data.train_labels)
    sizes = (784, 128, 10)
    theta = network.init_params(sizes, np.random.default_rng(0))
    a1 = np.insert(X, 0, 1, axis=1)
    t1 = network.unpack(theta, sizes)[0].copy()
    delta2 = np.random.default_rng(1).standard_normal((len(X), 128))

    def floor() -> None:
        a1 @ t1.T  # forward: (60000, 785) @ (785, 128)
        delta2.T @ a1  # backward: (128, 60000) @ (60000, 785)

    cost_ours, grad_ours = network.cost_and_grad(theta, X, Y, 1.0, sizes)
    cost_seed, grad_seed = seed_J(theta, X, Y, 1, 128)
    rows = {}
    # Interleave the three so that the machine's load falls on all of them alike.
    for _ in range(repeat):
        rows.setdefault("floor", []).extend(_time(floor, 1))
        rows.setdefault("ours", []).extend(
            _time(lambda: network.cost_and_grad(theta, X, Y, 1.0, sizes), 1)
        )
        rows.setdefault("seed", []).extend(_time(lambda: seed_J(theta, X, Y, 1, 128), 1))
    med = {name: statistics.median(times) for name, times in rows.items()}
    # The seed's gradient differs from the correct one only where its regularization bug
    # lies: row 0 of each Theta (left unregularized) and the bias column (regularized).
    same = np.ones_like(theta, dtype=bool)
    for view in network.unpack(same, sizes):
        view[0, :] = False
        view[:, 0] = False
    agree = np.allclose(grad_ours[same], grad_seed[same], rtol=1e-6, atol=1e-12)
    lines = [
        "## Core (a): one cost-and-gradient evaluation, 60,000 images, 784-128-10, float64",
        "",
        f"Command: `python bench/core.py --only eval` ({repeat} runs each, interleaved; "
        f"median). Machine: {machine()}. Date: {today()}.",
        "",
        "| what | median s | min s | ratio to the floor |",
        "| --- | --- | --- | --- |",
    ]
    names = {
        "floor": "floor: the two 60000x785x128 matrix products",
        "ours": "digitnet `cost_and_grad`",
        "seed": "the seed's `J` as written (per-sample loop)",
    }
    for key in ("floor", "ours", "seed"):
        lines.append(
            f"| {names[key]} | {med[key]:.3f} | {min(rows[key]):.3f} | "
            f"{med[key] / med['floor']:.2f} |"
        )
    lines += [
        "",
        f"digitnet's evaluation is **{med['seed'] / med['ours']:.1f}x** cheaper than the "
        f"seed's and costs **{med['ours'] / med['floor']:.2f}x** the floor.",
        f"Same cost: {cost_ours:.10f} (digitnet) vs {cost_seed:.10f} (seed). Gradients "
        f"agree outside row 0 and the bias column of each Theta: {agree} (where the "
        "seed's regularization bug lies; see `digitnet.network`).",
    ]
    return "\n".join(lines)


def bench_train(max_iter: int | None) -> str:
    OUT.mkdir(exist_ok=True)
    model_path = OUT / "seed-mnist.npz"
    command = ["digitnet", "train", "--data", "mnist", "--out", str(model_path)]
    if max_iter is not None:
        command += ["--max-iter", str(max_iter)]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "digitnet", *command[1:]], check=True, env={**os.environ})
    wall = time.perf_counter() - start
    net = digitnet.Network.load(model_path)
    meta = net.metadata_
    training, metrics = meta["training"], meta["metrics"]
    costs = net.costs_
    lines = [
        "## Core (b): the seed's configuration, trained on the full MNIST",
        "",
        f"Command: `{' '.join(command)}` (run by `python bench/core.py --only train`). "
        f"Machine: {machine()}. Date: {today()}.",
        "",
        "| | seed notebook (its own report) | digitnet |",
        "| --- | --- | --- |",
        "| network | 784-128-10 sigmoid, lambda 1, TNC | same, seed 0 |",
        f"| cost-and-gradient evaluations | about 950, then NaN | {training['n_evals']} |",
        f"| why it stopped | linear search failed (cost NaN) | {training['optimizer_message']} |",
        f"| final cost | NaN | {costs[-1]:.5f} (lowest {min(costs):.5f}) |",
        f"| training time | about 12.5 min (ANCHORS.md) | {training['seconds']:.0f} s "
        f"(whole command {wall:.0f} s) |",
        f"| train accuracy | 100.0% | {100 * metrics['train']['accuracy']:.2f}% |",
        f"| test accuracy | 97.68% | **{100 * metrics['test']['accuracy']:.2f}%** |",
        "",
        "The seed's figures are from its notebook and from ../shared/ANCHORS.md "
        "(the seed run as written on a machine of this kind).",
    ]
    return "\n".join(lines)


def bench_curve(data: digitnet.MnistData, max_evals: int, every: int = 100) -> str:
    from digitnet.optim import minimize_full_batch

    X = network.scale_pixels(data.train_images)
    Y = network.one_hot(data.train_labels)
    X_test = network.scale_pixels(data.test_images)
    sizes = (784, 128, 10)
    theta0 = network.init_params(sizes, np.random.default_rng(0))
    rows = []
    start = time.perf_counter()
    latest = {}

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        latest["theta"] = theta
        return network.cost_and_grad(theta, X, Y, 1.0, sizes)

    def on_eval(n: int, cost: float) -> None:
        if n % every == 0:
            scores = network.output_scores(latest["theta"], X_test, sizes)
            accuracy = float(np.mean(scores.argmax(axis=1) == data.test_labels))
            rows.append((n, cost, accuracy, time.perf_counter() - start))
            print(f"{n} evaluations: cost {cost:.5f}, test accuracy {accuracy:.4f}", flush=True)

    result = minimize_full_batch(fun, theta0, "tnc", max_evals, on_eval)
    lines = [
        "## Core (c): test accuracy along the seed's TNC run",
        "",
        f"Command: `python bench/core.py --only curve --curve-evals {max_evals}` "
        f"(784-128-10 sigmoid, lambda 1, TNC, seed 0, float64). Machine: {machine()}. "
        f"Date: {today()}.",
        f"TNC stopped after {result.n_evals} evaluations: {result.message}.",
        "",
        "| evaluations | cost | test accuracy | seconds |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {n} | {c:.5f} | {100 * a:.2f}% | {t:.0f} |" for n, c, a, t in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="eval,train", help="parts to run: eval,train,curve")
    parser.add_argument("--curve-evals", type=int, default=3000, help="evaluations in (c)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per system in (a)")
    parser.add_argument("--max-iter", type=int, default=None, help="passed to digitnet train")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    data = digitnet.load_mnist("mnist")
    if "eval" in parts:
        body = bench_eval(data, args.repeat)
        print(body)
        write_section("core-eval", body)
    if "train" in parts:
        body = bench_train(args.max_iter)
        print(body)
        write_section("core-train", body)
    if "curve" in parts:
        body = bench_curve(data, args.curve_evals)
        print(body)
        write_section("core-curve", body)


if __name__ == "__main__":
    main()
