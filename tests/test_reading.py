"""Reading digits and whole numbers from raw images, end to end with a trained model."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageChops

import digitnet
from digitnet import reading
from digitnet.errors import NoDigitError
from tests._strokes import render


def row(digits, step: int = 120, width: int = 12, size=(110, 150), y_jitter=(0,)) -> Image.Image:
    """Digits drawn left to right on one sheet, each in a size[0] x size[1] cell,
    cells ``step`` px apart (less than size[0] makes neighbours overlap)."""
    w = step * (len(digits) - 1) + size[0] + 40
    sheet = Image.new("L", (w, size[1] + 40), 255)
    for i, digit in enumerate(digits):
        dy = y_jitter[i % len(y_jitter)]
        left, top = 20 + i * step, 20 + dy
        cell = render(digit, size=sheet.size, width=width,
                      box=(left, top, left + size[0], top + size[1]))  # fmt: skip
        sheet = ImageChops.darker(sheet, cell)
    return sheet


def test_read_digit_from_every_kind_of_source(trained_model, tmp_path) -> None:
    image = render(4)
    path = tmp_path / "four.png"
    image.save(path)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    for source in (path, str(path), buffer.getvalue(), image, np.asarray(image)):
        result = digitnet.read_digit(source, trained_model)
        assert result.digit == 4
        assert result.probabilities.shape == (10,)
        assert abs(result.probabilities.sum() - 1) < 1e-9
        assert result.confidence == result.probabilities.max()
        assert result.image.shape == (28, 28)


def test_top_k_is_sorted_and_as_dict_is_json_ready(trained_model) -> None:
    result = digitnet.read_digit(render(0), trained_model)
    top = result.top(3)
    assert top[0][0] == 0 and [p for _, p in top] == sorted([p for _, p in top], reverse=True)
    out = result.as_dict()
    assert out["digit"] == 0 and len(out["probabilities"]) == 10


def test_a_row_of_separate_digits(trained_model) -> None:
    result = digitnet.read_number(row([2, 0, 2, 4], y_jitter=(0, 8, -6, 4)), trained_model)
    assert result.number == "2024"
    assert len(result.digits) == 4
    lefts = [d.box[1] for d in result.digits]
    assert lefts == sorted(lefts)
    assert 0 < result.confidence <= min(d.confidence for d in result.digits)


def test_touching_digits_are_split(trained_model) -> None:
    sheet = row([3, 5, 7], step=56, size=(100, 150), width=14)
    from digitnet import prepare, segment

    ink = prepare.ink_image(sheet, working_side=reading.NUMBER_WORKING_SIDE)
    _, boxes = segment.pieces(ink)
    assert len(boxes) < 3  # the digits really touch
    assert digitnet.read_number(sheet, trained_model).number == "357"


def placed(placements, size=(100, 150), width=14) -> Image.Image:
    """Digits drawn on one sheet, each (digit, left) in a size[0] x size[1] cell at that x."""
    sheet = Image.new("L", (max(left for _, left in placements) + size[0] + 40, size[1] + 40), 255)
    for digit, left in placements:
        box = (left, 20, left + size[0], 20 + size[1])
        sheet = ImageChops.darker(sheet, render(digit, size=sheet.size, width=width, box=box))
    return sheet


@pytest.mark.parametrize(
    ("placements", "number"),
    [
        ([(3, 20), (5, 140), (4, 260), (7, 310)], "3547"),
        ([(6, 20), (9, 140), (2, 260), (3, 300)], "6923"),
    ],
)
def test_touching_digits_that_width_alone_misses_are_split_by_the_network(
    trained_model, placements, number
) -> None:
    from digitnet import prepare, segment

    sheet = placed(placements)
    ink = prepare.ink_image(sheet, working_side=reading.NUMBER_WORKING_SIDE)
    assert len(segment.pieces(ink)[1]) == 3  # the last two digits touch
    last = segment.segment_groups(ink)[-1]
    # By width alone the pair passes for one broad digit...
    assert last.counts()[0] == 1 and 2 in last.counts()
    assert len(segment.segment_digits(ink)) == 3
    # ...but read both ways, two digits explain it better.
    assert digitnet.read_number(sheet, trained_model).number == number


def test_count_score_weighs_confidence_against_width() -> None:
    # Two parts read with confidence beat one part read with doubt...
    assert reading.count_score(np.array([0.95, 0.9]), 1.5) > reading.count_score(
        np.array([0.3]), 1.5
    )
    # ...but not when the width says one digit: splitting must earn its place.
    assert reading.count_score(np.array([0.95, 0.9]), 1.0) < reading.count_score(
        np.array([0.7]), 1.0
    )


@pytest.mark.parametrize("broad", [0, 2, 3, 4, 5, 6, 7, 8, 9])
def test_a_broad_single_digit_beside_narrow_ones_is_not_split(trained_model, broad) -> None:
    from digitnet import prepare, segment

    sheet = Image.new("L", (570, 190), 255)
    for digit, left, width in [(3, 20, 100), (5, 140, 100), (broad, 260, 150)]:
        box = (left, 20, left + width, 170)
        sheet = ImageChops.darker(sheet, render(digit, size=sheet.size, width=14, box=box))
    ink = prepare.ink_image(sheet, working_side=reading.NUMBER_WORKING_SIDE)
    assert 2 in segment.segment_groups(ink)[-1].counts()  # its width allows two digits
    assert len(digitnet.read_number(sheet, trained_model).digits) == 3


def test_broken_strokes_are_merged(trained_model) -> None:
    sheet = np.asarray(row([7, 1, 8]), np.uint8).copy()
    # A break straight through the 8's waist and across the 7's stem: each breaks in two.
    sheet[:, 20:130][95:101] = 255
    sheet[:, 260:370][84:90] = 255
    from digitnet import prepare, segment

    ink = prepare.ink_image(sheet, working_side=reading.NUMBER_WORKING_SIDE)
    _, boxes = segment.pieces(ink)
    assert len(boxes) >= 5  # the breaks are real
    assert digitnet.read_number(sheet, trained_model).number == "718"


def test_a_photo_of_a_house_number(trained_model) -> None:
    sheet = np.asarray(row([4, 7, 1], width=16), np.float32)
    rng = np.random.default_rng(3)
    light = np.linspace(130, 240, sheet.shape[1])[None, :]
    photo = np.where(sheet < 128, 35, light) + rng.normal(0, 8, sheet.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=85)
    assert digitnet.read_number(buffer.getvalue(), trained_model).number == "471"


def test_one_digit_reads_as_a_one_digit_number(trained_model) -> None:
    assert digitnet.read_number(render(9), trained_model).number == "9"


def test_a_blank_image_has_no_number(trained_model) -> None:
    with pytest.raises(NoDigitError, match="no digit found"):
        digitnet.read_number(Image.new("L", (300, 100), 255), trained_model)
