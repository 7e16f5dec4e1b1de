import gzip
import hashlib
import http.server
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import digitnet.datasets as ds
from digitnet.errors import DataError, DownloadError
from digitnet.idx import read_idx, write_idx

from .conftest import synthetic_digits, write_mnist_dir


def test_reads_a_directory_of_the_four_files(mnist_dir):
    data = ds.load_mnist(str(mnist_dir))
    assert data.train_images.shape == (300, 28, 28) and data.train_images.dtype == np.uint8
    assert data.test_labels.shape == (100,)
    assert data.name == "mnist"
    train_x, train_y, test_x, test_y = data  # unpacks like the seed's four arrays
    np.testing.assert_array_equal(train_y, synthetic_digits(300, seed=1)[1])


def test_uncompressed_files_are_found_too(tmp_path):
    directory = write_mnist_dir(tmp_path / "raw")
    for path in directory.glob("*.gz"):
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    assert ds.load_mnist(str(directory)).train_images.shape == (300, 28, 28)


def test_image_and_label_counts_must_agree(mnist_dir):
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    write_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz", labels[:-1])
    with pytest.raises(DataError, match="test images and labels disagree: 100 images, 99 labels"):
        ds.load_mnist(str(mnist_dir))


def test_labels_must_be_digits(mnist_dir):
    labels = read_idx(mnist_dir / "train-labels-idx1-ubyte.gz")
    labels[5] = 12
    write_idx(mnist_dir / "train-labels-idx1-ubyte.gz", labels)
    with pytest.raises(DataError, match="labels hold 12"):
        ds.load_mnist(str(mnist_dir))


def test_images_must_be_28_by_28(mnist_dir):
    write_idx(mnist_dir / "train-images-idx3-ubyte.gz", np.zeros((300, 20, 20), np.uint8))
    with pytest.raises(DataError, match=r"shape \(300, 20, 20\)"):
        ds.load_mnist(str(mnist_dir))


def test_missing_file_says_what_to_do(mnist_dir):
    (mnist_dir / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz .* is missing; run 'digitnet"):
        ds.load_mnist(str(mnist_dir))
    with pytest.raises(DataError, match="no such directory"):
        ds.load_mnist(str(mnist_dir / "nowhere"))


def test_environment_variable_is_used_and_checked(mnist_dir, monkeypatch, tmp_path):
    monkeypatch.setenv(ds.ENV_VAR, str(mnist_dir))
    assert ds.load_mnist("mnist").source == f"mnist ({mnist_dir})"
    monkeypatch.setenv(ds.ENV_VAR, str(tmp_path))
    with pytest.raises(DataError, match="DIGITNET_DATA_DIR=.*no MNIST there"):
        ds.load_mnist("mnist")


def test_cache_directory_is_used(monkeypatch, tmp_path):
    write_mnist_dir(ds.cache_dir())
    assert ds.load_mnist("auto").source == f"mnist ({ds.cache_dir()})"


def test_sample_is_a_fixed_stratified_split():
    data = ds.load_sample()
    assert data.train_images.shape == (4000, 28, 28) and data.test_images.shape == (1000, 28, 28)
    assert np.bincount(data.train_labels).tolist() == [400] * 10
    assert np.bincount(data.test_labels).tolist() == [100] * 10
    assert data.train_labels[:20].tolist() != sorted(data.train_labels[:20].tolist())  # shuffled
    again = ds.load_sample()
    np.testing.assert_array_equal(again.train_images, data.train_images)
    # Real MNIST: ink is bright on a zero background, strokes anti-aliased.
    assert data.train_images[:, 0, 0].max() == 0 and data.train_images.max() == 255
    train_rows = {img.tobytes() for img in data.train_images}
    assert not any(img.tobytes() in train_rows for img in data.test_images)


def test_sample_file_problems_are_data_errors(tmp_path):
    bad = tmp_path / "mnist_5k.csv.gz"
    bad.write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    with pytest.raises(DataError, match="expected rows of 784 pixels"):
        ds.load_sample(bad)


class _Server:
    """A local HTTP server standing in for an MNIST mirror."""

    def __init__(self, root: Path):
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(  # noqa: E731
            *a, directory=str(root), **k
        )
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def mirror(tmp_path):
    root = write_mnist_dir(tmp_path / "mirror")
    server = _Server(root)
    sums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.iterdir()}
    yield server.url, sums
    server.close()


def test_download_verifies_checksums_and_writes_complete_files(mirror, tmp_path):
    url, sums = mirror
    dest = ds.download_mnist(tmp_path / "dl", mirrors=("http://127.0.0.1:9/", url), checksums=sums)
    assert sorted(p.name for p in dest.iterdir()) == sorted(ds.FILES.values())
    assert ds.load_mnist(str(dest)).train_images.shape == (300, 28, 28)


def test_checksum_mismatch_leaves_no_file(mirror, tmp_path):
    url, sums = mirror
    wrong = {**sums, "t10k-images-idx3-ubyte.gz": "0" * 64}
    with pytest.raises(DownloadError, match="t10k-images-idx3-ubyte.gz: checksum mismatch"):
        ds.download_mnist(tmp_path / "dl", mirrors=(url,), checksums=wrong)
    assert not list((tmp_path / "dl").glob("t10k-images*"))
    assert not list((tmp_path / "dl").glob(".*part"))


def test_offline_download_fails_fast_with_advice(tmp_path):
    start = time.monotonic()
    with pytest.raises(DownloadError, match="Offline\\? .*DIGITNET_DATA_DIR.*--data sample"):
        ds.download_mnist(tmp_path / "dl")
    assert time.monotonic() - start < 10


def test_auto_falls_back_to_the_sample_and_says_so():
    data = ds.load_mnist("auto")
    assert data.name == "sample"
    assert "full MNIST was not found or downloadable" in data.source
    with pytest.raises(DownloadError):
        ds.load_mnist("mnist")
