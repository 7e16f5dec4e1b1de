"""The JSON API through FastAPI's TestClient: good requests, and every bad one a 4xx JSON."""

from __future__ import annotations

import io
import re
import struct
import zlib

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from digitnet.server import MAX_UPLOAD_BYTES, create_app
from tests._strokes import render


@pytest.fixture(scope="module")
def client(trained_model) -> TestClient:
    # raise_server_exceptions=False: an unhandled error must show as the 500 a user gets.
    return TestClient(create_app(trained_model, "model.npz"), raise_server_exceptions=False)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def upload(data: bytes, name: str = "digit.png", kind: str = "image/png") -> dict:
    return {"files": {"file": (name, data, kind)}}


def test_health_and_model(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    model = client.get("/api/model").json()
    assert model["sizes"] == [784, 128, 10]
    assert model["parameters"] == 784 * 128 + 128 + 128 * 10 + 10
    assert model["activation"] == "sigmoid"


def test_page_static_files_and_docs(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for testid in ("canvas", "prediction", "clear"):
        assert f'data-testid="{testid}"' in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/predict", "/api/read-number", "/api/model", "/healthz"} <= set(paths)


def test_predict_an_uploaded_image(client) -> None:
    response = client.post("/api/predict", **upload(png(render(7))))
    assert response.status_code == 200
    body = response.json()
    assert body["digit"] == 7
    assert len(body["probabilities"]) == 10 and abs(sum(body["probabilities"]) - 1) < 1e-5
    assert np.asarray(body["input"]).shape == (28, 28)


def test_predict_raw_image_body(client) -> None:
    response = client.post(
        "/api/predict", content=png(render(1)), headers={"content-type": "image/png"}
    )
    assert response.status_code == 200 and response.json()["digit"] == 1


def test_predict_mnist_pixels(client, digit_images) -> None:
    for digit in (0, 6):
        response = client.post("/api/predict", json={"pixels": digit_images[digit].tolist()})
        assert response.status_code == 200
        assert response.json()["digit"] == digit
        assert response.json()["input"] == digit_images[digit].tolist()


def test_read_number(client) -> None:
    sheet = Image.new("L", (420, 180), 255)
    for i, digit in enumerate((3, 0, 1)):
        left = 20 + 130 * i
        cell = render(digit, size=sheet.size, width=12, box=(left, 15, left + 110, 165))
        sheet = Image.fromarray(np.minimum(np.asarray(sheet), np.asarray(cell)))
    response = client.post("/api/read-number", **upload(png(sheet)))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "301"
    assert [d["digit"] for d in body["digits"]] == [3, 0, 1]
    assert all(np.asarray(d["input"]).shape == (28, 28) for d in body["digits"])


def _bomb() -> bytes:
    raw = png(Image.new("L", (1, 1), 0))
    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return raw[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + raw[33:]


def _chunks(data: bytes, size: int = 65536):
    for i in range(0, len(data), size):
        yield data[i : i + size]


BAD_PREDICT = {
    "not an image": (upload(b"hello, this is text", "notes.png"), 415, "not an image"),
    "empty file": (upload(b"", "empty.png"), 415, "empty"),
    "truncated png": (upload(png(render(2))[:200]), 422, "damaged or truncated"),
    "blank image": (upload(png(Image.new("L", (280, 280), 255))), 422, "no digit found"),
    "one pixel": (upload(png(Image.new("L", (1, 1), 0))), 422, "no digit found"),
    "decompression bomb": (upload(_bomb()), 413, "too large|limit"),
    "wrong field": ({"files": {"image": ("a.png", png(render(2)), "image/png")}}, 422, "'file'"),
    "form field not a file": ({"files": {"file": (None, "not a file")}}, 422, "'file'"),
    "form urlencoded": ({"data": {"file": "x"}}, 415, "content type"),
    "text body": ({"content": b"7", "headers": {"content-type": "text/plain"}}, 415, "content"),
    "no content type": ({"content": b"7"}, 415, "content type"),
    "bad json": (
        {"content": b"{pixels:", "headers": {"content-type": "application/json"}},
        400,
        "not valid JSON",
    ),
    "json without pixels": ({"json": {"image": []}}, 422, "pixels"),
    "json list": ({"json": [[0] * 28] * 28}, 422, "pixels"),
    "too few rows": ({"json": {"pixels": [[0] * 28] * 27}}, 422, "28 rows"),
    "short row": ({"json": {"pixels": [[0] * 28] * 27 + [[0] * 5]}}, 422, "row 27"),
    "out of range": ({"json": {"pixels": [[0] * 28] * 27 + [[0] * 27 + [256]]}}, 422, "0-255"),
    "negative": ({"json": {"pixels": [[-1] * 28] * 28}}, 422, "0-255"),
    "strings": ({"json": {"pixels": [["a"] * 28] * 28}}, 422, "numbers"),
    "booleans": ({"json": {"pixels": [[True] * 28] * 28}}, 422, "numbers"),
    "nulls": ({"json": {"pixels": [[None] * 28] * 28}}, 422, "numbers"),
    "too large by length": (
        upload(b"\x89PNG" + bytes(MAX_UPLOAD_BYTES + 10)), 413, "larger than 5 MB",
    ),
    "too large streamed": (
        {
            "content": _chunks(bytes(MAX_UPLOAD_BYTES + 70_000)),
            "headers": {"content-type": "image/png"},
        },
        413,
        "larger than 5 MB",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_PREDICT), ids=list(BAD_PREDICT))
def test_bad_input_to_predict_is_a_json_4xx(client, case) -> None:
    request, status, message = BAD_PREDICT[case]
    response = client.post("/api/predict", **request)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["error"], str) and "\n" not in body["error"]
    assert re.search(message, body["error"]), body["error"]


@pytest.mark.parametrize(
    "request_",
    [
        upload(b"not an image"),
        upload(png(Image.new("L", (400, 100), 255))),
        {"json": {"pixels": [[0] * 28] * 28}},
        {"content": b"", "headers": {"content-type": "image/png"}},
        upload(_bomb()),
    ],
    ids=["not-an-image", "blank", "json-is-not-for-numbers", "empty-body", "bomb"],
)
def test_bad_input_to_read_number_is_a_json_4xx(client, request_) -> None:
    response = client.post("/api/read-number", **request_)
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


def test_unknown_paths_and_methods_are_json(client) -> None:
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong = client.get("/api/predict")
    assert wrong.status_code == 405 and "error" in wrong.json()


def test_a_declared_oversize_upload_is_refused_before_it_is_read(trained_model) -> None:
    # A raw ASGI call: the app must answer 413 from the header alone, never asking for a body.
    import asyncio

    app = create_app(trained_model)
    sent: list[dict] = []

    async def receive() -> dict:
        raise AssertionError("the body was read")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/api/predict", "raw_path": b"/api/predict",
        "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
        "headers": [(b"content-length", str(MAX_UPLOAD_BYTES + 1).encode()),
                    (b"content-type", b"image/png")],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413


def test_the_page_links_to_the_model_report(client) -> None:
    assert 'href="/report"' in client.get("/").text
    first = client.get("/report")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/html")
    assert "784-128-10" in first.text and "<img" in first.text
    assert client.get("/report").text == first.text  # drawn once, then kept


def test_a_report_written_beside_the_model_is_served(trained_model, tmp_path) -> None:
    model_path = trained_model.save(tmp_path / "m.npz")
    (tmp_path / "m.html").write_text("<!doctype html><title>written by train</title>")
    client = TestClient(create_app(trained_model, str(model_path)))
    assert "written by train" in client.get("/report").text
