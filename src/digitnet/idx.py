"""The IDX file format of MNIST: read and write, gzip-compressed or raw.

An IDX file is a 4-byte magic number -- two zero bytes, a type code and the
number of dimensions -- then one big-endian uint32 per dimension, then the
elements in C order, big-endian (LeCun, Cortes and Burges, "The MNIST database
of handwritten digits", file format section). MNIST's images are type 0x08
(uint8) with dimensions N x 28 x 28, its labels uint8 with dimension N.

Every check happens before an array is returned, so a damaged file raises
:class:`~digitnet.errors.DataError` and nothing half-read ever escapes.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from digitnet._files import atomic_write
from digitnet.errors import DataError

#: IDX type code -> big-endian NumPy dtype.
TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF_KIND = {(dt.kind, dt.itemsize): code for code, dt in TYPE_CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of an uncompressed IDX file.

    Returns an array of the file's shape in native byte order. ``name`` is
    used in error messages only.
    """
    if len(raw) < 4:
        raise DataError(f"{name}: not an IDX file: {len(raw)} bytes, shorter than the 4-byte magic")
    if raw[0] != 0 or raw[1] != 0:
        raise DataError(
            f"{name}: not an IDX file: magic starts with {raw[:2].hex()}, expected 0000"
        )
    code, ndim = raw[2], raw[3]
    if code not in TYPE_CODES:
        known = ", ".join(f"0x{c:02X}" for c in TYPE_CODES)
        raise DataError(f"{name}: unknown IDX type code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise DataError(f"{name}: IDX header declares 0 dimensions")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataError(
            f"{name}: truncated header: {ndim} dimensions need {header_len} bytes, "
            f"file has {len(raw)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = TYPE_CODES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header_len
    if actual != expected:
        problem = "truncated" if actual < expected else "trailing data"
        dims = "x".join(str(d) for d in shape)
        raise DataError(
            f"{name}: {problem}: header declares {dims} = {expected} bytes, file has {actual}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header_len).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzip-compressed (detected by its content) or raw.

    Raises :class:`DataError` naming the file for a missing file, a corrupt or
    truncated gzip stream, or any header problem.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path.name}: corrupt gzip data: {exc}") from None
    return parse_idx(raw, path.name)


def encode_idx(array: np.ndarray) -> bytes:
    """The bytes of an uncompressed IDX file holding ``array``."""
    array = np.asarray(array)
    code = _CODE_OF_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise DataError(
            f"cannot write dtype {array.dtype} as IDX: use uint8, int8, int16, int32, "
            "float32 or float64"
        )
    if array.ndim == 0 or array.ndim > 255:
        raise DataError(f"cannot write a {array.ndim}-dimensional array as IDX (1 to 255)")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=TYPE_CODES[code]).tobytes()


def write_idx(
    path: str | os.PathLike[str], array: np.ndarray, compress: bool | None = None
) -> None:
    """Write ``array`` as an IDX file, atomically.

    ``compress`` defaults to gzip when the name ends in ``.gz``.
    """
    path = Path(path)
    data = encode_idx(array)
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        # mtime=0 makes the file a pure function of the array.
        data = gzip.compress(data, mtime=0)
    with atomic_write(path) as handle:
        handle.write(data)
