"""Mini-batch training through ``Network``: determinism, checkpoints, resuming, stopping."""

import json

import numpy as np
import pytest

import digitnet
from digitnet import network
from digitnet.errors import DigitnetError
from digitnet.train import load_checkpoint

SETTINGS = dict(
    hidden=(16,), activation="relu", output="softmax", lam=0.5, init="he", optimizer="adamw",
    weight_decay=1e-3, lr=3e-3, batch_size=64, epochs=3, schedule="cosine", warmup_epochs=0.5,
    dropout=0.2, augment="affine", val=300, random_state=11,
)  # fmt: skip


@pytest.fixture(scope="module")
def data():
    d = digitnet.load_mnist("sample")
    return d.train_images[:1500], d.train_labels[:1500], d.test_images, d.test_labels


def without_seconds(history):
    epochs = [{k: v for k, v in e.items() if k != "seconds"} for e in history["epochs"]]
    return {**history, "epochs": epochs}


def test_learns_the_sample():
    d = digitnet.load_mnist("sample")
    settings = {**SETTINGS, "hidden": (64,), "dropout": 0.0, "augment": "none", "epochs": 4,
                "schedule": "constant", "lr": 2e-3}  # fmt: skip
    net = digitnet.Network(**settings).fit(d.train_images, d.train_labels)
    assert net.score(d.test_images, d.test_labels) > 0.85
    assert net.params_.dtype == np.float64 and net.n_epochs_ == 4
    assert net.optimizer_message_ == "finished 4 epochs"


def test_same_seed_same_parameters_other_seed_others(data):
    X, y, _, _ = data
    a = digitnet.Network(**SETTINGS).fit(X, y)
    b = digitnet.Network(**SETTINGS).fit(X, y)
    c = digitnet.Network(**{**SETTINGS, "random_state": 12}).fit(X, y)
    np.testing.assert_array_equal(a.params_, b.params_)
    assert without_seconds(a.history_) == without_seconds(b.history_)
    assert not np.array_equal(a.params_, c.params_)


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_resumed_run_equals_an_uninterrupted_one(data, tmp_path, optimizer):
    X, y, _, _ = data
    settings = {**SETTINGS, "optimizer": optimizer}
    if optimizer == "sgd":
        settings.update(nesterov=True, lr=0.05)
    whole = digitnet.Network(**settings, checkpoint=tmp_path / "whole.npz").fit(X, y)

    part = digitnet.Network(**settings, checkpoint=tmp_path / "part.npz")

    def stop_after_first_epoch(epoch, theta):
        if epoch == 1:
            raise KeyboardInterrupt

    part._on_epoch = stop_after_first_epoch
    part.fit(X, y)
    assert part.interrupted_ and part.n_epochs_ == 1

    resumed = digitnet.Network.from_checkpoint(tmp_path / "part.npz")
    resumed.fit(X, y, resume=tmp_path / "part.npz")
    assert not resumed.interrupted_ and resumed.n_epochs_ == 3
    np.testing.assert_array_equal(resumed.params_, whole.params_)
    assert without_seconds(resumed.history_) == without_seconds(whole.history_)
    assert resumed.best_epoch_ == whole.best_epoch_


