"""Each preparation step, shown fixing what it is for, on images built here."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, features
from scipy import ndimage

from digitnet import prepare
from digitnet.errors import ImageError, ImageTooLargeError, NoDigitError, NotAnImageError
from tests._strokes import render


def png_bytes(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def centre_of_mass(image: np.ndarray) -> np.ndarray:
    return np.array(ndimage.center_of_mass(image.astype(np.float64)))


def ink_extent(image: np.ndarray) -> tuple[int, int]:
    top, left, bottom, right = prepare.ink_box(image.astype(np.float32))
    return bottom - top, right - left


def test_result_is_mnist_shaped(trained_model) -> None:
    out = prepare.prepare_digit(render(3))
    assert out.shape == (28, 28) and out.dtype == np.uint8
    assert out.max() == 255  # the stroke core is full ink
    assert out[0].max() == 0 and out[-1].max() == 0  # a dark border, as in MNIST
    assert trained_model.predict(out[None])[0] == 3


def test_off_centre_digit_is_centred_by_its_centre_of_mass(trained_model) -> None:
    # A 7 squeezed into the top-left corner of a 280x280 sheet.
    sheet = render(7, width=12, box=(5, 5, 95, 125))
    naive = 255 - np.asarray(sheet.resize((28, 28), Image.Resampling.LANCZOS))
    assert np.linalg.norm(centre_of_mass(naive) - 13.5) > 6  # far from the centre
    out = prepare.prepare_digit(sheet)
    assert np.linalg.norm(centre_of_mass(out) - 13.5) <= 0.8
    assert trained_model.predict(out[None])[0] == 7


def test_dark_ink_on_paper_is_inverted_and_bright_ink_is_kept(trained_model) -> None:
    paper = render(2)  # dark ink on white
    assert prepare.ink_is_dark(np.asarray(paper, np.float32))
    screen = Image.fromarray(255 - np.asarray(paper))  # bright ink on black, like MNIST
    assert not prepare.ink_is_dark(np.asarray(screen, np.float32))
    from_paper, from_screen = prepare.prepare_digit(paper), prepare.prepare_digit(screen)
    # Both end as bright ink on a black field, the same image.
    assert from_paper[0, 0] == 0 and from_paper.mean() < 80
    assert np.abs(from_paper.astype(int) - from_screen).max() <= 2
    assert trained_model.predict(from_paper[None])[0] == 2
    # Without the inversion the network would see a white field with a dark digit.
    assert (255 - np.asarray(paper.resize((28, 28)))).mean() < from_paper.mean() * 3


@pytest.mark.parametrize(
    ("size", "box", "width"),
    [((1200, 1200), (100, 100, 1100, 1100), 70), ((60, 60), (24, 22, 34, 36), 2)],
    ids=["huge", "tiny"],
)
def test_any_size_ends_with_its_longer_side_20_px(trained_model, size, box, width) -> None:
    sheet = render(4, size=size, width=width, box=box)
    out = prepare.prepare_digit(sheet)
    assert max(ink_extent(out)) in (19, 20, 21)
    assert trained_model.predict(out[None])[0] == 4


def test_aspect_ratio_is_kept() -> None:
    tall = render(1, size=(200, 200), width=10)
    height, width = ink_extent(prepare.prepare_digit(tall))
    assert height in (19, 20, 21) and width < 10  # a 1 stays narrow


@pytest.mark.parametrize("width", [3, 50], ids=["thin", "thick"])
def test_stroke_width_is_brought_toward_mnist(trained_model, width) -> None:
    sheet = render(0, width=width)
    raw = prepare.prepare_digit(sheet, normalize_stroke=False)
    out = prepare.prepare_digit(sheet)
    target = prepare.MNIST_STROKE_WIDTH

    def mnist_px(image):
        big = prepare.resize(image.astype(np.float32), (112, 112))
        return prepare.stroke_width(big) / 4

    assert abs(mnist_px(out) - target) < abs(mnist_px(raw) - target)
    assert 1.5 <= mnist_px(out) <= 4.5
    assert trained_model.predict(out[None])[0] == 0


def test_the_mnist_stroke_width_constant_is_mnists(sample_data) -> None:
    widths = []
    for image in sample_data.train_images[:1000]:
        digit = prepare.crop_to_ink(image.astype(np.float32))
        big = prepare.resize(digit, prepare.box_shape(digit.shape, 4 * prepare.BOX))
        widths.append(prepare.stroke_width(big) / 4)
    assert abs(np.median(widths) - prepare.MNIST_STROKE_WIDTH) < 0.2


def test_noisy_unevenly_lit_photo_background_is_suppressed(trained_model) -> None:
    rng = np.random.default_rng(0)
    ink = np.asarray(render(6, size=(360, 300), width=16, box=(80, 40, 250, 300)), np.float32)
    lighting = np.linspace(110, 230, 360)[None, :] + np.linspace(-20, 20, 300)[:, None]
    photo = np.where(ink < 128, 50, lighting) + rng.normal(0, 12, ink.shape)
    specks = rng.random(ink.shape) < 0.002
    photo[specks] = 20  # pepper: dust on the lens
    photo = np.clip(photo, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(photo).convert("RGB").save(buffer, "JPEG", quality=80)

    ink_only = prepare.ink_image(buffer.getvalue())
    # Away from the digit, nothing is left of the lighting, the grain or the dust.
    assert ink_only[:, :60].max() == 0 and ink_only[:, -40:].max() == 0
    out = prepare.prepare_digit(buffer.getvalue())
    assert (out > 0).sum() < 0.4 * out.size
    assert trained_model.predict(out[None])[0] == 6
    # Without the suppression, the shadowed side of the sheet reads as a wash of ink.
    naive = prepare.ink_bright(np.asarray(photo, np.float32))
    assert naive[:, :60].mean() > 100


def test_clean_and_shadowed_sheets_give_the_same_digit() -> None:
    # A clean canvas (uniform frame: the lighting step only shifts levels) and the same
    # drawing under a shadow (the grey opening removes it) end as the same 28x28 image.
    clean = np.asarray(render(3, width=14), np.float32)
    shadow = np.linspace(0, 70, clean.shape[1])[None, :]
    shadowed = np.clip(clean - shadow, 0, 255).astype(np.uint8)
    a = prepare.prepare_digit(clean.astype(np.uint8))
    b = prepare.prepare_digit(shadowed)
    assert np.abs(a.astype(int) - b).mean() < 8


def test_a_marker_stroke_wider_than_the_lighting_window_keeps_its_core() -> None:
    # A fat marker 8 on grainy paper: its loops are wider than the grey opening's
    # window, which alone would take their cores for light and hollow them out.
    rng = np.random.default_rng(1)
    ink = np.asarray(render(8, size=(240, 240), width=70, box=(40, 30, 200, 210)), np.float32)
    photo = np.clip(np.where(ink < 128, 40, 230) + rng.normal(0, 3, ink.shape), 0, 255)
    inked = prepare.ink_bright(photo.astype(np.uint8).astype(np.float32))
    core = ndimage.binary_erosion(ink < 128, iterations=15)
    assert core.sum() > 200
    opened = inked - ndimage.grey_opening(inked, size=(60, 60), mode="nearest")
    assert np.median(opened[core]) < 100  # the opening alone hollows the stroke out

    out = prepare.ink_image(photo.astype(np.uint8))
    assert np.median(out[core]) == 255  # the stroke keeps a solid core
    assert out[ink >= 250].max() == 0  # and the paper is still clean


def fat_one_cropped_tight() -> np.ndarray:
    """A marker's 1 on grainy paper, cropped to the stroke: the ink crosses the frame."""
    rng = np.random.default_rng(0)
    sheet = np.full((120, 60), 230.0)
    sheet[:, 18:42] = 40
    return np.clip(sheet + rng.normal(0, 3, sheet.shape), 0, 255).astype(np.uint8)


