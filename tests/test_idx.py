import gzip

import numpy as np
import pytest

from digitnet.errors import DataError
from digitnet.idx import TYPE_CODES, encode_idx, parse_idx, read_idx, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (1, 2, 1, 3)])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_round_trip_every_type_and_rank(tmp_path, dtype, shape, name):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal(shape) * 100).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype)
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    raw = (tmp_path / name).read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")


def test_header_is_big_endian_as_the_format_says():
    raw = encode_idx(np.arange(6, dtype=np.int16).reshape(2, 3))
    assert raw[:4] == bytes([0, 0, 0x0B, 2])
    assert raw[4:12] == (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    assert raw[12:14] == (0).to_bytes(2, "big") and raw[14:16] == (1).to_bytes(2, "big")


def test_mnist_style_images(tmp_path):
    images = np.random.default_rng(1).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    raw = gzip.decompress((tmp_path / "train-images-idx3-ubyte.gz").read_bytes())
    assert raw[:4] == b"\x00\x00\x08\x03" and len(raw) == 16 + 7 * 28 * 28


def _write(path, data: bytes, compress=False):
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_truncated_file_names_file_and_sizes(tmp_path):
    raw = encode_idx(np.zeros((10, 28, 28), np.uint8))
    path = _write(tmp_path / "t10k-images-idx3-ubyte.gz", raw[:-1000], compress=True)
    with pytest.raises(DataError) as err:
        read_idx(path)
    assert str(err.value) == (
        "t10k-images-idx3-ubyte.gz: truncated: header declares 10x28x28 = 7840 bytes, file has 6840"
    )


def test_trailing_bytes_are_rejected(tmp_path):
    path = _write(tmp_path / "x.idx", encode_idx(np.zeros(4, np.uint8)) + b"\x00")
    with pytest.raises(DataError, match="x.idx: trailing data: header declares 4 = 4 bytes"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    path = _write(tmp_path / "x.idx", b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(DataError, match="x.idx: not an IDX file: magic starts with 0102"):
        read_idx(path)


def test_unknown_type_code(tmp_path):
    path = _write(tmp_path / "x.idx", bytes([0, 0, 0x0A, 1]) + (1).to_bytes(4, "big") + b"\0")
    with pytest.raises(DataError, match=r"x.idx: unknown IDX type code 0x0A"):
        read_idx(path)


def test_zero_dimensions_and_short_header(tmp_path):
    with pytest.raises(DataError, match="0 dimensions"):
        parse_idx(bytes([0, 0, 8, 0]))
    with pytest.raises(DataError, match="truncated header: 3 dimensions need 16 bytes, file has 8"):
        parse_idx(bytes([0, 0, 8, 3, 0, 0, 0, 1]))
    with pytest.raises(DataError, match="shorter than the 4-byte magic"):
        parse_idx(b"\0\0")


def test_corrupt_and_truncated_gzip(tmp_path):
    good = gzip.compress(encode_idx(np.arange(1000, dtype=np.uint8) % 7))
    broken = bytearray(good)
    broken[len(broken) // 2] ^= 0xFF
    with pytest.raises(DataError, match="bad.gz: corrupt gzip data"):
        read_idx(_write(tmp_path / "bad.gz", bytes(broken)))
    with pytest.raises(DataError, match="cut.gz: corrupt gzip data"):
        read_idx(_write(tmp_path / "cut.gz", good[: len(good) // 2]))


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_idx(tmp_path / "nope.idx")


def test_type_table_covers_the_format():
    assert sorted(TYPE_CODES) == [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E]


def test_unsupported_dtype_cannot_be_written(tmp_path):
    with pytest.raises(DataError, match="cannot write dtype uint16"):
        write_idx(tmp_path / "x.idx", np.zeros(3, np.uint16))
    assert not (tmp_path / "x.idx").exists()
