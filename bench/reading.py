"""Benchmark: reading handwriting -- latency, API throughput, and foreign handwriting.

Run (heavy: wrap it in the shared lock)::

    flock /work/bench.lock env PYTHONPATH=src python bench/reading.py \
        --model bench/out/seed-mnist-600.npz [--model other.npz ...]

1. Latency of reading one digit from PNG bytes (decode, prepare, forward): p50 and
   p99 over 100 MNIST test digits drawn as 280x280 dark-on-white PNGs (what the page
   sends), each read ``--repeat`` times, one at a time; with the split between the
   preparation and the forward pass.
2. API throughput: ``digitnet serve`` in a subprocess on 127.0.0.1; a fixed number of
   ``POST /api/predict`` requests (multipart PNG uploads of the same digits) from 8
   concurrent keep-alive connections, sent by a lean asyncio client in this process
   (raw HTTP/1.1 over asyncio streams, about 0.1 ms of CPU per request), which
   competes with the server for the machine's cores: requests/s and p50/p99 latency.
3. Foreign handwriting: scikit-learn's ``load_digits`` (1,797 digits by 43 writers,
   8x8, values 0-16; Alpaydin and Kaynak's UCI "optdigits") rendered as a person's
   photo of a digit would look -- upscaled smoothly and cut at three ink levels (thick,
   medium and thin strokes), in dark ink on light paper with grain, at a random size
   (70-180 px, square as the data is) and off-centre on a 240x240 sheet, saved as
   PNG -- then read through the full path, ``digitnet.read_digit(png_bytes, model)``.
   Accuracy per stroke width and overall, with and without stroke width normalization;
   and again for the same digits in photos cropped tight, 3 px from the ink.
4. Foreign numbers: 300 numbers of 2 to 5 ``load_digits`` digits (medium strokes),
   written in a row on one photo as in 3, each digit 60-120 px with its own jitter of
   size and height, the gaps between neighbours' ink from -8% (overlapping columns,
   strokes often touching) to +20% of a digit's height; read by
   ``digitnet.read_number``: the share of numbers read exactly, of numbers cut into
   the right count of digits, and of digits read right where the count was right.

Every model named is measured on 3 and 4; 1 and 2 use the first.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _results import code_version, machine, today, write_section
from PIL import Image

import digitnet
from digitnet import prepare, reading

ROOT = Path(__file__).resolve().parent.parent


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def paper_digits(n: int = 100) -> tuple[list[bytes], np.ndarray]:
    """MNIST test digits as 280x280 dark-on-white PNGs, like the page's canvas."""
    data = digitnet.load_mnist("sample")
    images, labels = data.test_images[:n], data.test_labels[:n]
    pngs = []
    for image in images:
        big = Image.fromarray(255 - image).resize((280, 280), Image.Resampling.BICUBIC)
        pngs.append(png(np.asarray(big)))
    return pngs, labels


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


# --- 1. latency ------------------------------------------------------------------------


def latency(model: digitnet.Network, pngs: list[bytes], repeat: int) -> dict[str, float]:
    for data in pngs[:10]:  # warm up caches and lazy imports
        reading.read_digit(data, model)
    total, prep, forward = [], [], []
    for _ in range(repeat):
        for data in pngs:
            t0 = time.perf_counter()
            image = prepare.prepare_digit(data)
            t1 = time.perf_counter()
            reading.classify(image[None], model)
            t2 = time.perf_counter()
            total.append(t2 - t0)
            prep.append(t1 - t0)
            forward.append(t2 - t1)
    p50, p99 = percentiles(total)
    return {
        "n": len(total),
        "p50": p50,
        "p99": p99,
        "prepare_p50": percentiles(prep)[0],
        "forward_p50": percentiles(forward)[0],
    }


# --- 2. throughput ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def multipart_request(port: int, data: bytes) -> bytes:
    boundary = "digitnetbenchboundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="digit.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def _client(port: int, requests: list[bytes], latencies: list[float], errors: list[str]):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for request in requests:
            t0 = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if b" 200 " not in status_line:
                errors.append(status_line.decode().strip() + " " + body[:200].decode())
    finally:
        writer.close()


