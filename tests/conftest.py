"""Fixtures made by the tests themselves: small IDX data sets, and a model trained once per
session on the embedded sample (for the tests that read handwriting)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import digitnet
from digitnet.idx import write_idx


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) uint8 images and (n,) labels that a small network can learn.

    Each class is a bright 6x6 square at its own place on a 28x28 canvas, drawn
    with noise and a random shift of up to 2 pixels.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 4)
        r0 = 3 + 8 * row + rng.integers(-2, 3)
        c0 = 2 + 6 * col + rng.integers(-2, 3)
        images[i, max(r0, 0) : r0 + 6, max(c0, 0) : c0 + 6] = 255
    return images, labels


def bar_digits(labels: np.ndarray, seed: int = 0, noise: int = 60) -> np.ndarray:
    """(n, 28, 28) uint8 images for labels (n,): digit k is a bright bar at rows 2k+4..2k+6
    on noise below ``noise``."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, noise, size=(len(labels), 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        images[i, 2 * label + 4 : 2 * label + 7, 4:24] = 255
    return images


def write_mnist_dir(directory: Path, n_train: int = 300, n_test: int = 100) -> Path:
    """Write the four MNIST file names, gzip-compressed, holding synthetic digits."""
    directory.mkdir(parents=True, exist_ok=True)
    train_x, train_y = synthetic_digits(n_train, seed=1)
    test_x, test_y = synthetic_digits(n_test, seed=2)
    write_idx(directory / "train-images-idx3-ubyte.gz", train_x)
    write_idx(directory / "train-labels-idx1-ubyte.gz", train_y)
    write_idx(directory / "t10k-images-idx3-ubyte.gz", test_x)
    write_idx(directory / "t10k-labels-idx1-ubyte.gz", test_y)
    return directory


@pytest.fixture
def mnist_dir(tmp_path: Path) -> Path:
    return write_mnist_dir(tmp_path / "mnist")


@pytest.fixture(autouse=True)
def _isolated_data_locations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests away from the user's cache, the real MNIST and the network."""
    import digitnet.datasets as datasets

    monkeypatch.delenv("DIGITNET_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "cache_dir", lambda: tmp_path / "cache" / "mnist")
    monkeypatch.setattr(datasets, "MIRRORS", ("http://127.0.0.1:9/",))


@pytest.fixture(scope="session")
def sample_data() -> digitnet.MnistData:
    """The embedded sample: 4,000 training and 1,000 test MNIST digits."""
    return digitnet.load_mnist("sample")


@pytest.fixture(scope="session")
def trained_model(sample_data: digitnet.MnistData) -> digitnet.Network:
    """The seed's 784-128-10 sigmoid net, trained on the sample for 400 TNC evaluations
    (about 95% on its test digits): good enough to read clearly drawn digits, quick
    enough for every run. (150 evaluations, about 93%, misread some of the drawn test
    digits: the tests that read drawings need the better model.)"""
    net = digitnet.Network(hidden=(128,), max_iter=400, random_state=0)
    return net.fit(sample_data.train_images, sample_data.train_labels)


@pytest.fixture(scope="session")
def model_file(trained_model: digitnet.Network, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_model.save(tmp_path_factory.mktemp("model") / "model.npz")


@pytest.fixture(scope="session")
def digit_images(sample_data: digitnet.MnistData, trained_model: digitnet.Network):
    """One MNIST test image per digit 0-9 that the trained model reads right, (10, 28, 28)."""
    chosen = []
    predicted = trained_model.predict(sample_data.test_images)
    for digit in range(10):
        hits = np.flatnonzero((sample_data.test_labels == digit) & (predicted == digit))
        chosen.append(sample_data.test_images[hits[0]])
    return np.stack(chosen)
