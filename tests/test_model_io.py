import json
import zipfile

import numpy as np
import pytest

from digitnet import model_io
from digitnet.errors import ModelFileError
from digitnet.network import n_params

SIZES = [6, 4, 3]


def meta(**extra):
    return {"sizes": SIZES, "activation": "sigmoid", "output": "sigmoid", **extra}


def theta():
    return np.random.default_rng(0).standard_normal(n_params(SIZES))


def test_round_trip_keeps_parameters_and_metadata(tmp_path):
    path = model_io.save_model(tmp_path / "m.npz", theta(), meta(history={"costs": [2.0, 1.5]}))
    back, info = model_io.load_model(path)
    np.testing.assert_array_equal(back, theta())
    assert info["sizes"] == SIZES and info["history"]["costs"] == [2.0, 1.5]
    assert info["format"] == "digitnet-model" and info["format_version"] == 1


def test_archive_holds_no_pickled_objects(tmp_path):
    path = model_io.save_model(tmp_path / "m.npz", theta(), meta())
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["metadata", "theta"]
        json.loads(str(archive["metadata"]))


def test_a_pickled_array_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, theta=np.array([object()], dtype=object), metadata=np.array("{}"))
    with pytest.raises(ModelFileError, match="evil.npz: not a readable model file"):
        model_io.load_model(path)


def test_shapes_are_checked_against_the_metadata(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, theta=np.zeros(5), metadata=np.array(json.dumps(
        {"format": "digitnet-model", **meta()})))  # fmt: skip
    with pytest.raises(ModelFileError, match=r"parameters have shape \(5,\), but layer sizes"):
        model_io.load_model(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip at all", "not a readable model file"),
        (b"", "not a readable model file"),
    ],
)
def test_damaged_files(tmp_path, content, message):
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message):
        model_io.load_model(path)


def test_truncated_archive(tmp_path):
    path = model_io.save_model(tmp_path / "m.npz", theta(), meta())
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ModelFileError, match="m.npz"):
        model_io.load_model(path)


def test_foreign_files(tmp_path):
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a digitnet model: no metadata, theta"):
        model_io.load_model(tmp_path / "other.npz")
    np.save(tmp_path / "bare.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match="bare .npy array.*import-seed"):
        model_io.load_model(tmp_path / "bare.npy")
    np.savez(tmp_path / "badjson.npz", theta=theta(), metadata=np.array("{oops"))
    with pytest.raises(ModelFileError, match="metadata is not valid JSON"):
        model_io.load_model(tmp_path / "badjson.npz")
    with pytest.raises(ModelFileError, match="no such model file"):
        model_io.load_model(tmp_path / "missing.npz")


def test_future_versions_and_bad_fields_are_named(tmp_path):
    for bad, message in [
        ({"format_version": 99}, "newer than this digitnet reads"),
        ({"activation": "swish"}, "unknown hidden activation 'swish'"),
        ({"sizes": [6, -1, 3]}, "no valid layer sizes"),
    ]:
        path = tmp_path / "m.npz"
        text = json.dumps({"format": "digitnet-model", **meta(), **bad})
        np.savez(path, theta=theta(), metadata=np.array(text))
        with pytest.raises(ModelFileError, match=message):
            model_io.load_model(path)


def test_non_finite_parameters_are_refused(tmp_path):
    bad = theta()
    bad[3] = np.nan
    with pytest.raises(ModelFileError, match="NaN"):
        model_io.save_model(tmp_path / "m.npz", bad, meta())
    assert not (tmp_path / "m.npz").exists()


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = model_io.save_model(tmp_path / "m.npz", theta(), meta())
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(OSError, match="disk full"):
        model_io.save_model(path, theta() + 1, meta())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    assert zipfile.is_zipfile(path)


def test_seed_parameters_are_read_in_the_seeds_layout(tmp_path):
    params = np.random.default_rng(1).standard_normal(n_params((784, 16, 10)))
    np.save(tmp_path / "Parameters.npy", params)
    np.testing.assert_array_equal(
        model_io.read_seed_params(tmp_path / "Parameters.npy", 16), params
    )
    with pytest.raises(ModelFileError, match="784-128-10 network has 101770; pass the right"):
        model_io.read_seed_params(tmp_path / "Parameters.npy")
    np.save(tmp_path / "obj.npy", np.array([{}], dtype=object), allow_pickle=True)
    with pytest.raises(ModelFileError, match="not a NumPy .npy array"):
        model_io.read_seed_params(tmp_path / "obj.npy")


def test_model_files_get_the_usual_permissions(tmp_path):
    import os

    path = model_io.save_model(tmp_path / "m.npz", theta(), meta())
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
