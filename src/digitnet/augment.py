"""Data augmentation on the fly: random affine and elastic distortions of digit images.

Each call distorts a whole batch with one :func:`scipy.ndimage.map_coordinates`
call: the batch is a 3-d stack, and every output pixel gets the (batch index,
row, column) it samples from, so there is no Python loop over images. Sampling
is bilinear; pixels that come from outside the image are background.

- affine: a random shift (pixels), rotation (degrees) and scaling about the
  image centre, independently per image;
- elastic: the displacement field of Simard, Steinkraus and Platt (2003),
  "Best practices for convolutional neural networks applied to visual document
  analysis": uniform random displacements in [-1, 1] smoothed by a Gaussian of
  width ``sigma`` and scaled by ``alpha``.

All randomness comes from the ``numpy.random.Generator`` passed in, so a seed
gives the same distortions. The images keep their shape and dtype.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

SIDE = 28


@dataclass(frozen=True)
class Augmentation:
    """How strongly to distort. Zero switches a distortion off.

    shift: most pixels moved along each axis; rotation: largest angle in
    degrees; scale: largest relative change of size (0.1: 90% to 110%);
    elastic_alpha, elastic_sigma: Simard et al.'s alpha and sigma, in pixels.
    """

    shift: float = 0.0
    rotation: float = 0.0
    scale: float = 0.0
    elastic_alpha: float = 0.0
    elastic_sigma: float = 4.0

    @property
    def active(self) -> bool:
        return any((self.shift, self.rotation, self.scale, self.elastic_alpha))

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


#: Named settings for ``--augment``.
PRESETS = {
    "none": Augmentation(),
    "shift": Augmentation(shift=2.0),
    "affine": Augmentation(shift=2.0, rotation=10.0, scale=0.1),
    "elastic": Augmentation(shift=1.5, rotation=8.0, scale=0.08, elastic_alpha=8.0,
                            elastic_sigma=3.0),
}  # fmt: skip


def augmentation(spec: str | Augmentation | None) -> Augmentation:
    """An :class:`Augmentation` from a name: ``none``, ``shift``, ``affine`` or ``elastic``."""
    if spec is None:
        return PRESETS["none"]
    if isinstance(spec, Augmentation):
        return spec
    if spec not in PRESETS:
        raise ValueError(f"unknown augmentation {spec!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[spec]


def sample_coordinates(m: int, aug: Augmentation, rng: np.random.Generator) -> np.ndarray:
    """Where each output pixel samples its input: (3, m, 28, 28) float64.

    Row 0 is the image's index in the batch, rows 1 and 2 the source row and
    column. Output pixel p of image i samples ``A_i^-1 (p - c - t_i) + c + d_i(p)``
    with ``A_i`` a rotation times a scaling, ``c`` the centre, ``t_i`` the shift and
    ``d_i`` the elastic displacement.
    """
    centre = (SIDE - 1) / 2
    grid = np.arange(SIDE, dtype=np.float64) - centre
    rows = grid[None, :, None]
    cols = grid[None, None, :]
    angle = np.deg2rad(rng.uniform(-aug.rotation, aug.rotation, m)) if aug.rotation else None
    zoom = rng.uniform(1 - aug.scale, 1 + aug.scale, m) if aug.scale else None
    shifts = rng.uniform(-aug.shift, aug.shift, (2, m)) if aug.shift else None

    coords = np.empty((3, m, SIDE, SIDE))
    coords[0] = np.arange(m, dtype=np.float64)[:, None, None]
    dr = rows - (shifts[0][:, None, None] if shifts is not None else 0.0)
    dc = cols - (shifts[1][:, None, None] if shifts is not None else 0.0)
    if angle is None:
        cos, sin = np.ones((m, 1, 1)), np.zeros((m, 1, 1))
    else:
        cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    inv_zoom = 1.0 / zoom[:, None, None] if zoom is not None else np.ones((m, 1, 1))
    # The inverse of (rotate by angle, then scale by zoom), applied to the output offset.
    coords[1] = (cos * dr + sin * dc) * inv_zoom + centre
    coords[2] = (-sin * dr + cos * dc) * inv_zoom + centre
    if aug.elastic_alpha:
        field = rng.uniform(-1.0, 1.0, (2, m, SIDE, SIDE))
        sigma = (0, 0, aug.elastic_sigma, aug.elastic_sigma)
        field = ndimage.gaussian_filter(field, sigma, mode="constant", cval=0.0)
        coords[1:] += aug.elastic_alpha * field
    return coords


def distort(
    images: np.ndarray,
    aug: Augmentation,
    rng: np.random.Generator,
    background: float = -1.0,
) -> np.ndarray:
    """A randomly distorted copy of a batch of digits.

    images: (m, 28, 28) or (m, 784) float (any scaling; ``background`` is the
    value of an empty pixel: -1 after :func:`digitnet.network.scale_pixels`).
    Returns an array of the same shape and dtype. Draws from ``rng`` only
    what the active distortions need.
    """
    images = np.asarray(images)
    if images.shape[1:] not in ((SIDE * SIDE,), (SIDE, SIDE)):
        raise ValueError(f"images have shape {images.shape}; expected (m, 28, 28) or (m, 784)")
    if not aug.active:
        return images.copy()
    m = images.shape[0]
    stack = images.reshape(m, SIDE, SIDE)
    coords = sample_coordinates(m, aug, rng)
    out = ndimage.map_coordinates(
        stack, coords, output=images.dtype, order=1, mode="constant", cval=background
    )
    return out.reshape(images.shape)
