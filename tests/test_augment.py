"""On-the-fly augmentation: shapes and dtypes kept, reproducible, plausible distortions."""

import numpy as np
import pytest

from digitnet import augment

KINDS = [k for k in augment.PRESETS if k != "none"]


def digits(m=16, dtype=np.float32, seed=0):
    """A batch of synthetic 'digits': a bright bar on the -1 background, scaled as the seed does."""
    rng = np.random.default_rng(seed)
    images = np.full((m, 28, 28), -1.0, dtype=dtype)
    for i in range(m):
        r, c = rng.integers(6, 12, 2)
        images[i, r : r + 12, c : c + 4] = 1.0
    return images


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("flat", [False, True])
def test_shape_and_dtype_are_kept(kind, dtype, flat):
    images = digits(dtype=dtype)
    if flat:
        images = images.reshape(len(images), 784)
    out = augment.distort(images, augment.PRESETS[kind], np.random.default_rng(1))
    assert out.shape == images.shape and out.dtype == images.dtype
    # Bilinear interpolation between background and ink stays within their range.
    assert out.min() >= -1 - 1e-6 and out.max() <= 1 + 1e-6
    assert not np.array_equal(out, images)


@pytest.mark.parametrize("kind", KINDS)
def test_reproducible_from_the_seed(kind):
    images = digits()
    aug = augment.PRESETS[kind]
    a = augment.distort(images, aug, np.random.default_rng(7))
    b = augment.distort(images, aug, np.random.default_rng(7))
    c = augment.distort(images, aug, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_each_image_gets_its_own_distortion():
    same = np.repeat(digits(1), 8, axis=0)
    out = augment.distort(same, augment.PRESETS["affine"], np.random.default_rng(0))
    assert len({out[i].tobytes() for i in range(8)}) == 8


def test_blank_stays_blank_and_ink_is_roughly_kept():
    blank = np.full((4, 28, 28), -1.0, dtype=np.float32)
    out = augment.distort(blank, augment.PRESETS["elastic"], np.random.default_rng(0))
    np.testing.assert_array_equal(out, blank)
    images = digits()
    ink = (images + 1).sum(axis=(1, 2))
    for kind in KINDS:
        moved = augment.distort(images, augment.PRESETS[kind], np.random.default_rng(0))
        ratio = (moved + 1).sum(axis=(1, 2)) / ink
        assert np.all((ratio > 0.7) & (ratio < 1.35)), kind


def test_integer_shift_moves_pixels_exactly():
    # With shift only, each image's coordinates are the identity grid minus its shift.
    aug = augment.Augmentation(shift=3.0)
    coords = augment.sample_coordinates(5, aug, np.random.default_rng(0))
    grid = np.arange(28.0)
    offsets_r = coords[1][:, :, 0] - grid[None, :]
    offsets_c = coords[2][:, 0, :] - grid[None, :]
    assert np.allclose(offsets_r, offsets_r[:, :1]) and np.allclose(offsets_c, offsets_c[:, :1])
    assert np.all(np.abs(offsets_r) <= 3) and np.all(np.abs(offsets_c) <= 3)
    np.testing.assert_array_equal(coords[0][:, 0, 0], np.arange(5))


def test_none_is_a_copy_and_bad_input_is_refused():
    images = digits()
    out = augment.distort(images, augment.PRESETS["none"], np.random.default_rng(0))
    np.testing.assert_array_equal(out, images)
    assert out is not images
    with pytest.raises(ValueError, match="expected"):
        augment.distort(np.zeros((3, 10, 10)), augment.PRESETS["shift"], np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment.augmentation("mirror")
