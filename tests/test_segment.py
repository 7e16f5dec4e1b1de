"""Cutting a row of digits apart: pieces, grouping, splitting touching digits."""

from __future__ import annotations

import numpy as np

from digitnet import segment


def bar(shape, top, left, bottom, right):
    ink = np.zeros(shape, np.float32)
    ink[top:bottom, left:right] = 255
    return ink


def test_pieces_are_8_connected_components() -> None:
    ink = np.zeros((10, 10), np.float32)
    ink[1, 1] = ink[2, 2] = 255  # touching diagonally: one piece
    ink[7, 7] = 255
    _, boxes = segment.pieces(ink)
    assert sorted(boxes) == [(1, 1, 3, 3), (7, 7, 8, 8)]


def test_pieces_overlapping_in_x_are_one_digit() -> None:
    # The detached top bar of a 5 over its body.
    boxes = [(0, 10, 4, 30), (6, 8, 40, 28), (0, 50, 40, 70)]
    assert segment.group_pieces(boxes) == [[0, 1], [2]]


def test_a_short_fragment_joins_its_nearest_neighbour() -> None:
    # A 7 whose stroke broke: the tail (short, beside it) belongs to it, not to the 1.
    boxes = [(0, 0, 40, 25), (30, 26, 40, 32), (0, 60, 40, 66)]
    assert segment.group_pieces(boxes) == [[0, 1], [2]]


def test_dots_far_from_any_digit_are_dropped() -> None:
    boxes = [(0, 0, 40, 20), (38, 200, 40, 202), (0, 40, 40, 60)]
    assert segment.group_pieces(boxes) == [[0], [2]]


def test_groups_come_left_to_right() -> None:
    boxes = [(0, 80, 40, 100), (0, 0, 40, 20), (0, 40, 40, 60)]
    assert segment.group_pieces(boxes) == [[1], [2], [0]]


def test_split_columns_finds_the_thinnest_join() -> None:
    profile = np.array([5, 5, 5, 5, 5, 1, 5, 5, 5, 5], float)
    assert segment.split_columns(profile, 2) == [5]
    # Ties: the column nearest where equal-width digits would meet.
    assert segment.split_columns(np.full(12, 3.0), 3) == [4, 8]


def test_touching_digits_are_split_at_the_gap_in_the_column_profile() -> None:
    # Two 20-wide "digits" joined by a thin bridge at columns 20-23.
    ink = bar((40, 44), 0, 0, 40, 20) + bar((40, 44), 0, 24, 40, 44) + bar((40, 44), 18, 20, 20, 24)
    ranges = segment.split_touching(ink, digit_width=20)
    assert len(ranges) == 2
    assert 20 <= ranges[0][1] <= 24


def test_a_single_wide_digit_is_not_split() -> None:
    assert segment.split_touching(bar((40, 44), 0, 0, 40, 44), digit_width=28) == [(0, 44)]


def test_segment_digits_keeps_only_each_digits_own_pixels() -> None:
    ink = bar((50, 100), 5, 5, 45, 25) + bar((50, 100), 5, 40, 45, 60)
    parts = segment.segment_digits(ink)
    assert [p.box for p in parts] == [(5, 5, 45, 25), (5, 40, 45, 60)]
    assert all(p.ink.shape == (40, 20) and p.ink.min() == 255 for p in parts)


def test_group_counts_start_with_the_width_rule_and_add_plausible_neighbours() -> None:
    def counts(h, w, digit_width):
        return segment.Group((0, 0, h, w), bar((h, w), 0, 0, h, w), digit_width).counts()

    assert counts(40, 30, 30) == [1]  # one digit's width: nothing else is plausible
    assert counts(40, 46, 30) == [1, 2]  # 1.5 digits wide, not wider than tall: one or two
    assert counts(40, 60, 40) == [2, 1]  # wider than tall: two first, or one broad digit
    assert counts(40, 130, 40) == [3, 4]  # 3.25 digits wide


def test_group_split_keeps_each_parts_own_rows_and_place() -> None:
    ink = (
        bar((40, 44), 10, 0, 40, 20) + bar((40, 44), 0, 24, 30, 44) + bar((40, 44), 18, 20, 20, 24)
    )
    parts = segment.Group((100, 200, 140, 244), ink, digit_width=20).split(2)
    # The cut goes through the middle of the thin bridge (columns 20-23).
    assert [p.box for p in parts] == [(110, 200, 140, 222), (100, 222, 130, 244)]
