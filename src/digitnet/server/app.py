"""The web page and JSON API: a thin FastAPI layer over :mod:`digitnet.reading`.

``create_app(model)`` takes a loaded :class:`~digitnet.Network`, so the model is
read once at start-up (and tests pass one in directly). Decoding, preparing and
classifying an image is CPU work, run in the thread pool so the event loop keeps
accepting requests while it happens.

Responses are built as ``JSONResponse`` directly: FastAPI's generic encoder would
spend longer walking the 28x28 list of the network's input than the network
spends reading it. Every error is JSON, ``{"error": "<one line>", "status": <code>}``: 413 for a
body over 5 MB (by its Content-Length, or by the bytes actually streamed when
it gives none or lies) and for images with too many pixels; 415 for data that
is not an image; 422 for a damaged image, a blank one ("no digit found") or
malformed fields; 400 for malformed JSON. Bad input never gets a 500.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import anyio
import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digitnet import __version__, reading
from digitnet.errors import (
    DigitnetError,
    ImageTooLargeError,
    NotAnImageError,
)
from digitnet.model import Network
from digitnet.report import render_report, report_path_for

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
STATIC = Path(__file__).with_name("static")


class ApiError(Exception):
    """A client error with its HTTP status, turned into a JSON response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with a JSON 413.

    The Content-Length header is checked first; then the body is read (at most
    ``limit`` bytes, whatever the header said) and replayed to the app, so a
    chunked or lying upload is cut off as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_UPLOAD_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = (
            f"the upload is larger than {self.limit // (1024 * 1024)} MB; send a smaller image"
        )
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _error(400, "the Content-Length header is not a number")(scope, receive, send)
                return
            if declared > self.limit:
                await _error(413, too_large)(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _error(413, too_large)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _status_of(exc: DigitnetError) -> int:
    if isinstance(exc, ImageTooLargeError):
        return 413
    if isinstance(exc, NotAnImageError):
        return 415
    return 422  # a damaged image, no digit found, bad pixel values


def pixels_from_json(payload: Any) -> np.ndarray:
    """``{"pixels": 28 rows of 28 numbers 0-255}`` -> (28, 28) uint8, ink bright."""
    if not isinstance(payload, dict) or "pixels" not in payload:
        raise ApiError(422, 'expected a JSON object {"pixels": [[...28 numbers], ...28 rows]}')
    rows = payload["pixels"]
    if not isinstance(rows, list) or len(rows) != 28:
        raise ApiError(422, "pixels must be a list of 28 rows")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != 28:
            raise ApiError(422, f"pixels row {i} must be a list of 28 numbers")
        for value in row:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ApiError(422, f"pixels row {i} holds {value!r}; expected numbers 0-255")
            if not (math.isfinite(value) and 0 <= value <= 255):
                raise ApiError(422, f"pixels row {i} holds {value!r}; values must lie in 0-255")
    return np.rint(np.asarray(rows, dtype=np.float64)).astype(np.uint8)


async def _upload(request: Request) -> tuple[bytes, str]:
    """The bytes of the multipart field ``file``, or of a raw image body, and a name
    for them in error messages."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        try:
            form = await request.form()
        except Exception as exc:  # noqa: BLE001 -- any parser failure is the client's malformed body
            raise ApiError(400, f"the multipart body cannot be parsed ({exc})") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(422, "send the image as a file in the multipart form field 'file'")
        data = await upload.read()
        await form.close()
        return data, f"the upload {upload.filename!r}" if upload.filename else "the upload"
    if content_type.startswith("image/") or content_type == "application/octet-stream":
        return await request.body(), "the request body"
    raise ApiError(
        415,
        f"unsupported content type {content_type or '(none)'!r}; send multipart/form-data "
        "with a 'file' field, or JSON {\"pixels\": ...}",
    )


def _with_input(result: dict[str, Any], image: np.ndarray) -> dict[str, Any]:
    return {**result, "input": image.tolist()}


def model_summary(model: Network, model_path: str | None) -> dict[str, Any]:
    """What GET /api/model says: architecture, training data and accuracy."""
    meta = model.metadata_
    training = meta.get("training", {})
    test = meta.get("metrics", {}).get("test", {})
    return {
        "file": Path(model_path).name if model_path else None,
        "sizes": list(model.sizes_),
        "activation": model.activation,
        "output": model.output,
        "parameters": int(model.params_.size),
        "data": meta.get("data"),
        "test_accuracy": test.get("accuracy"),
        "test_images": test.get("n"),
        "training": {
            key: training[key]
            for key in ("optimizer", "lambda", "n_evals", "n_train", "seconds")
            if key in training
        },
        "digitnet_version": meta.get("digitnet_version", __version__),
        "saved": meta.get("saved"),
    }


PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "pixels": {
                            "type": "array",
                            "description": "28 rows of 28 values 0-255, ink bright (MNIST)",
                            "items": {"type": "array", "items": {"type": "number"}},
                        }
                    },
                    "required": ["pixels"],
                }
            },
        },
    }
}
NUMBER_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": PREDICT_BODY["requestBody"]["content"]["multipart/form-data"]
        },
    }
}


def create_app(model: Network, model_path: str | None = None) -> FastAPI:
    """The FastAPI application serving ``model`` (loaded once, shared by all requests)."""
    app = FastAPI(
        title="digitnet",
        version=__version__,
        description="Read handwritten digits with a neural network written from scratch in NumPy.",
    )
    app.add_middleware(BodyLimit, limit=MAX_UPLOAD_BYTES)
    summary = model_summary(model, model_path)
    # CPU work runs in worker threads, at most one per core: more would only queue on
    # the interpreter lock, while the event loop keeps accepting and parsing requests.
    limiter = anyio.CapacityLimiter(os.cpu_count() or 1)

    async def run_in_threadpool(func: Any) -> Any:
        return await anyio.to_thread.run_sync(func, limiter=limiter)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.exception_handler(DigitnetError)
    async def digitnet_error(_: Request, exc: DigitnetError) -> JSONResponse:
        return _error(_status_of(exc), str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, f"invalid request: {where}: {first.get('msg', 'malformed')}")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error ({type(exc).__name__}); please report it")

    @app.get("/healthz", summary="Liveness check")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/model", summary="The model: architecture, training data, accuracy")
    def get_model() -> dict[str, Any]:
        return summary

    @app.post(
        "/api/predict",
        summary="Read one digit from an image file or from 28x28 MNIST pixels",
        openapi_extra=PREDICT_BODY,
    )
    async def predict(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            try:
                payload = json.loads(await request.body())
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, "the body is not valid JSON") from None
            pixels = pixels_from_json(payload)

            def classify_pixels() -> dict[str, Any]:
                ((digit, proba),) = reading.classify(pixels[None], model)
                return _with_input(reading.DigitReading(digit, proba, pixels).as_dict(), pixels)

            return JSONResponse(await run_in_threadpool(classify_pixels))
        data, name = await _upload(request)

        def read() -> dict[str, Any]:
            result = reading.read_digit(data, model, name=name)
            return _with_input(result.as_dict(), result.image)

        return JSONResponse(await run_in_threadpool(read))

    @app.post(
        "/api/read-number",
        summary="Read a number: several digits written in one row",
        openapi_extra=NUMBER_BODY,
    )
    async def read_number(request: Request) -> JSONResponse:
        data, name = await _upload(request)

        def read() -> dict[str, Any]:
            result = reading.read_number(data, model, name=name)
            out = result.as_dict()
            for entry, digit in zip(out["digits"], result.digits, strict=True):
                entry["input"] = digit.image.tolist()
            out["working_shape"] = list(result.working_shape)
            return out

        return JSONResponse(await run_in_threadpool(read))

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    rendered_report: dict[str, str] = {}

    @app.get("/report", summary="The model's HTML report", response_class=HTMLResponse)
    async def model_report() -> Response:
        # `digitnet train` writes the report beside the model; serve that while it is
        # current, else draw one from the metrics stored in the model file, once.
        if model_path is not None:
            written = report_path_for(model_path)
            model_file = Path(model_path)
            if (
                written.is_file()
                and model_file.is_file()
                and written.stat().st_mtime >= model_file.stat().st_mtime
            ):
                return FileResponse(written, media_type="text/html")
        if "html" not in rendered_report:
            rendered_report["html"] = await run_in_threadpool(
                lambda: render_report(model, None, model_path=model_path)
            )
        return HTMLResponse(rendered_report["html"])

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


__all__ = ["MAX_UPLOAD_BYTES", "create_app", "model_summary"]