def test_a_fat_stroke_filling_a_tight_crop_keeps_its_core() -> None:
    # Every window of the lighting estimate fits inside this ink, and the ink crosses
    # the frame; the frame's paper, not its ink, caps the estimate.
    photo = fat_one_cropped_tight()
    inked = prepare.ink_bright(photo.astype(np.float32))
    opened = inked - ndimage.grey_opening(inked, size=(15, 15), mode="nearest")
    assert opened[:, 24:36].max() < 60  # the opening alone takes the stroke for light
    out = prepare.ink_image(photo)
    assert out[:, 20:40].min() > 200 and not out[:, :16].any() and not out[:, 44:].any()


def test_a_marker_digit_cropped_tight_keeps_solid_strokes(trained_model) -> None:
    # A fat 8 cropped 2 px from its ink: its loops cross the frame in four places.
    rng = np.random.default_rng(8)
    ink = np.asarray(render(8, size=(200, 240), width=40, box=(20, 20, 180, 220)), np.float32)
    rows, cols = np.flatnonzero(ink.min(1) < 128), np.flatnonzero(ink.min(0) < 128)
    ink = np.pad(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 2, constant_values=255)
    photo = np.clip(np.where(ink < 128, 40, 230) + rng.normal(0, 3, ink.shape), 0, 255)
    out = prepare.ink_image(photo.astype(np.uint8))
    core = ndimage.binary_erosion(ink < 128, iterations=8)
    assert (out[core] > 200).mean() > 0.95
    assert trained_model.predict(prepare.mnist_from_ink(out)[None])[0] == 8


