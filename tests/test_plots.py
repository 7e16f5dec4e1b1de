"""Every picture is drawn headless (Agg) from small hand-made data and models."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import matplotlib
import numpy as np
import pytest
from PIL import Image

from digitnet import plots
from digitnet.errors import DigitnetError
from digitnet.evaluate import metrics

from .conftest import bar_digits

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    labels = np.tile(np.arange(10, dtype=np.uint8), 6)
    return bar_digits(labels, noise=40), labels


def assert_size(image: Image.Image, fig, dpi: float) -> None:
    """A PNG is the figure's size times dpi (matplotlib drops the fraction of a pixel)."""
    width, height = fig.get_size_inches() * dpi
    assert abs(image.size[0] - width) < 1 and abs(image.size[1] - height) < 1, image.size


def history_minibatch(epochs: int = 4, batches: int = 5, val: bool = True) -> dict:
    batch_loss = [2.3 * math.exp(-i / 6) + 0.05 for i in range(epochs * batches)]
    rows = []
    for e in range(1, epochs + 1):
        row = {"epoch": e, "train_loss": 2.0 / e, "lr": 0.1, "seconds": 0.5}
        if val:
            row |= {"val_loss": 2.2 / e, "val_accuracy": 0.5 + 0.1 * e}
        rows.append(row)
    return {"batch_loss": batch_loss, "epochs": rows}


def all_figures(images: np.ndarray, labels: np.ndarray) -> dict:
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(10), size=len(labels))
    predicted = proba.argmax(axis=1)
    result = metrics(labels.astype(np.int64), predicted)
    return {
        "digit_grid": plots.digit_grid(images[:20], labels[:20]),
        "digit_grid_model": plots.digit_grid(images[:20], labels[:20], predicted[:20]),
        "mean_digits": plots.mean_digits(images, labels),
        "confident_mistakes": plots.confident_mistakes(images, labels, proba),
        "cost_full_batch": plots.cost_curve({"costs": [7.0, 3.0, 5.0, 1.0, 0.5]}, "tnc"),
        "cost_minibatch": plots.cost_curve(history_minibatch(), "sgd"),
        "confusion": plots.confusion_heatmap(result["confusion"]),
        "class_accuracy": plots.class_accuracy({"train": result, "test": result}),
        "hidden_weights": plots.hidden_weights(rng.normal(size=(12, 785))),
    }


# --- choosing digits --------------------------------------------------------------------


def test_the_seed_grid_is_5_rows_by_4_columns():
    assert plots.grid_shape(20) == (5, 4)


def test_pick_digits_is_distinct_reproducible_and_can_keep_one_digit(digits):
    _, labels = digits
    first = plots.pick_digits(labels, 20, seed=7)
    assert len(set(first.tolist())) == 20
    assert np.array_equal(first, plots.pick_digits(labels, 20, seed=7))
    assert not np.array_equal(first, plots.pick_digits(labels, 20, seed=8))
    threes = plots.pick_digits(labels, 6, digit=3, seed=0)
    assert set(labels[threes].tolist()) == {3}


@pytest.mark.parametrize(
    ("count", "digit", "message"),
    [(0, None, "count must be 1"), (5, 11, "digit must be 0-9"), (7, 3, "only 6")],
)
def test_pick_digits_refuses_what_it_cannot_do(digits, count, digit, message):
    _, labels = digits
    with pytest.raises(DigitnetError, match=message):
        plots.pick_digits(labels, count, digit, seed=0)


# --- the figures ------------------------------------------------------------------------


def test_digit_grid_titles_each_digit_with_its_label(digits):
    images, labels = digits
    fig = plots.digit_grid(images[:20], labels[:20])
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 20
    assert all(ax.get_subplotspec().get_geometry()[:2] == (5, 4) for ax in shown)
    assert [ax.get_title() for ax in shown] == [str(d) for d in labels[:20]]
    assert np.array_equal(shown[3].images[0].get_array(), images[3])


def test_digit_grid_marks_right_and_wrong_answers_by_colour_and_sign(digits):
    images, labels = digits
    predicted = labels[:8].astype(np.int64).copy()
    predicted[[1, 5]] = (predicted[[1, 5]] + 1) % 10
    fig = plots.digit_grid(images[:8], labels[:8], predicted)
    titles = [ax.title for ax in fig.axes if ax.images]
    for i, title in enumerate(titles):
        wrong = i in (1, 5)
        assert title.get_text().endswith(plots.WRONG_MARK if wrong else plots.RIGHT_MARK)
        assert f"{labels[i]} \u2192 {predicted[i]}" in title.get_text()
        colour = matplotlib.colors.to_hex(title.get_color())
        assert colour == (plots.WRONG if wrong else plots.RIGHT).lower()


