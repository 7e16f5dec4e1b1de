"""Reading digits and whole numbers from raw images with a trained network.

``read_digit(source, model)`` prepares one image MNIST's way
(:mod:`digitnet.prepare`) and classifies it; ``read_number(source, model)``
cuts a row of digits apart (:mod:`digitnet.segment`), prepares each, reads them
all in one forward pass and joins them left to right. Where a group of ink may
be one broad digit or several touching ones, each way of cutting it is read and
the network's confidence, weighed with what the width suggests, decides
(:func:`count_score`). ``source`` is a path, the bytes of an image file, a PIL
image or an array of 0-255 values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from digitnet import prepare
from digitnet.model import Network
from digitnet.segment import check_count, segment_groups

#: A number may be written small in a wide photo: keep more pixels than for one digit.
NUMBER_WORKING_SIDE = 1024
#: How far a group's width is trusted to tell its count of digits, in digit widths
#: (the standard deviation of the Gaussian prior in :func:`count_score`).
COUNT_SPREAD = 0.5


@dataclass
class DigitReading:
    """One digit read. image: (28, 28) uint8, ink bright, what the network saw;
    probabilities: (10,) float64 summing to 1; box: (top, left, bottom, right) of the
    digit in the working image (None for a single digit read whole)."""

    digit: int
    probabilities: np.ndarray
    image: np.ndarray
    box: tuple[int, int, int, int] | None = None

    @property
    def confidence(self) -> float:
        """The probability of the digit read."""
        return float(self.probabilities[self.digit])

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most probable digits with their probabilities, most probable first."""
        order = np.argsort(-self.probabilities, kind="stable")[:k]
        return [(int(d), float(self.probabilities[d])) for d in order]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "digit": self.digit,
            "confidence": round(self.confidence, 6),
            "probabilities": [round(float(p), 6) for p in self.probabilities],
        }
        if self.box is not None:
            out["box"] = list(self.box)
        return out


@dataclass
class NumberReading:
    """A row of digits read left to right; ``number`` is their string, e.g. ``"2024"``."""

    digits: list[DigitReading] = field(default_factory=list)
    working_shape: tuple[int, int] = (0, 0)

    @property
    def number(self) -> str:
        return "".join(str(d.digit) for d in self.digits)

    @property
    def confidence(self) -> float:
        """The probability that every digit is right, if the digits' errors are independent."""
        return float(np.prod([d.confidence for d in self.digits]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "confidence": round(self.confidence, 6),
            "digits": [d.as_dict() for d in self.digits],
        }


def classify(images: np.ndarray, model: Network) -> list[tuple[int, np.ndarray]]:
    """images: (n, 28, 28) uint8, ink bright. Returns (digit, (10,) probabilities) for each."""
    proba = model.predict_proba(images)
    return [(int(np.argmax(p)), p) for p in proba]


def read_digit(
    source: prepare.Source, model: Network, normalize_stroke: bool = True, name: str | None = None
) -> DigitReading:
    """Read the one digit in ``source`` (the whole image is taken as one digit).

    ``name`` names the source in error messages. Raises
    :class:`~digitnet.errors.ImageError` for an unreadable image and
    :class:`~digitnet.errors.NoDigitError` for a blank one.
    """
    image = prepare.prepare_digit(source, normalize_stroke=normalize_stroke, name=name)
    ((digit, proba),) = classify(image[None], model)
    return DigitReading(digit, proba, image)


def count_score(confidences: np.ndarray, width_in_digits: float) -> float:
    """How well reading a group as ``len(confidences)`` digits explains it: a log-probability.

    confidences: (n,) the network's probability of the digit it read in each part.
    The parts' log-probabilities are summed (each digit must be read, and more
    parts must each earn their place), plus a Gaussian log prior on the count
    around the group's width measured in digit widths, with COUNT_SPREAD.
    """
    n = len(confidences)
    fit = float(np.sum(np.log(np.maximum(confidences, 1e-12))))
    return fit - (n - width_in_digits) ** 2 / (2 * COUNT_SPREAD**2)


def read_number(
    source: prepare.Source, model: Network, normalize_stroke: bool = True, name: str | None = None
) -> NumberReading:
    """Read the digits written in one row in ``source``, left to right.

    Raises :class:`~digitnet.errors.ImageError` for an unreadable image and
    :class:`~digitnet.errors.NoDigitError` if no digit is found.
    """
    ink = prepare.ink_image(source, working_side=NUMBER_WORKING_SIDE, name=name)
    groups = segment_groups(ink)
    check_count(len(groups))
    # Every way of cutting every group, all read in one forward pass.
    options = [(g, group.split(n)) for g, group in enumerate(groups) for n in group.counts()]
    segments = [segment for _, parts in options for segment in parts]
    images = np.stack([prepare.mnist_from_ink(s.ink, normalize_stroke) for s in segments])
    read = iter(
        DigitReading(digit, proba, image, segment.box)
        for (digit, proba), image, segment in zip(
            classify(images, model), images, segments, strict=True
        )
    )
    best: list[tuple[float, list[DigitReading]]] = [(-np.inf, [])] * len(groups)
    for g, parts in options:
        readings = [next(read) for _ in parts]
        confidences = np.array([r.confidence for r in readings])
        score = count_score(confidences, groups[g].width_in_digits)
        if score > best[g][0]:
            best[g] = (score, readings)
    digits = [reading for _, readings in best for reading in readings]
    check_count(len(digits))
    return NumberReading(digits, ink.shape)
