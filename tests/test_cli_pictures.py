"""The picture commands: ``show``, ``report``, ``plot``, and the report ``train`` writes."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

import digitnet
from digitnet import cli
from digitnet.datasets import FILES

from .conftest import bar_digits

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the four MNIST files, made of 100 training and 50 test bar digits."""
    directory = tmp_path_factory.mktemp("bars")
    train_labels = np.tile(np.arange(10, dtype=np.uint8), 10)
    test_labels = np.tile(np.arange(10, dtype=np.uint8), 5)
    arrays = {
        "train_images": bar_digits(train_labels, 1),
        "train_labels": train_labels,
        "test_images": bar_digits(test_labels, 2),
        "test_labels": test_labels,
    }
    for key, name in FILES.items():
        digitnet.write_idx(directory / name, arrays[key])
    return directory


@pytest.fixture(scope="module")
def model(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = digitnet.load_mnist(str(data_dir))
    net = digitnet.Network(hidden=(5,), max_iter=40, random_state=0)
    net.fit(data.train_images, data.train_labels)
    return net.save(tmp_path_factory.mktemp("model") / "bars.npz")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_show_by_default_draws_the_seeds_5_by_4_grid_into_digits_png(
    capsys, data_dir, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(capsys, "show", "--data", str(data_dir), "--seed", "4")
    assert status == 0
    assert "wrote digits.png: 20 random train digits (seed 4), 5 x 4" in out
    # 4 tiles of 1.35 in by 5 of 1.45 in (+0.1 in), at 100 dpi.
    assert png_size(tmp_path / "digits.png") == (540, 735)
    rows = out.split("labels, as in the picture:\n")[1].splitlines()[:5]
    data = digitnet.load_mnist(str(data_dir))
    chosen = digitnet.plots.pick_digits(data.train_labels, 20, seed=4)
    assert [row.split() for row in rows] == [
        [str(d) for d in data.train_labels[chosen][r * 4 : r * 4 + 4]] for r in range(5)
    ]


def test_show_is_reproducible_with_a_seed_and_prints_a_fresh_one_without(
    capsys, data_dir, tmp_path
):
    args = ("show", "--data", str(data_dir), "--out")
    _, first, _ = run(capsys, *args, str(tmp_path / "a.png"), "--seed", "9")
    _, second, _ = run(capsys, *args, str(tmp_path / "b.png"), "--seed", "9")
    assert first.split("labels")[1] == second.split("labels")[1]
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    _, fresh, _ = run(capsys, *args, str(tmp_path / "c.png"))
    assert "(seed " in fresh


def test_show_one_digit_with_a_model_to_svg(capsys, data_dir, model, tmp_path):
    out_file = tmp_path / "sevens.svg"
    status, out, _ = run(
        capsys, "show", "--data", str(data_dir), "--digit", "7", "--count", "5",
        "--split", "test", "--model", str(model), "--out", str(out_file), "--seed", "0",
    )  # fmt: skip
    assert status == 0
    assert "5 random test images of the digit 7" in out
    assert set(" ".join(out.split("picture:\n")[1].splitlines()[:2]).split()) == {"7"}
    assert f"{model}: " in out and " of 5 right" in out
    assert out_file.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("show", "--digit", "11"), "must be a digit 0-9, got 11"),
        (("show", "--count", "0"), "must be at least 1, got 0"),
        (("show", "--count", "101"), "at most 100"),
        (("show", "--out", "digits.jpg"), "name the picture .png or .svg"),
        (("show", "--model", "no-such-model.npz"), "no such model file"),
        (("report", "--model", "no-such-model.npz"), "no such model file"),
        (("report", "--out", "report.pdf"), "name the report .html"),
        (("plot", "weights", "--model", "no-such-model.npz"), "no such model file"),
        (("plot", "histogram"), "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:  # argparse's own errors exit
        raise SystemExit(cli.main(list(argv)))
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_show_more_of_a_digit_than_there_are_is_an_error(capsys, data_dir, tmp_path):
    status, _, err = run(
        capsys, "show", "--data", str(data_dir), "--digit", "3", "--count", "11",
        "--out", str(tmp_path / "x.png"),
    )  # fmt: skip
    assert status == 2
    assert "asked for 11 images of the digit 3, but the data holds only 10" in err
    assert not (tmp_path / "x.png").exists()


def test_report_writes_the_page_beside_the_model_by_default(capsys, data_dir, model):
    status, out, _ = run(capsys, "report", "--model", str(model), "--data", str(data_dir))
    page = model.with_suffix(".html")
    assert status == 0
    assert f"wrote {page}" in out
    text = page.read_text(encoding="utf-8")
    assert text.count('src="data:image/png;base64,') == 7
    assert "<h1>bars.npz</h1>" in text


@pytest.mark.parametrize("kind", list(cli.PLOT_KINDS))
def test_plot_draws_each_kind(capsys, data_dir, model, tmp_path, kind):
    out_file = tmp_path / f"{kind}.png"
    status, out, _ = run(
        capsys, "plot", kind, "--model", str(model), "--data", str(data_dir),
        "--out", str(out_file),
    )  # fmt: skip
    assert status == 0
    assert f"wrote {out_file}" in out
    width, height = png_size(out_file)
    assert width >= 300 and height >= 100


def test_train_writes_its_report_unless_told_not_to(capsys, data_dir, tmp_path):
    args = ("train", "--data", str(data_dir), "--hidden", "3", "--max-iter", "5", "--quiet")
    status, out, _ = run(capsys, *args, "--out", str(tmp_path / "m.npz"))
    assert status == 0
    assert f"report {tmp_path / 'm.html'}" in out
    assert "fig-cost" in (tmp_path / "m.html").read_text(encoding="utf-8")
    status, out, _ = run(capsys, *args, "--out", str(tmp_path / "n.npz"), "--no-report")
    assert status == 0
    assert (tmp_path / "n.npz").exists()
    assert not (tmp_path / "n.html").exists()
    assert "\nreport " not in out