def test_cost_curve_full_batch_draws_every_evaluation_and_the_lowest_so_far():
    costs = [7.0, 3.0, float("nan"), 5.0, 1.0, 2.0]
    fig = plots.cost_curve({"costs": costs}, "tnc")
    (ax,) = fig.axes
    each, lowest = (line.get_ydata() for line in ax.get_lines()[:2])
    assert np.allclose(each, costs, equal_nan=True)
    assert np.allclose(lowest, [7, 3, 3, 3, 1, 1])
    assert "TNC" in ax.get_title(loc="left")


def test_cost_curve_cuts_off_line_search_trials_far_above_the_start():
    fig = plots.cost_curve({"costs": [7.0, 3.0, 900.0, 1.0, 0.5]})
    ax = fig.axes[0]
    assert ax.get_ylim()[1] == pytest.approx(1.5 * 7.0)
    assert "cut off" in ax.get_legend().get_texts()[0].get_text()
    uncut = plots.cost_curve({"costs": [7.0, 3.0, 9.0, 1.0, 0.5]}).axes[0]
    assert "cut off" not in uncut.get_legend().get_texts()[0].get_text()
    assert uncut.get_ylim()[1] > 9.0


@pytest.mark.parametrize(
    ("probability", "text"), [(0.5, "50%"), (0.994, "99%"), (0.996, "99.6%"), (0.9999, ">99.9%")]
)
def test_confidence_of_a_mistake_never_reads_100_percent(probability, text):
    assert plots._sure(probability) == text


def test_cost_curve_minibatch_puts_validation_accuracy_on_a_second_axis():
    history = history_minibatch(epochs=4, batches=5)
    fig = plots.cost_curve(history)
    loss_ax, acc_ax = fig.axes
    batch = loss_ax.get_lines()[0]
    assert len(batch.get_xdata()) == 20
    assert batch.get_xdata()[-1] == pytest.approx(4.0)  # batches spread over the 4 epochs
    accuracy = acc_ax.get_lines()[0].get_ydata()
    assert np.allclose(accuracy, [60, 70, 80, 90])
    assert "accuracy" in acc_ax.get_ylabel()


def test_cost_curve_minibatch_without_validation_or_epochs():
    no_val = plots.cost_curve(history_minibatch(val=False))
    assert len(no_val.axes) == 1
    only_batches = plots.cost_curve({"batch_loss": [1.0, 0.8, 0.5]})
    assert only_batches.axes[0].get_xlabel() == "batch"


@pytest.mark.parametrize("history", [{}, {"costs": []}, {"costs": [float("nan")]}])
def test_cost_curve_without_history_says_so(history):
    with pytest.raises(DigitnetError, match="no training history"):
        plots.cost_curve(history)


def test_confusion_heatmap_writes_every_nonzero_count():
    conf = np.diag([5, 1200, 7, 0, 0, 0, 0, 0, 0, 3])
    conf[0, 1] = 2
    fig = plots.confusion_heatmap(conf, "Test set")
    ax = fig.axes[0]
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(["5", "1200", "7", "3", "2"])
    assert "2 of 1,217 wrong" in ax.get_title(loc="left")


def test_confident_mistakes_shows_the_surest_wrong_answers_first(digits):
    images, labels = digits
    proba = np.full((len(labels), 10), 0.01)
    proba[np.arange(len(labels)), labels] = 0.91  # right, except:
    for i, (said, sure) in enumerate([(1, 0.6), (2, 0.95), (3, 0.7)]):
        proba[i] = (1 - sure) / 9
        proba[i, (labels[i] + said) % 10] = sure
    fig = plots.confident_mistakes(images, labels, proba, count=2)
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert titles == [
        f"is {labels[1]}, said {(labels[1] + 2) % 10}\n95% sure",
        f"is {labels[2]}, said {(labels[2] + 3) % 10}\n70% sure",
    ]
    assert "2 most confident of 3 mistakes" in fig.texts[0].get_text()


