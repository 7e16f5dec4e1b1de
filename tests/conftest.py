"""Shared fixtures: a small trained model, made once per test session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import digitnet


@pytest.fixture(scope="session")
def sample_data() -> digitnet.MnistData:
    """The embedded sample: 4,000 training and 1,000 test MNIST digits."""
    return digitnet.load_mnist("sample")


@pytest.fixture(scope="session")
def trained_model(sample_data: digitnet.MnistData) -> digitnet.Network:
    """The seed's 784-128-10 sigmoid net, trained briefly on the sample (about 93% on its
    test digits): good enough to read clearly drawn digits, quick enough for every run."""
    net = digitnet.Network(hidden=(128,), max_iter=150, random_state=0)
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
