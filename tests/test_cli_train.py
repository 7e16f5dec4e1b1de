"""``digitnet train`` with the mini-batch options: presets, checkpoints, resuming, bad values."""

import numpy as np
import pytest

import digitnet
from digitnet import cli

SMALL = ["--data", "sample", "--optimizer", "adam", "--activation", "relu", "--output",
         "softmax", "--hidden", "16", "--epochs", "2", "--val", "400", "--batch-size", "256",
         "--lambda", "0"]  # fmt: skip


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lr", "-0.1"], "--lr: must be a number > 0"),
        (["--lr", "abc"], "--lr: expected a number"),
        (["--activation", "swish"], "--activation: invalid choice"),
        (["--optimizer", "rmsprop"], "--optimizer: invalid choice"),
        (["--dropout", "1.5"], "--dropout: must be in [0, 1)"),
        (["--batch-size", "0"], "--batch-size: must be at least 1"),
        (["--hidden", "256,x"], "--hidden: expected sizes"),
        (["--preset", "huge"], "--preset: invalid choice"),
        (["--val", "-3"], "--val"),
    ],
)
def test_bad_values_exit_2_with_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", *args])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs", "3"], "--epochs applies to the mini-batch optimizers"),
        (["--optimizer", "adam", "--weight-decay", "0.1"], "adam takes no weight decay"),
        (["--optimizer", "sgd", "--nesterov", "--momentum", "0"], "nesterov"),
        (["--resume", "missing.npz"], "no such model file"),
    ],
)
def test_inconsistent_options_exit_2(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--data", "sample", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_train_writes_model_checkpoint_and_epoch_lines(tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert cli.main(["train", *SMALL, "--out", str(out), "--profile", "--augment", "shift"]) == 0
    text = capsys.readouterr().out
    assert "epoch 1/2: train loss" in text and "val accuracy" in text and "lr " in text
    assert "where the time went" in text and "augment" in text
    assert out.exists() and (tmp_path / "m.checkpoint.npz").exists()
    net = digitnet.Network.load(out)
    _, meta = digitnet.load_model(out)
    assert meta["training"]["optimizer"] == "adam" and len(meta["history"]["epochs"]) == 2
    assert meta["metrics"]["test"]["accuracy"] > 0.3  # well above chance after 28 steps
    assert net.sizes_ == (784, 16, 10)


def test_resume_continues_the_same_run(tmp_path, capsys):
    whole = tmp_path / "whole.npz"
    assert cli.main(["train", *SMALL, "--epochs", "3", "--out", str(whole)]) == 0
    # Build the checkpoint an interrupted run leaves: the same settings, stopped after epoch 1.
    part = digitnet.Network(
        hidden=(16,), activation="relu", output="softmax", lam=0.0, init="uniform",
        optimizer="adam", epochs=3, val=400, batch_size=256, random_state=0,
        checkpoint=tmp_path / "part.npz",
    )  # fmt: skip

    def stop(epoch, theta):
        raise KeyboardInterrupt

    part._on_epoch = stop
    data = digitnet.load_mnist("sample")
    part.fit(data.train_images, data.train_labels)
    resumed = tmp_path / "resumed.npz"
    capsys.readouterr()
    assert cli.main(["train", "--data", "sample", "--resume", str(tmp_path / "part.npz"),
                     "--out", str(resumed)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "resuming" in text and "epoch 2/3" in text and "epoch 1/3" not in text
    a, _ = digitnet.load_model(whole)
    b, _ = digitnet.load_model(resumed)
    np.testing.assert_array_equal(a, b)
    assert cli.main(["train", "--resume", str(tmp_path / "part.npz"), "--lr", "0.1"]) == 2


def test_presets_are_valid_networks():
    for name, settings in digitnet.model.PRESETS.items():
        net = digitnet.Network(**settings)
        net._validate()
        assert net.minibatch == (name != "seed")