def test_if_the_lighting_estimate_takes_everything_the_image_is_read_as_evenly_lit(
    monkeypatch,
) -> None:
    real = prepare.remove_lighting

    def takes_everything(ink, even=False):
        return real(ink, even) if even else np.zeros_like(ink)

    monkeypatch.setattr(prepare, "remove_lighting", takes_everything)
    out = prepare.ink_image(fat_one_cropped_tight())  # not "no digit found"
    assert out[:, 20:40].min() > 200 and not out[:, :16].any()


def test_a_hard_shadow_across_the_sheet_is_removed(trained_model) -> None:
    # The shadow of a phone or a hand: its edge is sharp, and it reaches the frame.
    rng = np.random.default_rng(4)
    ink = np.asarray(render(4, size=(300, 300), width=12, box=(60, 40, 240, 260)), np.float32)
    light = np.where(np.add.outer(np.arange(300), np.arange(300)) < 300, 235.0, 120.0)
    photo = np.clip(np.where(ink < 128, 40, light) + rng.normal(0, 4, ink.shape), 0, 255)
    out = prepare.ink_image(photo.astype(np.uint8))
    assert (out[ink > 250] > 0).mean() < 0.05  # the shadowed paper is not ink
    assert trained_model.predict(prepare.mnist_from_ink(out)[None])[0] == 4


def test_anti_aliased_edges_stay_grey() -> None:
    out = prepare.prepare_digit(render(8, width=14))
    grey = (out > 0) & (out < 255)
    assert grey.sum() > 0.3 * (out > 0).sum()


def test_transparency_is_composited_on_white() -> None:
    grey = np.asarray(render(9))
    rgba = np.zeros((*grey.shape, 4), np.uint8)
    rgba[..., 3] = 255 - grey  # black ink whose opacity is the drawing; transparent paper
    image = Image.fromarray(rgba, "RGBA")
    expected = prepare.prepare_digit(render(9))
    assert np.abs(prepare.prepare_digit(png_bytes(image)).astype(int) - expected).max() <= 3
    # The same drawing as white opacity (ink colour uniform): the alpha is the ink.
    rgba[..., :3] = 255
    assert np.abs(prepare.prepare_digit(Image.fromarray(rgba)).astype(int) - expected).max() <= 3


def test_exif_orientation_is_honoured() -> None:
    upright = render(7).convert("RGB")
    stored = upright.rotate(90, expand=True)  # the camera stored it sideways...
    exif = Image.Exif()
    exif[0x0112] = 6  # ...and said "rotate 90 degrees clockwise to view"
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif, quality=95)
    out = prepare.prepare_digit(buffer.getvalue())
    expected = prepare.prepare_digit(upright)
    assert np.abs(out.astype(int) - expected).mean() < 6


FORMATS = ["PNG", "JPEG", "GIF", "BMP", "TIFF"] + (["WEBP"] if features.check("webp") else [])


