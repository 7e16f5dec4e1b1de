"""Preparing any image of a digit the way MNIST's digits were prepared.

A network trained on MNIST has only ever seen one kind of picture: a bright
digit on a black 28x28 field, anti-aliased, its longer side 20 pixels, centred
on its centre of mass. LeCun, Cortes and Burges describe how the database was
made (yann.lecun.com/exdb/mnist): the bilevel NIST digits were size-normalized
to fit a 20x20 box keeping their aspect ratio (the anti-aliasing of that step
gives the grey levels), then placed in a 28x28 field so that their centre of
mass sits at its centre. A photo, a scan or a canvas drawing is none of that,
and feeding it unprepared is why "98% on MNIST" misreads a person's 7.

The steps, each a small function (applied in this order by :func:`prepare_digit`):

1. :func:`open_image` -- decode (any format Pillow reads: PNG, JPEG, GIF, BMP,
   TIFF, WebP), with the dimensions bounded before any pixel is decoded, the
   EXIF orientation honoured, and large images reduced to a working size.
2. :func:`to_grey` -- transparency composited on white paper; grey levels.
3. :func:`ink_bright` -- polarity: the background is whatever covers the
   border; if it is light (dark ink on paper), the image is inverted so that ink
   is bright, as in MNIST.
4. :func:`suppress_background` -- uneven lighting removed (a grey opening
   estimates the background, capped at the paper's level on the image's frame
   so that a marker's wide stroke is not taken for light), noise cut off at a
   floor estimated from the background (Otsu's threshold separates ink from
   background), contrast stretched so the stroke core is 255, with the
   anti-aliased edges kept grey; specks much smaller than the digit removed.
5. :func:`crop_to_ink` -- the ink's bounding box.
6. :func:`normalize_stroke_width` -- optional: thin strokes thickened and fat
   ones thinned toward MNIST's typical width.
7. :func:`scale_to_box` -- longer side to 20 px, aspect ratio kept, anti-aliased.
8. :func:`center_by_mass` -- pasted into 28x28 with the centre of mass at the centre.

Arrays: grey images are (H, W) float32 in 0-255 with 0 black; "ink" images
are (H, W) float32 in 0-255 with 0 the background and the ink bright; the
result is (28, 28) uint8, 0 background and ink bright -- MNIST's own format,
what :meth:`digitnet.Network.predict` takes.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from digitnet.errors import ImageError, ImageTooLargeError, NoDigitError, NotAnImageError

#: Our own bound on an image's pixel count, checked from its header before any pixel
#: is decoded (Pillow's MAX_IMAGE_PIXELS, about 89 million, is the second line of defence).
MAX_PIXELS = 40_000_000
#: Longer side of the working image: a digit needs far fewer pixels than a photo has,
#: and every later step costs time in proportion to the pixel count.
WORKING_SIDE = 512
#: MNIST's geometry.
FIELD = 28
BOX = 20
#: The stroke width normalization works at this many times the 20 px box, so that its
#: dilations are fine-grained but cheap.
STROKE_SCALE = 4
#: Typical MNIST stroke width, in pixels of the 20 px box: :func:`stroke_width` of 2,000
#: random MNIST training digits, each cropped and scaled to an 80 px box, has the median
#: 10.7 px (10th-90th percentiles 7.8-14.7), i.e. 2.7 px at MNIST's own scale.
MNIST_STROKE_WIDTH = 2.7

EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)

Source = Any  # a path, bytes, a PIL image or an array; see open_image


# --- 1. decode ---------------------------------------------------------------------------


def _describe(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"{len(source)} bytes"
    return type(source).__name__


def open_image(
    source: Source,
    max_pixels: int = MAX_PIXELS,
    working_side: int = WORKING_SIDE,
    name: str | None = None,
) -> Image.Image:
    """Decode ``source`` into a PIL image, upright, at most ``working_side`` on its longer side.

    source: a path, the bytes of an image file, a PIL image, or an array of pixel
    values 0-255: (H, W) grey or (H, W, 3 | 4) RGB(A), any real dtype.
    ``name`` names the source in error messages (default: the path, or "N bytes").
    Refuses (:class:`ImageTooLargeError`) more than ``max_pixels`` pixels, checked
    from the header before decoding; raises :class:`ImageError` for anything that is
    not a readable image.
    """
    if isinstance(source, np.ndarray):
        return _limit_side(_from_array(source, max_pixels), working_side)
    if isinstance(source, Image.Image):
        _check_dimensions(source.size, max_pixels, name or _describe(source))
        return _limit_side(ImageOps.exif_transpose(source), working_side)
    where = name or _describe(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise NotAnImageError(
                f"{where}: the image is empty; send a PNG, JPEG or other image file"
            )
        stream: Any = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise NotAnImageError(f"{path}: the file is empty (0 bytes)")
        stream = path
    else:
        raise ImageError(
            f"cannot read an image from a {type(source).__name__}; "
            "pass a path, bytes, a PIL image or an array"
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit, raises) on huge images; ours is lower.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            _check_dimensions(image.size, max_pixels, where)
            # JPEG can decode straight to a reduced scale: a 12-megapixel photo in a few ms.
            image.draft("RGB" if image.mode not in ("L", "1") else "L", (working_side,) * 2)
            image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{where}: refused, the image is too large ({exc})") from None
    except UnidentifiedImageError:
        raise NotAnImageError(
            f"{where}: not an image Pillow can read (PNG, JPEG, GIF, BMP, TIFF, WebP, ...)"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Truncated or corrupt data surfaces as OSError ("image file is truncated"),
        # SyntaxError (bad headers) or ValueError from the individual decoders.
        raise ImageError(f"{where}: the image is damaged or truncated ({exc})") from None
    # A broken EXIF block must not lose an otherwise readable image.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    return _limit_side(image, working_side)


def _check_dimensions(size: tuple[int, int], max_pixels: int, where: str) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageError(f"{where}: the image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{where}: refused, {width}x{height} is {width * height:,} pixels, more than the "
            f"limit of {max_pixels:,}; scale the image down"
        )


def _from_array(array: np.ndarray, max_pixels: int) -> Image.Image:
    if array.ndim == 3 and array.shape[2] in (3, 4):
        mode = "RGB" if array.shape[2] == 3 else "RGBA"
    elif array.ndim == 2:
        mode = "L"
    else:
        raise ImageError(
            f"an array image must be (H, W) grey or (H, W, 3|4) colour, got shape {array.shape}"
        )
    _check_dimensions((array.shape[1], array.shape[0]), max_pixels, "array")
    if array.dtype.kind not in "uif" and array.dtype != bool:
        raise ImageError(f"an array image must hold numbers 0-255, got dtype {array.dtype}")
    values = array.astype(np.float32)
    if not np.all(np.isfinite(values)):
        raise ImageError("the array image contains NaN or infinity")
    if values.size and (values.min() < 0 or values.max() > 255):
        raise ImageError(
            f"array pixel values must lie in 0-255 (found {values.min():g} to {values.max():g})"
        )
    return Image.fromarray(np.round(values).astype(np.uint8), mode)


def _limit_side(image: Image.Image, working_side: int) -> Image.Image:
    if max(image.size) <= working_side:
        return image
    scale = working_side / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if image.mode not in ("L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    # reducing_gap makes Pillow shrink by whole factors first: fast and still anti-aliased.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


# --- 2. grey ---------------------------------------------------------------------------


def to_grey(image: Image.Image) -> np.ndarray:
    """Grey levels of ``image``: (H, W) float32 in 0-255, 0 black.

    Transparent pixels are composited on white, as if drawn on paper. If the
    colour is uniform and only the alpha channel varies (ink drawn as opacity,
    as an HTML canvas with no background stores it), the opacity is the ink.
    16-bit and float images are stretched to 0-255.
    """
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float32)
        low, high = float(values.min()), float(values.max())
        return (values - low) * (255 / (high - low)) if high > low else np.zeros_like(values)
    if _has_alpha(image):
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3] / 255
        grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
        on_white = grey * alpha + 255 * (1 - alpha)
        if np.ptp(on_white) < 8 and np.ptp(alpha) >= 0.1:
            return (255 - 255 * alpha).astype(np.float32)
        return on_white.astype(np.float32)
    return np.asarray(image.convert("L"), dtype=np.float32)


# --- 3. polarity -----------------------------------------------------------------------


def border(grey: np.ndarray) -> np.ndarray:
    """The pixels of the image's outer frame (3% of each side, at least 1 px), flattened.

    grey: (H, W). The frame is where the paper (or screen) shows, not the digit.
    """
    h, w = grey.shape
    dy, dx = max(1, round(0.03 * h)), max(1, round(0.03 * w))
    return np.concatenate(
        [grey[:dy].ravel(), grey[-dy:].ravel(), grey[:, :dx].ravel(), grey[:, -dx:].ravel()]
    )


def border_level(grey: np.ndarray) -> float:
    """Median grey level of the image's outer frame (see :func:`border`)."""
    return float(np.median(border(grey)))


