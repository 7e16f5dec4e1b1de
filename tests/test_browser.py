"""End to end: the page in a real headless Chromium, digits drawn as mouse strokes.

Debian's chromium at /usr/bin/chromium, driven by Playwright's sync API (its own
browser download cannot work offline). Locally the tests skip, with the reason,
if chromium or Playwright is missing; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import digitnet
from tests._strokes import STROKES, render

CHROMIUM = "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def screenshot(page, name: str, tmp_path: Path) -> None:
    """Take a screenshot of the page; it replaces docs/<name> (the README's pictures)
    only when DIGITNET_UPDATE_SCREENSHOTS=1, so that test runs leave the tree clean."""
    path = tmp_path / name
    page.screenshot(path=str(path))
    assert Image.open(path).size[0] > 500
    if os.environ.get("DIGITNET_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / name)


def _require_browser() -> None:
    missing = None
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        missing = f"chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "Playwright for Python is not installed (pip install playwright)"
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {missing}")
    pytest.skip(missing)


@pytest.fixture(scope="module")
def server_url(trained_model: digitnet.Network) -> Iterator[str]:
    import uvicorn

    from digitnet.server import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(trained_model, "test-model.npz"),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start within 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url: str):
    context = browser.new_context(viewport={"width": 980, "height": 720})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server_url)
    page.wait_for_selector("[data-testid=canvas]")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def draw(page, digit: int, box: tuple[float, float, float, float] = (0.15, 0.1, 0.85, 0.9)) -> None:
    """Replay ``digit``'s strokes as mouse drags on the canvas; ``box`` is the part of the
    canvas (fractions: left, top, right, bottom) the digit fills."""
    canvas = page.get_by_test_id("canvas").bounding_box()
    left = canvas["x"] + box[0] * canvas["width"]
    top = canvas["y"] + box[1] * canvas["height"]
    width = (box[2] - box[0]) * canvas["width"]
    height = (box[3] - box[1]) * canvas["height"]
    for stroke in STROKES[digit]:
        points = [(left + x * width, top + y * height) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for a, b in zip(points[:-1], points[1:], strict=True):
            page.mouse.move(*b, steps=max(1, int(np.hypot(b[0] - a[0], b[1] - a[1]) // 8)))
        page.mouse.up()


def shown(page) -> str:
    """The prediction once the page has settled: the same text twice, 300 ms apart."""
    prediction = page.get_by_test_id("prediction")
    last = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = prediction.inner_text()
        if text == last and text != "\u2013":
            return text
        last = text
        page.wait_for_timeout(300)
    return prediction.inner_text()


def test_every_drawn_digit_is_read(page, tmp_path: Path) -> None:
    for digit in range(10):
        page.get_by_test_id("clear").click()
        assert page.get_by_test_id("prediction").inner_text() == "\u2013"
        draw(page, digit)
        assert shown(page) == str(digit), f"drew a {digit}"
        if digit == 7:
            screenshot(page, "page-digit.png", tmp_path)


def test_the_page_shows_bars_and_the_network_input(page) -> None:
    draw(page, 3)
    assert shown(page) == "3"
    bars = page.get_by_test_id("bars")
    assert bars.locator(".bar").count() == 10
    inputs = page.get_by_test_id("inputs").locator("canvas")
    assert inputs.count() == 1
    # The preview is the 28x28 image itself, drawn bright on black like MNIST.
    assert page.evaluate(
        "() => { const c = document.querySelector('#inputs canvas'); return [c.width, c.height]; }"
    ) == [28, 28]


def test_undo_and_clear(page) -> None:
    draw(page, 1)
    assert shown(page) == "1"
    page.get_by_test_id("undo").click()
    assert page.get_by_test_id("prediction").inner_text() == "\u2013"
    draw(page, 7)
    assert shown(page) == "7"
    page.get_by_test_id("clear").click()
    assert page.get_by_test_id("prediction").inner_text() == "\u2013"
    assert page.get_by_test_id("bars").locator(".bar").count() == 0


def test_number_mode_reads_digits_drawn_in_a_row(page, tmp_path: Path) -> None:
    page.get_by_test_id("mode-number").click()
    for i, digit in enumerate((2, 0, 4)):
        draw(page, digit, (0.06 + 0.3 * i, 0.12, 0.28 + 0.3 * i, 0.88))
    assert shown(page) == "204"
    assert page.get_by_test_id("inputs").locator("canvas").count() == 3
    screenshot(page, "page-number.png", tmp_path)


def test_an_uploaded_photo_is_read(page, tmp_path: Path) -> None:
    # A 5 in blue ink on a grey, unevenly lit sheet, as a JPEG.
    ink = np.asarray(render(5, size=(400, 300), width=14, box=(140, 40, 300, 260)), np.float32)
    light = np.linspace(150, 230, 400)[None, :] * np.ones((300, 1))
    grey = np.where(ink < 128, 40, light)
    rgb = np.stack([grey * 0.8, grey * 0.85, np.minimum(grey * 1.1, 255)], axis=-1)
    photo = tmp_path / "five.jpg"
    Image.fromarray(rgb.astype(np.uint8)).save(photo, quality=85)
    page.get_by_test_id("file").set_input_files(str(photo))
    assert shown(page) == "5"


def test_a_file_that_is_not_an_image_gets_a_message(page, tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not a picture")
    page.get_by_test_id("file").set_input_files(str(bad))
    message = page.get_by_test_id("message")
    message.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('#message').textContent.length > 0")
    assert "not an image" in message.inner_text()
    assert page.get_by_test_id("prediction").inner_text() == "\u2013"


def test_png_bytes_helper_is_a_real_png() -> None:
    buffer = io.BytesIO()
    render(4).save(buffer, "PNG")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
