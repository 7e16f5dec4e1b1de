"""Cutting an image of a number (digits written in a row) into one image per digit.

Works on an ink image ((H, W) float, background 0, ink bright: what
:func:`digitnet.prepare.ink_image` returns) in three steps:

1. :func:`pieces` -- connected components of the ink (8-connected), each with its
   bounding box.
2. :func:`group_pieces` -- pieces that belong to one digit are joined: pieces that
   overlap a lot in x (the detached bar of a 5, a broken loop), and fragments much
   shorter than the row that lie close to a neighbour (a broken stroke's tail).
3. :func:`split_touching` -- a group much wider than tall is several touching
   digits; it is cut at the columns with the least ink, near where equal-width
   digits would meet (the gap in the column profile).

:func:`segment_digits` applies all three and returns the digits left to right,
each as an ink image holding only that digit's pixels. Width alone cannot always
tell two touching digits from one broad digit; :func:`segment_groups` stops before
step 3 and gives each group with the counts of digits its width allows
(:meth:`Group.counts`), so that a reader can let the network judge each way of
cutting it (:func:`digitnet.reading.read_number` does).

What it does not try: several rows of digits, slanted baselines, digits that
overlap in x without touching (each is read as one digit), or letters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from digitnet.errors import NoDigitError

#: Two pieces overlapping in x by at least this fraction of the narrower one are one digit.
OVERLAP = 0.5
#: A group shorter than this fraction of the row's height is a fragment of a neighbour...
FRAGMENT_HEIGHT = 0.5
#: ...when its horizontal gap to that neighbour is below this fraction of the row height;
GAP_TO_JOIN = 0.35
#: a lone fragment shorter than this fraction of the row height is dropped (a dot, a dash).
MIN_HEIGHT = 0.25
#: A group wider than this many times its height is taken for touching digits.
WIDE = 1.2
#: ...or at least this many times the width of one digit.
SEVERAL = 1.7
#: One digit is at least this fraction of the row height wide, for the estimate of a
#: digit's width (a 1 is narrower, but a row of 1s must not make a 0 look like two digits).
MIN_DIGIT_WIDTH = 0.55
#: Most digits in one image; more is not a number but noise or text.
MAX_DIGITS = 64
#: A group may hold n digits if n is less than this many digit widths from its width.
COUNT_SLACK = 1.0


@dataclass
class Segment:
    """One digit's ink. box: (top, left, bottom, right) in the ink image, exclusive ends;
    ink: (bottom - top, right - left) float32, background 0, only this digit's pixels."""

    box: tuple[int, int, int, int]
    ink: np.ndarray


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def pieces(ink: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Connected components of ``ink > 0`` (8-connected).

    ink: (H, W). Returns the (H, W) int32 label image (0 background, i + 1 for
    piece i) and each piece's box (top, left, bottom, right).
    """
    labels, count = ndimage.label(ink > 0, structure=np.ones((3, 3)))
    boxes = [
        (sl[0].start, sl[1].start, sl[0].stop, sl[1].stop)
        for sl in ndimage.find_objects(labels, count)
    ]
    return labels, boxes


def group_pieces(boxes: list[tuple[int, int, int, int]]) -> list[list[int]]:
    """Join the pieces that form one digit; returns groups of piece indices, left to right.

    boxes: (top, left, bottom, right) per piece. First, pieces overlapping in x by
    at least OVERLAP of the narrower are joined (repeatedly, as groups grow). Then
    groups shorter than FRAGMENT_HEIGHT of the tallest join their nearest neighbour
    if it is within GAP_TO_JOIN of the tallest's height, and are dropped if they are
    also shorter than MIN_HEIGHT of it.
    """
    groups = [([i], box) for i, box in enumerate(boxes)]
    merged = True
    while merged:
        merged = False
        groups.sort(key=lambda g: g[1][1])
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                box_a, box_b = groups[a][1], groups[b][1]
                overlap = min(box_a[3], box_b[3]) - max(box_a[1], box_b[1])
                narrower = min(box_a[3] - box_a[1], box_b[3] - box_b[1])
                if overlap >= OVERLAP * narrower:
                    groups[a] = (groups[a][0] + groups[b][0], _union(box_a, box_b))
                    del groups[b]
                    merged = True
                    break
            if merged:
                break
    if not groups:
        return []
    row_height = max(box[2] - box[0] for _, box in groups)
    changed = True
    while changed and len(groups) > 1:
        changed = False
        for a, (members, box) in enumerate(groups):
            if box[2] - box[0] >= FRAGMENT_HEIGHT * row_height:
                continue
            gaps = [
                (max(0, other[1] - box[3], box[1] - other[3]), b)
                for b, (_, other) in enumerate(groups)
                if b != a
            ]
            gap, nearest = min(gaps)
            if gap <= GAP_TO_JOIN * row_height:
                target_members, target_box = groups[nearest]
                groups[nearest] = (target_members + members, _union(target_box, box))
                del groups[a]
                changed = True
                break
    groups = [g for g in groups if g[1][2] - g[1][0] >= MIN_HEIGHT * row_height]
    groups.sort(key=lambda g: g[1][1])
    return [sorted(members) for members, _ in groups]


def split_columns(profile: np.ndarray, n: int) -> list[int]:
    """Where to cut a run of ``n`` touching digits, given its column profile.

    profile: (W,) ink per column. Cut k (1 <= k < n) is the column with the least
    ink within a quarter of a digit's width of k * W / n (the nearest such column on
    ties). Returns n - 1 increasing column indices in 1..W-1.
    """
    width = len(profile)
    digit = width / n
    cuts = []
    for k in range(1, n):
        centre = k * digit
        lo = max(1, int(round(centre - digit / 4)))
        hi = min(width - 1, int(round(centre + digit / 4)) + 1)
        if hi <= lo:
            continue
        window = profile[lo:hi]
        candidates = np.flatnonzero(window == window.min()) + lo
        cut = int(candidates[np.argmin(np.abs(candidates - centre))])
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
    return cuts


def geometric_count(shape: tuple[int, int], digit_width: float) -> int:
    """How many digits a group of ink of ``shape`` (h, w) holds, judged by its width alone.

    Several if it is more than WIDE times as wide as tall, or at least SEVERAL times
    ``digit_width``: then ``round(w / digit_width)``, at least 2. Else one.
    """
    h, w = shape
    if w <= WIDE * h and w < SEVERAL * digit_width:
        return 1
    return max(2, int(round(w / max(digit_width, 1.0))))


def column_ranges(ink: np.ndarray, n: int) -> list[tuple[int, int]]:
    """Column ranges [(start, stop), ...] cutting ``ink`` ((h, w), background 0) into
    ``n`` digits at the gaps in its column profile (:func:`split_columns`)."""
    w = ink.shape[1]
    if n <= 1:
        return [(0, w)]
    edges = [0, *split_columns((ink > 0).sum(axis=0), n), w]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def split_touching(ink: np.ndarray, digit_width: float) -> list[tuple[int, int]]:
    """Column ranges of the digits in a group ((h, w) ink, background 0), left to right,
    as many as :func:`geometric_count` says."""
    return column_ranges(ink, geometric_count(ink.shape, digit_width))


@dataclass
class Group:
    """Ink that is one digit or several touching ones. box: (top, left, bottom, right)
    in the ink image; ink: only this group's pixels; digit_width: one digit's width in
    this image (estimated from the whole row)."""

    box: tuple[int, int, int, int]
    ink: np.ndarray
    digit_width: float

    @property
    def width_in_digits(self) -> float:
        """The group's width in digit widths (1.6: one broad digit, or two narrow ones)."""
        return self.ink.shape[1] / max(self.digit_width, 1.0)

    def counts(self) -> list[int]:
        """The counts of digits this group may hold, most likely by its width first.

        :func:`geometric_count`, then any other count n >= 1 less than COUNT_SLACK
        digit widths from the group's width (a group 1.6 digits wide may be one
        broad digit or two touching ones).
        """
        best = geometric_count(self.ink.shape, self.digit_width)
        width = self.width_in_digits
        others = [n for n in (best - 1, best + 1) if n >= 1 and abs(n - width) < COUNT_SLACK]
        return [best, *others]

    def split(self, n: int) -> list[Segment]:
        """The group cut into ``n`` digits (fewer if a cut finds no room), left to right."""
        top, left = self.box[0], self.box[1]
        segments = []
        for start, stop in column_ranges(self.ink, n):
            part = self.ink[:, start:stop]
            rows = np.flatnonzero(part.max(axis=1) > 0)
            if rows.size == 0:
                continue
            r0, r1 = int(rows[0]), int(rows[-1]) + 1
            segments.append(Segment((top + r0, left + start, top + r1, left + stop), part[r0:r1]))
        return segments


