"""Model files: one ``.npz`` holding the flat parameters and JSON metadata.

The archive has two arrays: ``theta`` (float64, the flat parameter vector of
:mod:`digitnet.network`) and ``metadata`` (a 0-d unicode array holding a JSON
object: layer sizes, activations, input scaling, training configuration and
history, metrics, data set, digitnet's version, date). Nothing in it needs
pickle, and it is loaded with ``allow_pickle=False``, so a model file can
never run code. Writes are atomic.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from digitnet import network
from digitnet._files import atomic_write
from digitnet.errors import ModelFileError

FORMAT = "digitnet-model"
FORMAT_VERSION = 1
INPUT_SCALING = "(x / 255 - 0.5) * 2"
#: Metadata keys that describe the file and the network rather than its history.
STRUCTURE_KEYS = (
    "format",
    "format_version",
    "sizes",
    "activation",
    "output",
    "input_scaling",
    "digitnet_version",
    "saved",
)


def save_model(path: str | os.PathLike[str], theta: np.ndarray, metadata: dict[str, Any]) -> Path:
    """Write ``theta`` and ``metadata`` (JSON-serializable) to ``path`` atomically."""
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, **metadata}
    _check_metadata(meta, np.asarray(theta), Path(path))
    text = json.dumps(meta, allow_nan=False)
    with atomic_write(path) as handle:
        np.savez(handle, theta=np.asarray(theta, dtype=np.float64), metadata=np.array(text))
    return Path(path)


def _check_metadata(meta: dict[str, Any], theta: np.ndarray, path: Path) -> None:
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a digitnet model (format {meta.get('format')!r})")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {meta['format_version']} is newer than this "
            f"digitnet reads ({FORMAT_VERSION}); upgrade digitnet"
        )
    sizes = meta.get("sizes")
    if not (
        isinstance(sizes, list)
        and len(sizes) >= 2
        and all(isinstance(n, int) and n > 0 for n in sizes)
    ):
        raise ModelFileError(f"{path}: metadata has no valid layer sizes: {sizes!r}")
    if meta.get("activation") not in network.ACTIVATIONS:
        raise ModelFileError(f"{path}: unknown hidden activation {meta.get('activation')!r}")
    if meta.get("output") not in network.OUTPUTS:
        raise ModelFileError(f"{path}: unknown output activation {meta.get('output')!r}")
    if theta.ndim != 1 or theta.size != network.n_params(sizes):
        raise ModelFileError(
            f"{path}: parameters have shape {theta.shape}, but layer sizes {sizes} need "
            f"({network.n_params(sizes)},)"
        )
    if not np.all(np.isfinite(theta)):
        raise ModelFileError(f"{path}: parameters contain NaN or infinity")


def load_model(path: str | os.PathLike[str]) -> tuple[np.ndarray, dict[str, Any]]:
    """Read a model file. Returns ``(theta, metadata)``; a damaged or foreign file raises
    :class:`~digitnet.errors.ModelFileError` naming the file."""
    path = Path(path)
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError(
                f"{path}: a bare .npy array, not a digitnet model (.npz); "
                "for the seed's Parameters.npy use 'digitnet import-seed'"
            )
        with archive:
            missing = {"theta", "metadata"} - set(archive.files)
            if missing:
                names = ", ".join(sorted(missing))
                raise ModelFileError(f"{path}: not a digitnet model: no {names}")
            theta = archive["theta"]
            text = archive["metadata"]
    except FileNotFoundError:
        raise ModelFileError(
            f"{path}: no such model file; train one with 'digitnet train'"
        ) from None
    except IsADirectoryError:
        raise ModelFileError(f"{path}: is a directory, not a model file") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelFileError(f"{path}: not a readable model file ({exc})") from None
    if text.dtype.kind != "U" or text.ndim != 0 or theta.dtype != np.float64:
        raise ModelFileError(f"{path}: not a digitnet model: unexpected array types")
    try:
        meta = json.loads(str(text))
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: metadata is not a JSON object")
    _check_metadata(meta, theta, path)
    return theta, meta


def read_seed_params(path: str | os.PathLike[str], hidden: int = 128) -> np.ndarray:
    """Read the seed notebook's ``Parameters.npy``: Theta1 (hidden x 785) then Theta2
    (10 x hidden+1), each raveled row-major with the bias column first.

    That is already :mod:`digitnet.network`'s layout, so the vector is used as is.
    """
    path = Path(path)
    try:
        theta = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    except (ValueError, OSError, EOFError) as exc:
        raise ModelFileError(f"{path}: not a NumPy .npy array ({exc})") from None
    if not isinstance(theta, np.ndarray) or theta.dtype.kind != "f":
        raise ModelFileError(f"{path}: expected one .npy array of floats")
    expected = network.n_params((784, hidden, 10))
    if theta.ndim != 1 or theta.size != expected:
        raise ModelFileError(
            f"{path}: {theta.size} parameters, but the seed's 784-{hidden}-10 network has "
            f"{expected}; pass the right --hidden"
        )
    if not np.all(np.isfinite(theta)):
        raise ModelFileError(f"{path}: parameters contain NaN or infinity")
    return theta.astype(np.float64)