def ink_is_dark(grey: np.ndarray) -> bool:
    """Whether the digit is dark on a light background (paper), judged from the border.

    grey: (H, W) float 0-255, 0 black. An image whose border is lighter than the
    middle grey (128) or, failing a clear answer, lighter than the image's mean, has
    dark ink.
    """
    level = border_level(grey)
    if abs(level - 127.5) > 16:
        return level > 127.5
    return level >= float(grey.mean())


def ink_bright(grey: np.ndarray) -> np.ndarray:
    """MNIST's polarity: (H, W) float32, ink bright, background dark.

    grey: (H, W) float 0-255, 0 black. Inverted when the ink is dark (:func:`ink_is_dark`).
    """
    grey = np.asarray(grey, dtype=np.float32)
    return (255 - grey) if ink_is_dark(grey) else grey.copy()


# --- 4. background ---------------------------------------------------------------------


def grey_histogram(values: np.ndarray) -> np.ndarray:
    """Counts of the whole grey levels 0-255 in ``values`` (any shape, clipped): (256,) int."""
    values = np.asarray(values)
    if values.size and (values.min() < 0 or values.max() > 255):
        values = np.clip(values, 0, 255)
    return np.bincount(values.astype(np.uint8).ravel(), minlength=256)


def histogram_median(hist: np.ndarray) -> float:
    """The median level of a histogram (counts per level), to the nearest level."""
    cumulative = np.cumsum(hist)
    return float(np.searchsorted(cumulative, cumulative[-1] / 2))


