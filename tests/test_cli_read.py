"""``digitnet predict`` and ``digitnet serve``: inputs, output formats, errors, exit status."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from digitnet import cli
from tests._strokes import render


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / "digits"
    folder.mkdir()
    for digit in (1, 4, 7):
        render(digit).save(folder / f"d{digit}.png")
    (folder / "notes.txt").write_text("not an image, and not an image suffix")
    return folder


def run(capsys, *args):
    status = cli.main(["predict", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_directory_in_json(capsys, model_file, images) -> None:
    status, out, _ = run(capsys, "--model", model_file, "--json", "--quiet", images)
    assert status == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["digit"] for line in lines] == [1, 4, 7]
    assert all(len(line["probabilities"]) == 10 for line in lines)
    assert lines[0]["path"].endswith("d1.png")


def test_globs_top_k_and_the_images_the_network_saw(capsys, model_file, images, tmp_path) -> None:
    seen = tmp_path / "seen"
    status, out, _ = run(
        capsys, "--model", model_file, "--top", "3", "--show-input", seen, "--quiet",
        images / "d[47].png",
    )  # fmt: skip
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[1] == "4" and lines[1].split()[1] == "7"
    assert len(lines[0].split()) == 1 + 2 * 3  # path, then three digits with percentages
    written = sorted(seen.iterdir())
    assert [p.name for p in written] == ["00000-d4.png", "00001-d7.png"]
    assert Image.open(written[0]).size == (28, 28)


def test_a_bad_file_is_reported_and_the_rest_are_read(capsys, model_file, images) -> None:
    bad = images / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    empty = images / "empty.png"
    empty.write_bytes(b"")
    blank = images / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)
    status, out, err = run(
        capsys, "--model", model_file, "--json", "--quiet", images, images / "missing.png"
    )
    assert status == 2
    lines = {
        json.loads(line)["path"].rsplit("/", 1)[-1]: json.loads(line) for line in out.splitlines()
    }
    assert lines["d4.png"]["digit"] == 4
    assert "damaged or truncated" in lines["broken.png"]["error"]
    assert "empty" in lines["empty.png"]["error"]
    assert "no digit found" in lines["blank.png"]["error"]
    assert "no such file" in lines["missing.png"]["error"]
    assert "4 of 7 inputs could not be read" in err


def test_text_errors_go_to_stderr(capsys, model_file, tmp_path) -> None:
    status, out, err = run(capsys, "--model", model_file, "--quiet", tmp_path / "nope*.png")
    assert status == 2 and out == ""
    assert "no file matches this pattern" in err


def test_number_mode(capsys, model_file, tmp_path) -> None:
    sheet = Image.new("L", (380, 180), 255)
    for i, digit in enumerate((2, 0, 7)):
        cell = render(digit, size=sheet.size, width=12, box=(20 + 120 * i, 15, 120 + 120 * i, 165))
        sheet = Image.fromarray(np.minimum(np.asarray(sheet), np.asarray(cell)))
    path = tmp_path / "number.png"
    sheet.save(path)
    status, out, _ = run(capsys, "--model", model_file, "--number", "--json", "--quiet", path)
    assert status == 0
    line = json.loads(out)
    assert line["number"] == "207" and [d["digit"] for d in line["digits"]] == [2, 0, 7]
    status, out, _ = run(capsys, "--model", model_file, "--number", "--quiet", path)
    assert out.split()[1] == "207"


def test_a_missing_model_is_one_line_and_status_2(capsys, images, tmp_path) -> None:
    status, _, err = run(capsys, "--model", tmp_path / "no-model.npz", images)
    assert status == 2
    assert len(err.strip().splitlines()) == 1


def test_serve_refuses_a_busy_port_in_one_line(capsys, model_file) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status = cli.main(["serve", "--model", str(model_file), "--port", str(port)])
    err = capsys.readouterr().err
    assert status == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err and len(err.strip().splitlines()) == 1


def test_serve_checks_its_options(capsys, tmp_path) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve", "--port", "70000"])
    assert exit_.value.code == 2
    assert cli.main(["serve", "--model", str(tmp_path / "none.npz")]) == 2
