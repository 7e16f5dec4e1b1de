import json
import subprocess
import sys

import numpy as np
import pytest

from digitnet.cli import build_parser, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trained(mnist_dir, tmp_path, capsys):
    model = tmp_path / "model.npz"
    code, out, err = run(capsys, "train", "--data", str(mnist_dir), "--hidden", "16",
                         "--max-iter", "150", "--out", str(model), "--quiet")  # fmt: skip
    assert code == 0, err
    return model, out


def test_train_prints_what_it_used_and_saves_a_model(trained, mnist_dir):
    model, out = trained
    assert f"data: mnist ({mnist_dir})" in out
    assert "784-16-10 sigmoid/sigmoid, lambda 1.0, tnc" in out
    test_line = next(line for line in out.splitlines() if line.startswith("test accuracy"))
    assert float(test_line.split()[2].rstrip("%")) > 90
    assert model.exists() and f"saved {model}" in out


def test_evaluate_json(trained, mnist_dir, capsys):
    model, _ = trained
    code, out, _ = run(capsys, "evaluate", "--model", str(model), "--data", str(mnist_dir),
                       "--split", "train", "--json")  # fmt: skip
    result = json.loads(out)
    assert code == 0
    assert result["split"] == "train" and result["n"] == 300
    assert 0.9 < result["accuracy"] <= 1.0
    conf = np.array(result["confusion"])
    assert conf.shape == (10, 10) and conf.sum() == 300
    assert result["accuracy"] == pytest.approx(np.trace(conf) / 300)


def test_evaluate_table_and_info(trained, mnist_dir, capsys):
    model, _ = trained
    code, out, _ = run(capsys, "evaluate", "--model", str(model), "--data", str(mnist_dir))
    assert code == 0 and "test accuracy" in out and "confusion matrix" in out
    assert len([line for line in out.splitlines() if line.strip()]) >= 25
    code, out, _ = run(capsys, "info", str(model))
    assert code == 0
    assert "layers           784-16-10" in out and "parameters       12,730" in out
    code, out, _ = run(capsys, "info", str(model), "--json")
    assert json.loads(out)["training"]["optimizer"] == "tnc"


def test_import_seed(tmp_path, capsys, mnist_dir):
    params = np.random.default_rng(0).uniform(-0.12, 0.12, 785 * 128 + 10 * 129)
    np.save(tmp_path / "Parameters.npy", params)
    out_model = tmp_path / "seed.npz"
    code, out, _ = run(capsys, "import-seed", str(tmp_path / "Parameters.npy"),
                       "--out", str(out_model))  # fmt: skip
    assert code == 0 and out_model.exists()
    code, out, _ = run(capsys, "evaluate", "--model", str(out_model), "--data", str(mnist_dir),
                       "--json")  # fmt: skip
    assert json.loads(out)["n"] == 100


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--lambda", "-1"], "argument --lambda: must be a finite number >= 0"),
        (["train", "--lambda", "x"], "argument --lambda: expected a number"),
        (["train", "--hidden", "12,a"], "argument --hidden: expected sizes such as 128"),
        (["train", "--max-iter", "0"], "argument --max-iter: must be at least 1"),
        (["train", "--optimizer", "sgdx"], "argument --optimizer: invalid choice"),
        (["evaluate", "--split", "val"], "argument --split: invalid choice"),
        (["frobnicate"], "invalid choice"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "--help" in err


def test_input_errors_are_one_line_with_status_2(capsys, tmp_path, mnist_dir, trained):
    model, _ = trained
    (mnist_dir / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8bgarbage")
    not_a_model = tmp_path / "notes.npz"
    not_a_model.write_text("hello")
    cases = [
        (["evaluate", "--model", str(tmp_path / "nope.npz")], "no such model file"),
        (["evaluate", "--model", str(not_a_model)], "not a readable model file"),
        (["evaluate", "--model", str(model), "--data", str(mnist_dir)], "corrupt gzip data"),
        (["train", "--data", str(tmp_path / "nowhere")], "no such directory"),
        (["info", str(tmp_path)], "is a directory"),
        (["import-seed", str(tmp_path / "nope.npy")], "no such file"),
        (["train", "--data", str(mnist_dir), "--out", "/proc/forbidden/m.npz", "--max-iter",
          "1"], "error:"),
    ]  # fmt: skip
    for argv, message in cases:
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert message in err and len(err.strip().splitlines()) == 1, (argv, err)
        assert "Traceback" not in err


def test_every_command_has_help(capsys):
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"train", "evaluate", "fetch", "info", "import-seed"} <= set(commands)
    for name in commands:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert f"usage: digitnet {name}" in capsys.readouterr().out


def test_a_real_process_exits_2_without_a_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "digitnet", "evaluate", "--model", str(tmp_path / "x.npz")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("digitnet evaluate: error: ") and "Traceback" not in proc.stderr


def test_fetch_offline_fails_fast_with_advice(capsys, tmp_path):
    code, _, err = run(capsys, "fetch", "--dest", str(tmp_path / "dl"))
    assert code == 2 and "cannot download train-images-idx3-ubyte.gz" in err


def test_ctrl_c_during_training_keeps_the_best_parameters(mnist_dir, tmp_path):
    import signal
    import time

    # Random labels on noise: nothing to converge to soon, so training is still running
    # when the signal comes, however fast the machine.
    from digitnet.idx import write_idx

    rng = np.random.default_rng(0)
    write_idx(
        mnist_dir / "train-images-idx3-ubyte.gz",
        rng.integers(0, 256, (2000, 28, 28), dtype=np.uint8),
    )
    write_idx(mnist_dir / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, 2000, dtype=np.uint8))
    model = tmp_path / "interrupted.npz"
    proc = subprocess.Popen(
        [sys.executable, "-m", "digitnet", "train", "--data", str(mnist_dir), "--hidden", "64",
         "--max-iter", "100000", "--lambda", "1", "--out", str(model), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines = []
    while not any(line.startswith("training") for line in lines):
        lines.append(proc.stdout.readline())
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: keeping the best parameters" in out and "Traceback" not in err
    from digitnet import Network

    net = Network.load(model)
    assert net.interrupted_ and net.n_evals_ > 1
    assert net.metadata_["training"]["final_cost"] == min(net.costs_)