async def _load(port: int, requests: list[bytes], clients: int):
    latencies: list[float] = []
    errors: list[str] = []
    shares = [requests[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    await asyncio.gather(*(_client(port, share, latencies, errors) for share in shares))
    return time.perf_counter() - t0, latencies, errors


def throughput(model_path: Path, pngs: list[bytes], n_requests: int, clients: int) -> dict:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [
        sys.executable,
        "-m",
        "digitnet",
        "serve",
        "--model",
        str(model_path),
        "--port",
        str(port),
    ]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    message = server.stderr.read() if server.poll() is not None else b"timeout"
                    raise RuntimeError(f"the server did not start: {message!r}") from None
                time.sleep(0.1)
        requests = [multipart_request(port, pngs[i % len(pngs)]) for i in range(n_requests)]
        asyncio.run(_load(port, requests[: 10 * clients], clients))  # warm-up
        seconds, latencies, errors = asyncio.run(_load(port, requests, clients))
    finally:
        server.terminate()
        server.wait(timeout=10)
    p50, p99 = percentiles(latencies)
    return {
        "requests": n_requests,
        "clients": clients,
        "seconds": seconds,
        "rps": n_requests / seconds,
        "p50": p50,
        "p99": p99,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


# --- 3. foreign handwriting ------------------------------------------------------------

#: Ink levels (fractions of the darkest) at which the smoothly upscaled 8x8 digit is cut:
#: a low cut keeps more of the blur (thick strokes), a high one less (thin strokes).
STROKES = {"thick": 0.25, "medium": 0.45, "thin": 0.65}


def digit_strokes(digit8: np.ndarray, level: float, side: int) -> np.ndarray:
    """An (8, 8) load_digits digit (0-16) as pen strokes: (side, side) float32, ink 1.

    The 8x8 box is upscaled smoothly and cut at ``level`` (a fraction of the darkest),
    then brought to ``side`` px with anti-aliased edges; the ink fills about the middle
    80% of the square (a margin of one blank cell of the 8x8 grid on each side).
    """
    # The blank margin lets strokes that reach the 8x8 box's edge end round instead of
    # being cut flat by it.
    padded = np.pad(digit8 / 16, 1).astype(np.float32)
    smooth = np.asarray(Image.fromarray(padded, "F").resize((120, 120), Image.Resampling.LANCZOS))
    strokes = Image.fromarray(((smooth > level) * 255).astype(np.uint8))
    strokes = strokes.resize((side, side), Image.Resampling.BILINEAR)
    return np.asarray(strokes, np.float32) / 255


def on_paper(sheet: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage (0-1) as a photo of dark ink on light paper with grain: uint8."""
    paper, ink = rng.uniform(215, 245), rng.uniform(15, 60)
    photo = paper - sheet * (paper - ink) + rng.normal(0, 3, sheet.shape)
    return np.clip(photo, 0, 255).astype(np.uint8)


def person_image(digit8: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """An (8, 8) load_digits digit (0-16) as a photo of ink on paper: (240, 240) uint8."""
    # The 8x8 digits were size-normalized to fill their square box (their writers'
    # proportions are gone), so they are drawn square, as the data holds them; the
    # digit is 70-180 px, its margin included 1.25 times that.
    side = int(round(1.25 * rng.integers(70, 181)))
    sheet = np.zeros((240, 240), np.float32)
    top, left = int(rng.integers(0, 241 - side)), int(rng.integers(0, 241 - side))
    sheet[top : top + side, left : left + side] = digit_strokes(digit8, level, side)
    return on_paper(sheet, rng)


def cropped_image(digit8: np.ndarray, level: float, rng: np.random.Generator) -> np.ndarray:
    """The same as a photo cropped tight: 3 px of paper around the ink, which is 90-200 px
    on its longer side (thick strokes then cross the frame's outer 3%)."""
    strokes = digit_strokes(digit8, level, int(rng.integers(90, 201)))
    rows, cols = np.flatnonzero(strokes.max(axis=1) > 0), np.flatnonzero(strokes.max(axis=0) > 0)
    return on_paper(np.pad(strokes[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 3), rng)


def number_image(digits8: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A row of (8, 8) load_digits digits written as one number on paper: (H, W) uint8.

    Each digit is 60-120 px tall (one size per number, each digit within 10% of it)
    and moved up or down by up to 8% of it; the horizontal gap between neighbours'
    ink is -8% to +20% of the size: below 0 their columns overlap and the strokes
    often touch.
    """
    size = int(rng.integers(60, 121))
    inks = []
    for digit8 in digits8:
        strokes = digit_strokes(digit8, STROKES["medium"], int(round(size * rng.uniform(0.9, 1.1))))
        columns = np.flatnonzero(strokes.max(axis=0) > 0)
        inks.append(strokes[:, columns[0] : columns[-1] + 1])
    gaps = [int(round(size * rng.uniform(-0.08, 0.2))) for _ in digits8[1:]]
    height, margin = int(1.6 * size), size // 2
    width = 2 * margin + sum(ink.shape[1] for ink in inks) + sum(gaps)
    sheet = np.zeros((height, width), np.float32)
    left = margin
    for i, ink in enumerate(inks):
        top = (height - ink.shape[0]) // 2 + int(round(size * rng.uniform(-0.08, 0.08)))
        region = sheet[top : top + ink.shape[0], left : left + ink.shape[1]]
        np.maximum(region, ink, out=region)
        left += ink.shape[1] + (gaps[i] if i < len(gaps) else 0)
    return on_paper(sheet, rng)


def foreign(models: dict[str, digitnet.Network]) -> dict:
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.images, digits.target
    results: dict[str, dict] = {name: {} for name in models}
    for stroke, level in STROKES.items():
        rng = np.random.default_rng(list(STROKES).index(stroke))
        pngs = [png(person_image(x, level, rng)) for x in X]
        for normalize in (True, False):
            prepared = np.stack(
                [prepare.prepare_digit(p, normalize_stroke=normalize) for p in pngs]
            )
            for name, model in models.items():
                accuracy = float(np.mean(model.predict(prepared) == y))
                results[name][(stroke, normalize)] = accuracy
        rng = np.random.default_rng(10 + list(STROKES).index(stroke))
        tight = np.stack([prepare.prepare_digit(png(cropped_image(x, level, rng))) for x in X])
        for name, model in models.items():
            results[name][(stroke, "tight")] = float(np.mean(model.predict(tight) == y))
        if stroke == "medium":
            sample = np.hstack(
                [person_image(X[i], level, np.random.default_rng(i)) for i in range(8)]
            )
            out = ROOT / "bench" / "out"
            out.mkdir(exist_ok=True)
            Image.fromarray(sample).save(out / "foreign-sample.png")
    return {"n": len(y), "results": results}


def foreign_numbers(models: dict[str, digitnet.Network], n: int = 300) -> dict:
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(7)
    cases = []
    for _ in range(n):
        chosen = rng.choice(len(digits.target), size=int(rng.integers(2, 6)), replace=False)
        truth = "".join(str(d) for d in digits.target[chosen])
        cases.append((png(number_image(list(digits.images[chosen]), rng)), truth))
    results = {}
    for name, model in models.items():
        exact = right_count = digits_right = digits_counted = failed = 0
        for data, truth in cases:
            try:
                number = reading.read_number(data, model).number
            except digitnet.DigitnetError:
                failed += 1
                continue
            exact += number == truth
            if len(number) == len(truth):
                right_count += 1
                digits_counted += len(truth)
                digits_right += sum(a == b for a, b in zip(number, truth, strict=True))
        results[name] = {
            "exact": exact / n,
            "right_count": right_count / n,
            "digit_accuracy": digits_right / max(1, digits_counted),
            "failed": failed,
        }
    sample = number_image(list(digits.images[[3, 1, 4, 1, 5]]), np.random.default_rng(0))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    Image.fromarray(sample).save(out / "foreign-number-sample.png")
    return {"n": n, "results": results}


def shown_path(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def describe(model: digitnet.Network, path: Path) -> str:
    test = model.metadata_.get("metrics", {}).get("test", {}).get("accuracy")
    acc = f", {100 * test:.2f}% on MNIST test" if test is not None else ""
    arch = "-".join(map(str, model.sizes_))
    training = model.metadata_.get("training", {})
    how = training.get("optimizer", "?")
    if "epochs_run" in training:
        how += f", {training['epochs_run']} epochs"
    elif "n_evals" in training:
        how += f", {training['n_evals']} evaluations"
    if isinstance(training.get("augment"), dict) and training["augment"].get("elastic_alpha"):
        how += ", elastic distortions"
    return f"`{shown_path(path)}` ({arch} {model.activation}/{model.output}, {how}{acc})"


STORE = ROOT / "bench" / "out" / "reading-results.json"


def render_section(store: dict) -> str:
    """The RESULTS.md section from the stored parts (each with its own date and command)."""
    lines = ["## Reading handwriting (bench/reading.py)", ""]
    if store.get("note"):
        lines += [store["note"], ""]
    lat = store.get("latency")
    if lat:
        lines += [
            f"**Latency** of reading one digit from PNG bytes (280x280 dark-on-white, decode + "
            f"prepare + forward), one at a time, {lat['n']} reads, model {lat['model']}. "
            f"{lat['when']}, code {lat.get('code', '?')}; {lat['machine']}; `{lat['command']}`",
            "",
            "| p50 | p99 | of which prepare (p50) | forward (p50) | target |",
            "| --- | --- | --- | --- | --- |",
            f"| {lat['p50']:.2f} ms | {lat['p99']:.2f} ms | {lat['prepare_p50']:.2f} ms | "
            f"{lat['forward_p50']:.3f} ms | p50 <= 5 ms |",
            "",
        ]
    api = store.get("api")
    if api:
        lines += [
            f"**API throughput** on loopback: `digitnet serve` (one uvicorn process, "
            f"{api['server']}) serving model {api['model']}, and {api['requests']} "
            f"`POST /api/predict` multipart uploads of 280x280 PNGs from {api['clients']} "
            "concurrent keep-alive connections, sent by this script's asyncio client, which "
            f"shares the machine's cores with the server. {api['when']}, code "
            f"{api.get('code', '?')}; `{api['command']}`",
            "",
            "| requests/s | p50 | p99 | errors | target |",
            "| --- | --- | --- | --- | --- |",
            f"| {api['rps']:.0f} | {api['p50']:.1f} ms | {api['p99']:.1f} ms | {api['errors']} "
            "| >= 300 req/s, p99 <= 50 ms |",
            "",
        ]
        if api["errors"]:
            lines += [f"First error: `{api['first_error']}`", ""]
    foreign_runs = store.get("foreign", {})
    if foreign_runs:
        lines += [
            "**Foreign handwriting**: scikit-learn's `load_digits` (1,797 digits by 43 writers, "
            "not MNIST), each rendered as a photo of dark ink on paper (smoothly upscaled from "
            "8x8, cut at three ink levels for thick, medium and thin strokes, 70-180 px square, "
            "off-centre on a 240x240 sheet with grain), saved as PNG and read through the full "
            "path (`read_digit`). Accuracy (target >= 90%):",
            "",
            "| model | stroke normalization | thick | medium | thin | all | measured |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for run in foreign_runs.values():
            for normalize in ("on", "off"):
                row = [run["accuracy"][normalize][stroke] for stroke in STROKES]
                cells = " | ".join(f"{100 * a:.1f}%" for a in row)
                lines.append(
                    f"| {run['model']} | {normalize} | {cells} | **{100 * np.mean(row):.1f}%** "
                    f"| {run['when']}, code {run.get('code', '?')} |"
                )
        tight_runs = [run for run in foreign_runs.values() if "tight" in run]
        if tight_runs:
            lines += [
                "",
                "The same digits in photos cropped tight (3 px of paper around ink 90-200 px "
                "on its longer side, so that thick strokes cross the frame), stroke "
                "normalization on:",
                "",
                "| model | thick | medium | thin | all |",
                "| --- | --- | --- | --- | --- |",
            ]
            for run in tight_runs:
                row = [run["tight"][stroke] for stroke in STROKES]
                cells = " | ".join(f"{100 * a:.1f}%" for a in row)
                lines.append(f"| {run['model']} | {cells} | **{100 * np.mean(row):.1f}%** |")
        lines += [
            "",
            "Command: `env PYTHONPATH=src python bench/reading.py --model M --skip latency api` "
            "(accuracy does not depend on the machine's load). A sample of the rendered "
            "digits is written to `bench/out/foreign-sample.png`.",
            "",
        ]
    number_runs = store.get("numbers", {})
    if number_runs:
        n = next(iter(number_runs.values()))["n"]
        lines += [
            f"**Foreign numbers**: {n} numbers of 2 to 5 `load_digits` digits (medium strokes) "
            "written in a row on one photo, each digit 60-120 px with its own jitter of size "
            "and height, the gap between neighbours' ink -8% to +20% of a digit's height (in "
            "90 of the 300 numbers some digits touch); read by `read_number` (segmentation, "
            "then each digit prepared and read). A sample is written to "
            "`bench/out/foreign-number-sample.png`.",
            "",
            "| model | numbers read exactly | cut into the right count of digits "
            "| digits right, where the count was | no digit found | measured |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for run in number_runs.values():
            lines.append(
                f"| {run['model']} | **{100 * run['exact']:.1f}%** | "
                f"{100 * run['right_count']:.1f}% | {100 * run['digit_accuracy']:.1f}% | "
                f"{run['failed']} | {run['when']}, code {run.get('code', '?')} |"
            )
        lines += [
            "",
            "Command: `env PYTHONPATH=src python bench/reading.py --model M --skip latency api "
            "foreign`.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, action="append", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["latency", "api", "foreign", "numbers"]
    )
    parser.add_argument("--note", help="a sentence for the section, e.g. how the models were made")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="forget the parts measured before (older code or models); start the section anew",
    )
    args = parser.parse_args()
    import json

    store = json.loads(STORE.read_text()) if STORE.exists() and not args.fresh else {}
    if args.note:
        store["note"] = args.note
    models = {str(p): digitnet.Network.load(p) for p in args.model}
    first_path = args.model[0]
    first = models[str(first_path)]
    pngs, _ = paper_digits()
    command = "flock /work/bench.lock env PYTHONPATH=src python bench/reading.py " + " ".join(
        f"--model {shown_path(p)}" for p in args.model
    )
    stamp = {"when": today(), "machine": machine(), "command": command, "code": code_version()}
    if "latency" not in args.skip:
        lat = latency(first, pngs, args.repeat)
        print("latency", lat, flush=True)
        store["latency"] = {**lat, **stamp, "model": describe(first, first_path)}
    if "api" not in args.skip:
        api = throughput(first_path, pngs, args.requests, args.clients)
        print("api", api, flush=True)
        server = "httptools + uvloop" if _fast_server() else "h11 + asyncio"
        store["api"] = {**api, **stamp, "model": describe(first, first_path), "server": server}

    def measured(name: str) -> dict:
        """Which model a per-model result is for, and when and on which code it was made."""
        return {"model": describe(models[name], Path(name)), "when": today(), "code": stamp["code"]}

    if "foreign" not in args.skip:
        result = foreign(models)
        print("foreign", result, flush=True)
        runs = store.setdefault("foreign", {})
        for name, accs in result["results"].items():
            runs[shown_path(Path(name))] = {
                **measured(name),
                "accuracy": {
                    ("on" if normalize else "off"): {
                        stroke: accs[(stroke, normalize)] for stroke in STROKES
                    }
                    for normalize in (True, False)
                },
                "tight": {stroke: accs[(stroke, "tight")] for stroke in STROKES},
            }
    if "numbers" not in args.skip:
        result = foreign_numbers(models)
        print("numbers", result, flush=True)
        runs = store.setdefault("numbers", {})
        for name, figures in result["results"].items():
            runs[shown_path(Path(name))] = {**measured(name), "n": result["n"], **figures}
    STORE.parent.mkdir(exist_ok=True)
    STORE.write_text(json.dumps(store, indent=1))
    path = write_section("reading", render_section(store))
    print(f"wrote {path}")


def _fast_server() -> bool:
    try:
        import httptools  # noqa: F401
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
