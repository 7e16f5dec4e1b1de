"""The web page to draw digits on, and its JSON API (needs the ``serve`` extra)."""

from digitnet.server.app import MAX_UPLOAD_BYTES, create_app

__all__ = ["MAX_UPLOAD_BYTES", "create_app"]