def segment_groups(ink: np.ndarray) -> list[Group]:
    """Steps 1 and 2: the groups of ink of a one-row number, left to right.

    ink: (H, W) float, background 0, ink bright. Raises :class:`NoDigitError` if
    there is no ink.
    """
    labels, boxes = pieces(ink)
    groups = group_pieces(boxes)
    if not groups:
        raise NoDigitError("no digit found: the image holds no ink")
    group_boxes = []
    for members in groups:
        box = boxes[members[0]]
        for i in members[1:]:
            box = _union(box, boxes[i])
        group_boxes.append(box)
    # A lone digit is rarely wider than tall; the median width of those that are not
    # says how wide one digit is here, but never less than MIN_DIGIT_WIDTH of the height.
    narrow = [b[3] - b[1] for b in group_boxes if b[3] - b[1] <= WIDE * (b[2] - b[0])]
    least = MIN_DIGIT_WIDTH * float(np.median([b[2] - b[0] for b in group_boxes]))
    digit_width = max(float(np.median(narrow)) if narrow else 0.0, least)
    out = []
    for members, (top, left, bottom, right) in zip(groups, group_boxes, strict=True):
        region = labels[top:bottom, left:right]
        own = np.isin(region, np.asarray(members) + 1)
        group_ink = np.where(own, ink[top:bottom, left:right], 0).astype(np.float32)
        out.append(Group((top, left, bottom, right), group_ink, digit_width))
    return out


def check_count(count: int) -> None:
    """Raise :class:`NoDigitError` if ``count`` marks are too many to be one number."""
    if count > MAX_DIGITS:
        raise NoDigitError(
            f"found {count} separate marks, more than {MAX_DIGITS} digits: "
            "this does not look like a number written in one row"
        )


def segment_digits(ink: np.ndarray) -> list[Segment]:
    """The digits of a one-row number, left to right, each group cut by its width alone.

    ink: (H, W) float, background 0, ink bright. Raises :class:`NoDigitError` if
    there is no ink, or more than MAX_DIGITS digits.
    """
    segments = [
        segment
        for group in segment_groups(ink)
        for segment in group.split(geometric_count(group.ink.shape, group.digit_width))
    ]
    check_count(len(segments))
    return segments
