import numpy as np
import pytest

import digitnet
from digitnet import network as nw
from digitnet.errors import DigitnetError
from digitnet.model import Network, as_inputs, import_seed

from .conftest import synthetic_digits


@pytest.fixture(scope="module")
def fitted():
    X, y = synthetic_digits(400, seed=1)
    return Network(hidden=(16,), max_iter=200, random_state=0).fit(X, y)


def test_fit_learns_and_records_its_history(fitted):
    X, y = synthetic_digits(200, seed=2)
    assert fitted.score(X, y) > 0.9
    assert fitted.sizes_ == (784, 16, 10)
    assert fitted.n_evals_ == len(fitted.costs_) <= 200
    assert fitted.costs_[-1] < fitted.costs_[0]
    assert fitted.metadata_["training"]["optimizer"] == "tnc"


def test_predict_proba_rows_sum_to_one_and_agree_with_predict(fitted):
    X, _ = synthetic_digits(50, seed=3)
    proba = fitted.predict_proba(X)
    assert proba.shape == (50, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=1), fitted.predict(X))


def test_uint8_images_and_scaled_rows_give_the_same_answer(fitted):
    X, _ = synthetic_digits(20, seed=4)
    np.testing.assert_array_equal(fitted.predict(X), fitted.predict(nw.scale_pixels(X)))
    np.testing.assert_array_equal(fitted.predict(X), fitted.predict(X.reshape(20, 784)))


def test_same_random_state_gives_the_same_network():
    X, y = synthetic_digits(100, seed=5)
    a = Network(hidden=(8,), max_iter=10, random_state=3).fit(X, y)
    b = Network(hidden=(8,), max_iter=10, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.params_, b.params_)


def test_save_and_load_round_trip(fitted, tmp_path):
    path = fitted.save(tmp_path / "net.npz")
    loaded = digitnet.load(path)
    np.testing.assert_array_equal(loaded.params_, fitted.params_)
    X, _ = synthetic_digits(30, seed=6)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert loaded.costs_ == fitted.costs_
    assert loaded.n_evals_ == fitted.n_evals_


def test_import_seed_parameters(tmp_path):
    # A network shaped like the seed's, saved as the seed saves it: np.save of the flat vector.
    X, y = synthetic_digits(200, seed=7)
    net = Network(hidden=(128,), max_iter=20, random_state=1).fit(X, y)
    np.save(tmp_path / "Parameters.npy", net.params_)
    path = import_seed(tmp_path / "Parameters.npy", tmp_path / "seed.npz")
    seed = Network.load(path)
    assert seed.sizes_ == (784, 128, 10)
    np.testing.assert_array_equal(seed.predict(X), net.predict(X))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((3, 27, 27), np.uint8), "expected \\(m, 28, 28\\) images"),
        (np.full((2, 784), 255.0), "must be scaled to \\[-1, 1\\]"),
        (np.full((2, 784), np.nan), "NaN"),
        (np.full((2, 784), 300, np.int64), "0-255"),
        (np.array([["a"] * 784]), "dtype"),
    ],
)
def test_bad_inputs_are_named_not_guessed(X, message):
    with pytest.raises(DigitnetError, match=message):
        as_inputs(X)


def test_bad_hyperparameters_and_labels(fitted):
    X, y = synthetic_digits(10)
    for kwargs, message in [
        ({"hidden": (0,)}, "positive integers"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"optimizer": "bfgs"}, "unknown optimizer"),
        ({"lam": -1.0}, "lambda must be"),
        ({"max_iter": 0}, "max_iter must be at least 1"),
    ]:
        with pytest.raises(DigitnetError, match=message):
            Network(**kwargs).fit(X, y)
    with pytest.raises(DigitnetError, match="digits 0-9"):
        Network(max_iter=1).fit(X, np.full(10, 10))
    with pytest.raises(DigitnetError, match="expected \\(10,\\)"):
        Network(max_iter=1).fit(X, y[:5])
    with pytest.raises(DigitnetError, match="not fitted"):
        Network().predict(X)