@pytest.mark.parametrize("fmt", FORMATS)
def test_common_formats_decode(trained_model, fmt) -> None:
    buffer = io.BytesIO()
    render(5).convert("RGB").save(buffer, fmt)
    out = prepare.prepare_digit(buffer.getvalue())
    assert trained_model.predict(out[None])[0] == 5


def test_sources_path_bytes_image_and_array_agree(tmp_path) -> None:
    image = render(3)
    path = tmp_path / "three.png"
    image.save(path)
    results = [
        prepare.prepare_digit(source)
        for source in (path, str(path), path.read_bytes(), image, np.asarray(image))
    ]
    for other in results[1:]:
        np.testing.assert_array_equal(results[0], other)


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", (200, 200), 255),
        Image.new("L", (200, 200), 0),
        Image.new("RGB", (64, 48), (120, 130, 140)),
        Image.new("L", (1, 1), 0),
        Image.new("RGBA", (50, 50), (0, 0, 0, 0)),
    ],
    ids=["white", "black", "uniform-colour", "one-pixel", "transparent"],
)
def test_blank_images_are_no_digit_not_a_guess(image) -> None:
    with pytest.raises(NoDigitError, match="no digit found"):
        prepare.prepare_digit(png_bytes(image))


def test_pure_noise_is_no_digit() -> None:
    rng = np.random.default_rng(1)
    noise = np.clip(rng.normal(200, 6, (120, 120)), 0, 255).astype(np.uint8)
    with pytest.raises(NoDigitError):
        prepare.prepare_digit(noise)


def test_unreadable_inputs_are_clear_errors(tmp_path) -> None:
    with pytest.raises(NotAnImageError, match="empty"):
        prepare.prepare_digit(b"")
    with pytest.raises(NotAnImageError, match="not an image"):
        prepare.prepare_digit(b"GIF? no, just text")
    truncated = png_bytes(render(1))[:300]
    with pytest.raises(ImageError, match="damaged or truncated"):
        prepare.prepare_digit(truncated)
    with pytest.raises(ImageError, match="no such file"):
        prepare.prepare_digit(tmp_path / "missing.png")
    with pytest.raises(ImageError, match="shape"):
        prepare.prepare_digit(np.zeros((4, 4, 2)))
    with pytest.raises(ImageError, match="0-255"):
        prepare.prepare_digit(np.full((10, 10), 300.0))
    with pytest.raises(ImageError, match="cannot read"):
        prepare.prepare_digit(12345)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels: a decompression bomb."""
    raw = png_bytes(Image.new("L", (1, 1), 0))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    patched = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return raw[:8] + patched + raw[8 + 25 :]


def test_decompression_bombs_are_refused_before_decoding() -> None:
    with pytest.raises(ImageTooLargeError, match="too large|more than the limit"):
        prepare.prepare_digit(_png_claiming(100_000, 100_000))
    with pytest.raises(ImageTooLargeError, match="more than the limit"):
        prepare.prepare_digit(_png_claiming(8000, 6000))
    with pytest.raises(ImageTooLargeError):
        prepare.prepare_digit(np.zeros((100, 100)), max_pixels=5000)


def test_otsu_threshold_splits_two_populations() -> None:
    rng = np.random.default_rng(2)
    values = np.concatenate([rng.normal(40, 5, 5000), rng.normal(200, 5, 500)])
    assert 60 < prepare.otsu_threshold(values) < 180


def test_center_by_mass_puts_the_mass_at_the_centre() -> None:
    digit = np.zeros((20, 10), np.float32)
    digit[5:10, :] = 255  # the mass high in the box
    out = prepare.center_by_mass(digit)
    assert np.abs(centre_of_mass(out) - 13.5).max() <= 0.5
    assert out.sum() == digit.sum()


def test_center_by_mass_never_cuts_ink_off() -> None:
    digit = np.zeros((20, 10), np.float32)
    digit[15:, :] = 255  # centring this mass would push the box out of the field
    out = prepare.center_by_mass(digit)
    assert out.sum() == digit.sum()


def test_box_shape_keeps_aspect() -> None:
    assert prepare.box_shape((100, 50), 20) == (20, 10)
    assert prepare.box_shape((30, 300), 20) == (2, 20)
    assert prepare.box_shape((500, 1), 20) == (20, 1)