def test_ctrl_c_mid_epoch_keeps_the_finished_epochs(data, tmp_path, monkeypatch):
    X, y, _, _ = data
    ckpt = tmp_path / "run.npz"
    net = digitnet.Network(**SETTINGS, checkpoint=ckpt)
    real = network.cost_and_grad
    calls = {"n": 0}
    batches_per_epoch = -(-(1500 - 300) // 64)

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == batches_per_epoch + 5:  # in the middle of epoch 2
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(network, "cost_and_grad", interrupted)
    net.fit(X, y)
    assert net.interrupted_ and net.n_epochs_ == 1
    assert "interrupted" in net.optimizer_message_
    assert np.all(np.isfinite(net.params_))
    state = load_checkpoint(ckpt).state
    assert state.epoch == 1 and len(state.history["epochs"]) == 1


def test_checkpoint_is_a_model_file_without_pickle(data, tmp_path):
    X, y, Xt, yt = data
    ckpt = tmp_path / "ckpt.npz"
    net = digitnet.Network(**SETTINGS, checkpoint=ckpt).fit(X, y)
    loaded = digitnet.Network.load(ckpt)  # the best parameters so far, as a model
    np.testing.assert_array_equal(loaded.predict(Xt), net.predict(Xt))
    with np.load(ckpt, allow_pickle=False) as archive:
        meta = json.loads(str(archive["metadata"]))
        assert archive["current_theta"].dtype == np.float32
    assert meta["checkpoint"]["epoch"] == 3
    assert isinstance(meta["checkpoint"]["rng_state"], dict)
    assert not list(tmp_path.glob("*.part"))  # no temporary file left behind


def test_history_follows_the_agreed_format(data, tmp_path):
    X, y, _, _ = data
    net = digitnet.Network(**SETTINGS).fit(X, y)
    path = net.save(tmp_path / "model.npz")
    _, meta = digitnet.load_model(path)
    history = meta["history"]
    assert history["costs"] == []
    assert len(history["batch_loss"]) == 3 * -(-1200 // 64)
    assert [e["epoch"] for e in history["epochs"]] == [1, 2, 3]
    for record in history["epochs"]:
        assert set(record) == {"epoch", "train_loss", "val_loss", "val_accuracy", "lr", "seconds"}
        assert 0 <= record["val_accuracy"] <= 1 and record["lr"] > 0
    assert meta["training"]["n_val"] == 300 and meta["training"]["n_train"] == 1200
    assert meta["training"]["best_epoch"] == net.best_epoch_


def test_best_epoch_is_chosen_by_validation_and_patience_stops(data):
    X, y, _, _ = data
    # A learning rate too small to change any prediction: no epoch beats the first.
    net = digitnet.Network(**{**SETTINGS, "lr": 1e-12, "epochs": 6, "patience": 2}).fit(X, y)
    assert net.n_epochs_ == 3 and net.best_epoch_ == 1
    assert net.optimizer_message_.startswith("early stop")


def test_no_validation_split_keeps_the_last_epoch(data):
    X, y, _, _ = data
    net = digitnet.Network(**{**SETTINGS, "val": 0, "epochs": 2}).fit(X, y)
    assert net.best_epoch_ == 2
    assert "val_accuracy" not in net.history_["epochs"][0]


def test_resume_refuses_other_settings_or_data(data, tmp_path):
    X, y, _, _ = data
    ckpt = tmp_path / "ckpt.npz"
    digitnet.Network(**{**SETTINGS, "epochs": 1}, checkpoint=ckpt).fit(X, y)
    with pytest.raises(DigitnetError, match="other settings"):
        digitnet.Network(**{**SETTINGS, "epochs": 1, "lr": 0.1}).fit(X, y, resume=ckpt)
    with pytest.raises(DigitnetError, match="other data"):
        digitnet.Network(**{**SETTINGS, "epochs": 1}).fit(X[:-1], y[:-1], resume=ckpt)
    with pytest.raises(DigitnetError, match="cannot change"):
        digitnet.Network.from_checkpoint(ckpt, lr=0.5)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"lr": -0.1}, "lr must be"),
        ({"dropout": 1.0}, "dropout must be"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"schedule": "linear"}, "unknown schedule"),
        ({"augment": "mirror"}, "unknown augment"),
        ({"optimizer": "rmsprop"}, "unknown optimizer"),
        ({"activation": "swish"}, "unknown activation"),
        ({"optimizer": "adam"}, "adam takes no weight decay"),
        ({"val": 1500}, "leaves no training data"),
        ({"dtype": "float16"}, "unknown dtype"),
    ],
)
def test_bad_settings_are_clear_errors(data, change, message):
    X, y, _, _ = data
    with pytest.raises(DigitnetError, match=message):
        digitnet.Network(**{**SETTINGS, **change}).fit(X, y)


def test_float64_mini_batch_path(data):
    X, y, Xt, yt = data
    settings = {**SETTINGS, "dtype": "float64", "augment": "none", "dropout": 0.0}
    net = digitnet.Network(**settings).fit(X, y)
    net32 = digitnet.Network(**{**settings, "dtype": "float32"}).fit(X, y)
    assert abs(net.score(Xt, yt) - net32.score(Xt, yt)) < 0.03


def test_threads_caps_blas_during_training(data):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X, y, _, _ = data
    seen = []

    def record(epoch, theta):
        seen.extend(
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        )

    net = digitnet.Network(**{**SETTINGS, "epochs": 1, "threads": 1})
    net._on_epoch = record
    net.fit(X, y)
    assert seen and all(n == 1 for n in seen)
    with pytest.raises(DigitnetError, match="threads must be"):
        digitnet.Network(**{**SETTINGS, "threads": 0}).fit(X, y)