def test_confident_mistakes_with_none_says_so(digits):
    images, labels = digits
    proba = np.eye(10)[labels]
    fig = plots.confident_mistakes(images, labels, proba)
    assert "No mistakes" in fig.axes[0].texts[0].get_text()


def test_weight_mosaic_lays_out_each_unit_on_its_own_scale():
    rng = np.random.default_rng(0)
    theta1 = rng.normal(size=(8, 785))
    mosaic = plots.weight_mosaic(theta1, pad=2)
    rows, cols = plots._mosaic_shape(8)
    assert (rows, cols) == (2, 4)
    assert mosaic.shape == (2 * 30 + 2, 4 * 30 + 2)
    tile = mosaic[2 + 30 : 2 + 30 + 28, 2 + 60 : 2 + 60 + 28]  # unit 6: row 1, column 2
    weights = theta1[6, 1:].reshape(28, 28)
    assert np.allclose(tile, weights / np.abs(weights).max())
    assert np.isnan(mosaic[0]).all()


def test_weight_image_has_one_pixel_per_weight_coloured_by_sign():
    theta1 = np.zeros((8, 785))
    theta1[0, 1] = 1.0  # unit 0, pixel (0, 0): positive
    theta1[0, 2] = -1.0  # unit 0, pixel (0, 1): negative
    image = plots.weight_image(theta1)
    assert image.size == (4 * 30 + 2, 2 * 30 + 2)
    red, _, blue = image.getpixel((2, 2))
    assert red > blue + 50
    red, _, blue = image.getpixel((3, 2))
    assert blue > red + 50


def test_hidden_weights_refuses_a_first_layer_that_is_not_28_by_28():
    with pytest.raises(DigitnetError, match="785"):
        plots.hidden_weights(np.zeros((4, 101)))


def test_mean_digits_shows_each_digits_average(digits):
    images, labels = digits
    fig = plots.mean_digits(images, labels)
    seven = fig.axes[7].images[0].get_array()
    assert np.allclose(seven, images[labels == 7].mean(axis=0))
    assert fig.axes[7].get_title() == "7  (6)"


def test_class_accuracy_places_each_digit_at_its_recall():
    labels = np.repeat(np.arange(10), 4)
    predicted = labels.copy()
    predicted[0] = 1  # one of the four zeros wrong: 75%
    result = metrics(labels, predicted)
    fig = plots.class_accuracy({"test": result})
    markers = fig.axes[0].get_lines()[0]
    assert np.allclose(markers.get_xdata(), [75] + [100] * 9)
    assert np.allclose(markers.get_ydata(), range(10))


@pytest.mark.parametrize(
    "bad",
    [np.zeros((3, 27, 28), np.uint8), np.full((2, 28, 28), 300, np.int64), np.full((2, 784), 2.0)],
)
def test_images_that_are_not_digits_are_refused(bad):
    with pytest.raises(DigitnetError):
        plots.digit_grid(bad)


# --- files ------------------------------------------------------------------------------


def test_every_plot_saves_as_a_valid_png_of_its_size_and_as_svg(digits, tmp_path):
    for name, fig in all_figures(*digits).items():
        png = plots.save_figure(fig, tmp_path / f"{name}.png", dpi=40)
        with Image.open(png) as image:
            image.verify()
        with Image.open(png) as image:
            assert image.format == "PNG"
            assert_size(image, fig, 40)
        svg = plots.save_figure(fig, tmp_path / f"{name}.svg")
        root = ET.parse(svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", name
        width_pt = float(root.get("width").removesuffix("pt"))
        assert width_pt == pytest.approx(fig.get_size_inches()[0] * 72, abs=0.1)
    assert not list(tmp_path.glob(".*.part"))  # no temporary files left behind


def test_palette_png_is_smaller_and_the_same_size(digits):
    fig = all_figures(*digits)["hidden_weights"]
    full = plots.figure_bytes(fig, "png", 60)
    small = plots.figure_bytes(fig, "png", 60, palette=True)
    assert len(small) < len(full)
    from io import BytesIO

    with Image.open(BytesIO(small)) as image:
        assert image.mode == "P"
        assert_size(image, fig, 60)


def test_save_figure_refuses_an_unknown_picture_type(digits, tmp_path):
    fig = plots.mean_digits(*digits)
    with pytest.raises(DigitnetError, match=r"\.png or \.svg"):
        plots.save_figure(fig, tmp_path / "means.jpg")
    assert not list(tmp_path.iterdir())