def histogram_mad(hist: np.ndarray, median: float) -> float:
    """Median absolute deviation from ``median`` of the levels counted in ``hist``."""
    deviations = np.abs(np.arange(len(hist)) - round(median))
    return histogram_median(np.bincount(deviations, weights=hist, minlength=len(hist)))


def otsu_threshold(values: np.ndarray | None = None, hist: np.ndarray | None = None) -> float:
    """Otsu's threshold: the level that best splits ``values`` (0-255) into two classes.

    Otsu (1979), "A threshold selection method from gray-level histograms":
    maximize the between-class variance over a 256-bin histogram (pass ``hist``
    from :func:`grey_histogram` to reuse one). Pixels at or above the returned
    level form the upper class.
    """
    if hist is None:
        hist = grey_histogram(values)
    prob = hist / max(1, hist.sum())
    centers = np.arange(256) + 0.5
    weight0 = np.cumsum(prob)
    mean0 = np.cumsum(prob * centers)
    total = mean0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total * weight0 - mean0) ** 2 / (weight0 * (1 - weight0))
    between[~np.isfinite(between)] = 0
    # Every level in an empty gap between the classes splits them equally well: take
    # the middle of those, not the first.
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))
    return float(int((best[0] + best[-1]) / 2) + 1)


def remove_lighting(ink: np.ndarray, even: bool = False) -> np.ndarray:
    """Subtract slowly varying background light (shadows, gradients, tinted paper).

    ink: (H, W) float32, ink bright. The background is estimated by a grey
    opening with a square a quarter of the shorter side: it removes every bright
    structure narrower than that (the strokes) and keeps the lighting. A marker's
    stroke can be wider than that square, and the opening would then take the
    stroke's core for light and hollow it out; so the estimate is capped at its
    highest value on the paper of the image's frame. Shadows and dim light reach the
    picture's edge, so no paper inside is darker than the darkest paper on the frame:
    what the opening finds darker than that is ink. The frame's paper is the frame
    without the pixels nearly as dark as the darkest ink (where the digit crosses
    the frame of a tight crop). Light varies slowly, so the opening runs
    on a copy shrunk to about 64 px (block means, by Pillow's ``reduce``) that is
    interpolated back. An image whose whole frame is one grey level (a canvas, a
    clean scan) has no lighting to remove: it is only shifted so that level is 0,
    which saves a quarter of the preparation time; ``even=True`` treats any image so.
    Returns (H, W) float32 >= 0, a new array.
    """
    frame = border(ink)
    if even or frame.max() - frame.min() <= 2:
        out = np.subtract(ink, frame.min(), dtype=np.float32)
        return np.maximum(out, 0, out=out)
    factor = max(1, min(ink.shape) // 64)
    image = Image.fromarray(np.asarray(ink, dtype=np.float32), mode="F")
    small = np.asarray(image.reduce(factor)) if factor > 1 else np.asarray(image)
    size = max(3, min(small.shape) // 4)
    background = ndimage.grey_opening(small, size=(size, size), mode="nearest")
    # "Nearly as dark as the darkest ink": past three quarters of the way from the
    # frame's median to the image's 99th percentile. (A shadow that dark on the frame
    # does not raise the cap, and is left as a grey wash.)
    edge, ink_level = border(small), float(np.percentile(small, 99))
    paper_level = float(np.median(edge))
    on_paper = edge < paper_level + 0.75 * (ink_level - paper_level)
    if on_paper.any():
        background = np.minimum(background, border(background)[on_paper].max())
    if factor > 1:
        upscaled = Image.fromarray(background, mode="F").resize(
            (ink.shape[1], ink.shape[0]), Image.Resampling.BILINEAR
        )
        background = np.asarray(upscaled)
    out = np.subtract(ink, background, dtype=np.float32)
    return np.maximum(out, 0, out=out)


def suppress_background(
    ink: np.ndarray, min_speck: float = 0.02, even_light: bool = False
) -> np.ndarray:
    """Remove lighting and noise, stretch the contrast; (H, W) float32 0-255, background 0.

    ink: (H, W) float, ink bright (:func:`ink_bright`). Otsu's threshold splits the
    pixels into background and ink; the noise floor is the background's median plus
    five robust standard deviations (1.4826 MAD), and at least a tenth of the way
    from there to the ink, so a clean drawing loses only its faintest edge and a
    noisy photo loses its grain. Above the floor the values are stretched so
    that the median ink pixel becomes 255 (brighter is clipped), which keeps the
    anti-aliased edges grey. Connected specks with less than ``min_speck`` of the
    largest component's ink are removed. ``even_light``: take the lighting as even
    (see :func:`remove_lighting`).
    """
    ink = remove_lighting(np.asarray(ink, dtype=np.float32), even=even_light)
    if ink.max() <= 0:
        return ink
    # Every statistic comes from one histogram of whole grey levels: exact enough for
    # thresholds, and far cheaper than sorting the pixels for each median.
    hist = grey_histogram(ink)
    threshold = int(otsu_threshold(hist=hist))
    background, strokes = hist[:threshold], hist[threshold:]
    level = threshold + histogram_median(strokes) if strokes.sum() else float(ink.max())
    if background.sum():
        median = histogram_median(background)
        spread = 1.4826 * histogram_mad(background, median)
        # At least a tenth of the contrast: what the lighting estimate leaves near the
        # edges of a strong gradient is faint, but not noise-like.
        floor = max(median + 5 * spread, median + 0.1 * (level - median))
    else:
        floor = 0.0
    if level - floor < 16:  # no contrast left: nothing stands out from the noise
        return np.zeros_like(ink)
    ink -= floor  # in place: ink is remove_lighting's own new array
    ink *= 255 / (level - floor)
    return remove_specks(np.clip(ink, 0, 255, out=ink), min_speck)


def remove_specks(ink: np.ndarray, min_fraction: float = 0.02) -> np.ndarray:
    """Zero connected components (8-connected) holding < ``min_fraction`` of the largest's ink.

    ink: (H, W) float, background 0. Returns ``ink`` itself if there is one component
    or none, else a new array.
    """
    labels, count = ndimage.label(ink > 0, structure=EIGHT_NEIGHBOURS)
    if count <= 1:
        return ink
    mass = ndimage.sum_labels(ink, labels, index=np.arange(1, count + 1))
    keep = np.concatenate([[False], mass >= min_fraction * mass.max()])
    return np.where(keep[labels], ink, 0).astype(np.float32)


def ink_image(source: Source, **open_options: Any) -> np.ndarray:
    """Steps 1-4: any image -> (H, W) float32 0-255, ink bright, background 0.

    Raises :class:`NoDigitError` if nothing is left (a blank or uniform image).
    """
    bright = ink_bright(to_grey(open_image(source, **open_options)))
    ink = suppress_background(bright)
    if not np.any(ink > 0):
        # The lighting estimate can take a whole digit for light: a marker's strokes
        # filling a tight crop, touching the frame. Read it again as evenly lit.
        ink = suppress_background(bright, even_light=True)
    if not np.any(ink > 0):
        where = open_options.get("name") or _describe(source)
        raise NoDigitError(f"no digit found in {where}: the image is blank or uniform")
    return ink


# --- 5. crop ---------------------------------------------------------------------------


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels > 0, bottom/right exclusive.

    ink: (H, W), background 0, with some ink (else :class:`NoDigitError`).
    """
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    if rows.size == 0:
        raise NoDigitError("no digit found: the image holds no ink")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box: (h, w) float32, background 0."""
    top, left, bottom, right = ink_box(ink)
    return ink[top:bottom, left:right]


# --- 6. stroke width -------------------------------------------------------------------


def stroke_width(ink: np.ndarray) -> float:
    """Estimated stroke width in pixels of ``ink`` ((H, W), background 0).

    A stroke of width w and length L covers w*L pixels and has about 2L boundary
    pixels, so w ~ 2 * area / boundary, with the stroke taken as the pixels at
    least half as bright as the brightest. (Strokes 1 or 2 px wide both read 2.)
    """
    mask = ink >= 0.5 * float(ink.max()) if ink.size and ink.max() > 0 else None
    if mask is None or not mask.any():
        return 0.0
    boundary = mask & ~ndimage.binary_erosion(mask, border_value=0)
    return 2.0 * float(mask.sum()) / max(1, int(boundary.sum()))


def _disk(radius: int) -> np.ndarray:
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return x * x + y * y <= radius * radius + radius


def normalize_stroke_width(
    ink: np.ndarray, target: float = MNIST_STROKE_WIDTH * STROKE_SCALE
) -> np.ndarray:
    """Thicken strokes thinner than ~2/3 of ``target`` px, thin those over 3/2 of it.

    ink: (H, W) float32, background 0, cropped. ``target`` is in this image's pixels.
    A grey dilation (or erosion) by a disk of radius (difference / 2) moves each edge;
    erosion never takes more than a third of the stroke, so no stroke vanishes.
    Returns (H', W') float32, re-cropped to the ink.
    """
    width = stroke_width(ink)
    if width <= 0:
        return ink
    if width < target / 1.5:
        radius = round((target - width) / 2)
        if radius >= 1:
            padded = np.pad(ink, radius)
            return crop_to_ink(ndimage.grey_dilation(padded, footprint=_disk(radius)))
    elif width > target * 1.5:
        radius = min(round((width - target) / 2), int(width / 3))
        if radius >= 1:
            eroded = ndimage.grey_erosion(ink, footprint=_disk(radius), mode="constant", cval=0)
            if eroded.max() > 0:
                return crop_to_ink(eroded)
    return ink


# --- 7. scale --------------------------------------------------------------------------


def resize(
    ink: np.ndarray,
    shape: tuple[int, int],
    resample: Image.Resampling = Image.Resampling.LANCZOS,
) -> np.ndarray:
    """Anti-aliased resize of a (h, w) float image to ``shape`` (rows, cols), Lanczos by default."""
    image = Image.fromarray(np.asarray(ink, dtype=np.float32), mode="F")
    resized = image.resize((shape[1], shape[0]), resample)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 255)


def box_shape(shape: tuple[int, int], side: int) -> tuple[int, int]:
    """(rows, cols) with the longer side ``side`` and the aspect ratio of ``shape`` kept."""
    h, w = shape
    if h >= w:
        return side, max(1, round(w * side / h))
    return max(1, round(h * side / w)), side


def scale_to_box(ink: np.ndarray, side: int = BOX) -> np.ndarray:
    """Scale a cropped digit so its longer side is ``side`` px: (<= side, <= side) float32."""
    return resize(ink, box_shape(ink.shape, side))


# --- 8. centre -------------------------------------------------------------------------


def center_by_mass(digit: np.ndarray, field: int = FIELD) -> np.ndarray:
    """Paste ``digit`` ((h, w) float, h, w <= field) into a (field, field) uint8 image.

    The ink's centre of mass lands on the field's centre ((field - 1) / 2 in pixel
    indices), moved by whole pixels as far as the digit still fits.
    """
    h, w = digit.shape
    if h > field or w > field:
        raise ValueError(f"digit {digit.shape} does not fit a {field}x{field} field")
    total = float(digit.sum())
    if total > 0:
        cy, cx = ndimage.center_of_mass(digit)
    else:
        cy, cx = (h - 1) / 2, (w - 1) / 2
    centre = (field - 1) / 2
    top = int(np.clip(round(centre - cy), 0, field - h))
    left = int(np.clip(round(centre - cx), 0, field - w))
    out = np.zeros((field, field), dtype=np.float32)
    out[top : top + h, left : left + w] = digit
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


# --- all together ----------------------------------------------------------------------


def mnist_from_ink(ink: np.ndarray, normalize_stroke: bool = True) -> np.ndarray:
    """Steps 5-8 on an ink image ((H, W) float, background 0): (28, 28) uint8, ink bright."""
    digit = crop_to_ink(ink)
    if normalize_stroke:
        # Work at STROKE_SCALE times the final box, so that 1-px morphology steps are fine
        # (a quarter of a final pixel) and cheap whatever the input size.
        digit = resize(digit, box_shape(digit.shape, BOX * STROKE_SCALE))
        digit = normalize_stroke_width(digit, MNIST_STROKE_WIDTH * STROKE_SCALE)
    return center_by_mass(scale_to_box(digit, BOX))


def prepare_digit(source: Source, normalize_stroke: bool = True, **open_options: Any) -> np.ndarray:
    """Any image of one digit -> (28, 28) uint8, ink bright, as MNIST's digits are.

    source: a path, bytes, a PIL image, or an (H, W[, 3|4]) array of 0-255 values.
    normalize_stroke: bring the stroke width toward MNIST's (step 6).
    open_options: ``max_pixels``, ``working_side`` and ``name``, as :func:`open_image`.
    Raises :class:`~digitnet.errors.ImageError` if it cannot be read and
    :class:`~digitnet.errors.NoDigitError` if it holds no ink.
    """
    return mnist_from_ink(ink_image(source, **open_options), normalize_stroke)
