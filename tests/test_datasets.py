"""`strata.datasets`: the cache-and-checksum downloader and each loader, with no network.

Small files in Keras's formats are built in a temporary folder. strata's `fetch` is replaced by a
copy from those files (or by a failure, to simulate being offline), and the module checksums by
the fixtures' digests. Keras itself is the oracle: its `get_file` is pointed at the same files, so
``keras.datasets.<name>.load_data`` and strata's loader read identical bytes.
"""

import gzip
import hashlib
import importlib
import io
import os
import pickle
import shutil
import tarfile
import types
import urllib.error

import numpy as np
import pytest

import strata
from strata.datasets import (
    _download,
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from strata.datasets._safe_load import SafeUnpickler, load_npz


@pytest.fixture(scope="module")
def keras():
    """Keras imported once: loading data keeps no session state, so no `clear_session`."""
    import keras as keras_module

    return keras_module


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets its own cache folder, through the environment variable."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRATA_DATASETS_DIR", str(folder))
    return folder


@pytest.fixture
def server(monkeypatch):
    """Replace the network: `serve` registers a local file for a URL; other URLs are offline."""
    files, calls = {}, []

    def fake_fetch(url, destination):
        calls.append(url)
        if url not in files:
            raise urllib.error.URLError("network is unreachable")
        shutil.copyfile(files[url], destination)

    def serve(module, fixture, name=""):
        files[module._ORIGIN + name] = fixture
        if isinstance(getattr(module, "_SHA256", None), dict):  # one digest per file
            monkeypatch.setitem(module._SHA256, name, sha256(fixture))
        elif hasattr(module, "_SHA256"):
            monkeypatch.setattr(module, "_SHA256", sha256(fixture))

    monkeypatch.setattr(_download, "fetch", fake_fetch)
    return types.SimpleNamespace(serve=serve, files=files, calls=calls)


def keras_reads(monkeypatch, keras_module, path):
    """Point a Keras dataset module's `get_file` at a local file (or folder)."""
    monkeypatch.setattr(keras_module, "get_file", lambda *args, **kwargs: str(path))


def assert_splits_equal(got, expected):
    for got_split, expected_split in zip(got, expected):
        for g, e in zip(got_split, expected_split):
            assert g.dtype == e.dtype
            assert g.shape == e.shape
            if g.dtype == object:
                assert [list(s) for s in g] == [list(s) for s in e]
            else:
                np.testing.assert_array_equal(g, e)


# ---------------------------------------------------------------------------------------------
# The downloader


@pytest.fixture
def blob(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"strata" * 100)
    return path


def test_downloads_once_then_uses_the_cache(server, blob, cache):
    server.files["https://example.org/blob.bin"] = blob
    first = _download.get_file("blob.bin", "https://example.org/blob.bin", sha256(blob))
    again = _download.get_file("blob.bin", "https://example.org/blob.bin", sha256(blob))
    assert first == again == cache / "blob.bin"
    assert first.read_bytes() == blob.read_bytes()
    assert server.calls == ["https://example.org/blob.bin"]
    assert [p.name for p in cache.iterdir()] == ["blob.bin"]  # no temporary file left behind


def test_md5_digests_are_accepted(server, blob):
    server.files["u"] = blob
    md5 = hashlib.md5(blob.read_bytes()).hexdigest()
    assert _download.get_file("blob.bin", "u", md5).read_bytes() == blob.read_bytes()


def test_a_corrupted_cached_file_is_downloaded_again(server, blob, cache):
    server.files["u"] = blob
    cache.mkdir()
    (cache / "blob.bin").write_bytes(b"truncated")
    with pytest.warns(UserWarning, match=r"does not match its sha256 checksum.*downloaded again"):
        path = _download.get_file("blob.bin", "u", sha256(blob))
    assert path.read_bytes() == blob.read_bytes()
    assert server.calls == ["u"]


def test_a_corrupted_download_is_rejected_and_not_saved(server, blob, cache):
    server.files["u"] = blob
    with pytest.raises(ValueError, match=r"blob.bin downloaded from u does not match its sha256"):
        _download.get_file("blob.bin", "u", "0" * 64)
    assert list(cache.iterdir()) == []


def test_offline_error_says_where_to_put_the_file(server, blob, cache):
    target = cache / "blob.bin"
    message = (
        r"could not download blob.bin from https://example.org/blob.bin: network is unreachable; "
        f"place the file at {target} to use it offline"
    )
    with pytest.raises(OSError, match=message):
        _download.get_file("blob.bin", "https://example.org/blob.bin", sha256(blob))
    assert list(cache.iterdir()) == []
    shutil.copyfile(blob, target)  # placed by hand: used without the network
    assert _download.get_file("blob.bin", "https://example.org/blob.bin", sha256(blob)) == target
    assert len(server.calls) == 1


def test_the_real_fetch_reads_urls(blob, tmp_path):
    # file:// URLs go through urllib like https ones, without a network.
    folder = tmp_path / "custom"
    path = _download.get_file("b.bin", blob.as_uri(), sha256(blob), cache_dir=folder)
    assert path == folder / "b.bin" and path.read_bytes() == blob.read_bytes()
    missing = (tmp_path / "missing.bin").as_uri()
    with pytest.raises(OSError, match=r"could not download m.bin from file://.*missing.bin: .*"):
        _download.get_file("m.bin", missing, cache_dir=folder)


def test_cache_folder_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("STRATA_DATASETS_DIR", str(tmp_path / "env"))
    assert _download.cache_folder(tmp_path / "arg") == tmp_path / "arg"
    assert _download.cache_folder() == tmp_path / "env"
    monkeypatch.delenv("STRATA_DATASETS_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _download.cache_folder() == tmp_path / "xdg" / "strata" / "datasets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _download.cache_folder() == tmp_path / "home" / ".cache" / "strata" / "datasets"


def test_loaders_take_cache_dir(server, tmp_path, mnist_file):
    server.serve(mnist, mnist_file)
    mnist.load_data(cache_dir=tmp_path / "mine")
    assert (tmp_path / "mine" / "mnist.npz").is_file()


# ---------------------------------------------------------------------------------------------
# Safe unpickling


class Gadget:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_npz_object_arrays_with_foreign_globals_are_refused(tmp_path, capsys):
    ragged = np.empty(2, dtype=object)
    ragged[:] = [[1, 2], Gadget()]
    np.savez(tmp_path / "bad.npz", x=ragged)
    with pytest.raises(
        ValueError, match=r"could not read 'x.npy'.*refusing to load builtins.print"
    ):
        load_npz(tmp_path / "bad.npz")
    assert "never run" not in capsys.readouterr().out


def test_pickles_written_by_numpy_1_load_without_touching_numpy_core():
    # NumPy < 2 names `numpy.core.multiarray`; importing that on NumPy 2 warns (an error here).
    data = pickle.dumps(np.arange(4), protocol=2)
    assert b"numpy._core.multiarray" in data
    old = data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert SafeUnpickler(io.BytesIO(old)).load().tolist() == [0, 1, 2, 3]


def test_python3_protocol_2_pickles_of_bytes_load():
    stream = io.BytesIO(pickle.dumps({b"data": np.arange(3, dtype=np.uint8)}, protocol=2))
    assert SafeUnpickler(stream, encoding="bytes").load()[b"data"].tolist() == [0, 1, 2]


# ---------------------------------------------------------------------------------------------
# mnist, fashion_mnist, boston_housing


@pytest.fixture
def mnist_file(tmp_path, rng):
    path = tmp_path / "fixture_mnist.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, 6, dtype=np.uint8),
        x_test=rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, 3, dtype=np.uint8),
    )
    return path


def test_mnist_matches_keras(keras, monkeypatch, server, mnist_file):
    server.serve(mnist, mnist_file)
    got = mnist.load_data()
    keras_reads(monkeypatch, keras.src.datasets.mnist, mnist_file)
    assert_splits_equal(got, keras.datasets.mnist.load_data())
    assert got[0][0].shape == (6, 28, 28) and got[0][0].dtype == np.uint8
    mnist.load_data()
    assert len(server.calls) == 1  # the second load reads the cache


def idx_file(path, values, magic):
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in values.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + values.astype(np.uint8).tobytes())


@pytest.fixture
def fashion_files(tmp_path, rng):
    files = {}
    for prefix, count in (("train", 5), ("t10k", 2)):
        files[f"{prefix}-labels-idx1-ubyte.gz"] = rng.integers(0, 10, count)
        files[f"{prefix}-images-idx3-ubyte.gz"] = rng.integers(0, 256, (count, 28, 28))
    paths = {}
    for name, values in files.items():
        paths[name] = tmp_path / name
        idx_file(paths[name], values, 2049 if "labels" in name else 2051)
    return paths


def test_fashion_mnist_matches_keras(keras, monkeypatch, server, fashion_files, cache):
    for name, path in fashion_files.items():
        server.serve(fashion_mnist, path, name)
    got = fashion_mnist.load_data()
    assert (cache / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
    monkeypatch.setattr(
        keras.src.datasets.fashion_mnist, "get_file", lambda fname, **_: str(fashion_files[fname])
    )
    assert_splits_equal(got, keras.datasets.fashion_mnist.load_data())
    got[0][0][0, 0, 0] = 1  # writable, unlike arrays viewing the raw bytes


def test_fashion_mnist_rejects_a_file_of_the_wrong_kind(server, fashion_files):
    labels = fashion_files["train-labels-idx1-ubyte.gz"]
    for name, path in fashion_files.items():
        server.serve(fashion_mnist, labels if "train-images" in name else path, name)
    with pytest.raises(ValueError, match=r"not an IDX file of the expected kind.*expected 2051"):
        fashion_mnist.load_data()


@pytest.mark.parametrize("kwargs", [{}, dict(test_split=0.35, seed=4), dict(test_split=0.0)])
def test_boston_housing_matches_keras(keras, monkeypatch, server, tmp_path, rng, kwargs):
    path = tmp_path / "fixture_boston.npz"
    np.savez(path, x=rng.normal(size=(20, 13)), y=rng.normal(size=20))
    server.serve(boston_housing, path)
    keras_reads(monkeypatch, keras.src.datasets.boston_housing, path)
    got = boston_housing.load_data(**kwargs)
    assert_splits_equal(got, keras.datasets.boston_housing.load_data(**kwargs))


@pytest.mark.parametrize("test_split", [1.0, -0.1, "0.2"])
def test_boston_housing_bad_test_split(test_split):
    with pytest.raises(ValueError, match=r"`test_split` must be a fraction in \[0, 1\)"):
        boston_housing.load_data(test_split=test_split)


# ---------------------------------------------------------------------------------------------
# cifar10, cifar100


def cifar_archive(path, folder, batches):
    with tarfile.open(path, "w:gz") as tar:
        for name, batch in batches.items():
            data = pickle.dumps(batch)
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def cifar_batch(rng, count, **labels):
    batch = {
        b"batch_label": b"fixture",
        b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
        b"filenames": [b"image_%d.png" % i for i in range(count)],
    }
    batch.update({key.encode(): list(map(int, values)) for key, values in labels.items()})
    return batch


def test_cifar10_reads_the_batches_as_keras_does(keras, server, tmp_path, rng):
    batches = {
        f"data_batch_{i}": cifar_batch(rng, 3, labels=rng.integers(0, 10, 3)) for i in range(1, 6)
    }
    batches["test_batch"] = cifar_batch(rng, 2, labels=rng.integers(0, 10, 2))
    archive = tmp_path / "cifar-10-python.tar.gz"
    cifar_archive(archive, "cifar-10-batches-py", batches)
    server.serve(cifar10, archive)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert (x_train.shape, x_train.dtype, y_train.shape, y_train.dtype) == (
        (15, 32, 32, 3), np.uint8, (15, 1), np.uint8,
    )  # fmt: skip
    assert (x_test.shape, y_test.shape) == ((2, 32, 32, 3), (2, 1))
    # Keras's own batch parser on the extracted files, then its channels-last transpose.
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "extracted", filter="data")
    from keras.src.datasets.cifar import load_batch

    folder = tmp_path / "extracted" / "cifar-10-batches-py"
    parsed = [load_batch(str(folder / f"data_batch_{i}")) for i in range(1, 6)]
    np.testing.assert_array_equal(
        x_train, np.concatenate([data for data, _ in parsed]).transpose(0, 2, 3, 1)
    )
    np.testing.assert_array_equal(y_train[:, 0], np.concatenate([lab for _, lab in parsed]))
    red = batches["test_batch"][b"data"][1, :1024].reshape(32, 32)
    np.testing.assert_array_equal(x_test[1, :, :, 0], red)


@pytest.fixture
def cifar100_archive(tmp_path, rng):
    batches = {
        split: cifar_batch(
            rng,
            count,
            fine_labels=rng.integers(0, 100, count),
            coarse_labels=rng.integers(0, 20, count),
        )
        for split, count in (("train", 4), ("test", 3))
    }
    archive = tmp_path / "cifar-100-python.tar.gz"
    cifar_archive(archive, "cifar-100-python", batches)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "extracted", filter="data")
    return archive, tmp_path / "extracted"


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_matches_keras(keras, monkeypatch, server, cifar100_archive, label_mode):
    archive, extracted = cifar100_archive
    server.serve(cifar100, archive)
    keras_reads(monkeypatch, keras.src.datasets.cifar100, extracted)
    got = cifar100.load_data(label_mode)
    assert_splits_equal(got, keras.datasets.cifar100.load_data(label_mode))
    assert got[0][0].shape == (4, 32, 32, 3) and got[0][1].shape == (4, 1)


def test_cifar100_bad_label_mode():
    with pytest.raises(ValueError, match=r'`label_mode` must be "fine" or "coarse".*\'medium\''):
        cifar100.load_data("medium")


def test_cifar_archive_with_a_pickle_gadget_is_refused(server, tmp_path, capsys):
    archive = tmp_path / "evil.tar.gz"
    cifar_archive(archive, "cifar-100-python", {"train": {b"data": Gadget()}, "test": {}})
    server.serve(cifar100, archive)
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load builtins.print"):
        cifar100.load_data()
    assert "never run" not in capsys.readouterr().out


def test_cifar_archive_missing_a_batch(server, tmp_path, rng):
    archive = tmp_path / "short.tar.gz"
    cifar_archive(archive, "cifar-10-batches-py", {"data_batch_1": cifar_batch(rng, 1, labels=[0])})
    server.serve(cifar10, archive)
    with pytest.raises(ValueError, match=r"has no file 'cifar-10-batches-py/data_batch_2'"):
        cifar10.load_data()


# ---------------------------------------------------------------------------------------------
# imdb, reuters


def ragged(rng, count, vocabulary=40):
    out = np.empty(count, dtype=object)
    for i in range(count):
        out[i] = [int(w) for w in rng.integers(1, vocabulary, rng.integers(1, 12))]
    return out


@pytest.fixture
def imdb_file(tmp_path, rng):
    path = tmp_path / "fixture_imdb.npz"
    np.savez(
        path,
        x_train=ragged(rng, 12),
        y_train=rng.integers(0, 2, 12),
        x_test=ragged(rng, 9),
        y_test=rng.integers(0, 2, 9),
    )
    return path


SEQUENCE_OPTIONS = [
    {},
    dict(num_words=20),
    dict(num_words=25, skip_top=5, seed=7),
    dict(maxlen=9),
    dict(start_char=None, index_from=0),
    dict(start_char=None),
    dict(oov_char=None, num_words=15),
    dict(oov_char=None, skip_top=10, start_char=4, index_from=5),
]


@pytest.mark.parametrize("kwargs", SEQUENCE_OPTIONS)
def test_imdb_matches_keras(keras, monkeypatch, server, imdb_file, kwargs):
    server.serve(imdb, imdb_file, "imdb.npz")
    keras_reads(monkeypatch, keras.src.datasets.imdb, imdb_file)
    got = imdb.load_data(**kwargs)
    assert_splits_equal(got, keras.datasets.imdb.load_data(**kwargs))
    assert got[0][0].ndim == 1 and got[0][0].dtype == object


def test_imdb_maxlen_that_keeps_nothing(server, imdb_file):
    server.serve(imdb, imdb_file, "imdb.npz")
    with pytest.raises(ValueError, match=r"no review is shorter than maxlen=1.*increase maxlen"):
        imdb.load_data(maxlen=1)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (
            dict(num_words=0),
            r"imdb.load_data: `num_words` must be a positive int or None; received num_words=0",
        ),
        (dict(skip_top=-1), r"`skip_top` must be a non-negative int"),
        (dict(maxlen=2.5), r"`maxlen` must be a positive int or None; received maxlen=2\.5"),
        (dict(oov_char="?"), r"`oov_char` must be an int or None; received oov_char='\?'"),
        (dict(seed=None), r"`seed` must be an int"),
    ],
)
def test_imdb_bad_options(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        imdb.load_data(**kwargs)


def test_word_index(monkeypatch, server, tmp_path):
    path = tmp_path / "imdb_word_index.json"
    path.write_text('{"the": 1, "and": 2}')
    server.files[imdb._ORIGIN + "imdb_word_index.json"] = path
    monkeypatch.setattr(imdb, "_WORD_INDEX_MD5", hashlib.md5(path.read_bytes()).hexdigest())
    assert imdb.get_word_index() == {"the": 1, "and": 2}


@pytest.fixture
def reuters_file(tmp_path, rng):
    path = tmp_path / "fixture_reuters.npz"
    np.savez(path, x=ragged(rng, 20), y=rng.integers(0, 46, 20))
    return path


@pytest.mark.parametrize(
    "kwargs", SEQUENCE_OPTIONS + [dict(test_split=0.5), dict(maxlen=8, test_split=0.3)]
)
def test_reuters_matches_keras(keras, monkeypatch, server, reuters_file, kwargs):
    server.serve(reuters, reuters_file, "reuters.npz")
    keras_reads(monkeypatch, keras.src.datasets.reuters, reuters_file)
    got = reuters.load_data(**kwargs)
    assert_splits_equal(got, keras.datasets.reuters.load_data(**kwargs))


def test_reuters_label_names_match_keras(keras):
    assert reuters.get_label_names() == keras.datasets.reuters.get_label_names()


def test_reuters_bad_test_split():
    with pytest.raises(ValueError, match=r"reuters.load_data: `test_split` must be a fraction"):
        reuters.load_data(test_split=1)


def test_exported_from_strata():
    assert "datasets" in strata.__all__
    assert sorted(strata.datasets.__all__) == [
        "boston_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters",
    ]  # fmt: skip
    assert os.path.basename(strata.datasets.mnist.__file__) == "mnist.py"


def test_sequences_stay_a_1d_object_array_when_lengths_agree(
    keras, monkeypatch, server, reuters_file
):
    # Keras builds the result with np.array, which turns a split whose sequences all have the
    # same length (here, a single one) into a 2-D array; strata keeps one list per sample.
    server.serve(reuters, reuters_file, "reuters.npz")
    keras_reads(monkeypatch, keras.src.datasets.reuters, reuters_file)
    _, (x_test, _) = reuters.load_data(maxlen=6, test_split=0.1)
    _, (keras_x_test, _) = keras.datasets.reuters.load_data(maxlen=6, test_split=0.1)
    assert keras_x_test.shape == (1, 2) and x_test.shape == (1,)
    assert x_test.tolist() == keras_x_test.tolist()


# ---------------------------------------------------------------------------------------------
# The real checksums (the tests above serve local files, so they replace them)


class _Stop(Exception):
    """Raised by a recording `get_file` once it has seen the checksum it was given."""


def _hashes_passed_to_get_file(monkeypatch, module):
    seen = []

    def record(fname, origin=None, file_hash=None, **kwargs):
        seen.append((fname, kwargs.get("file_hash", file_hash)))
        if len(seen) == 4:
            raise _Stop
        return ""

    monkeypatch.setattr(module, "get_file", record)
    return seen


@pytest.mark.parametrize(
    "name", ["mnist", "boston_housing", "cifar10", "cifar100", "imdb", "reuters"]
)
def test_each_loader_checks_the_digest_keras_lists(monkeypatch, keras, name):
    keras_module = importlib.import_module(f"keras.src.datasets.{name}")
    theirs = _hashes_passed_to_get_file(monkeypatch, keras_module)
    with pytest.raises(Exception):  # noqa: B017 - stops after get_file, whatever it returned
        keras_module.load_data()
    ours_module = importlib.import_module(f"strata.datasets.{name}")
    ours = _hashes_passed_to_get_file(monkeypatch, ours_module)
    with pytest.raises(Exception):  # noqa: B017
        ours_module.load_data()
    assert len(ours[0][1]) == 64 and ours[0][1] == theirs[0][1]


def test_fashion_mnist_checks_the_published_digests(monkeypatch):
    # Keras lists no digests for Fashion-MNIST; these are the release's published SHA-256
    # digests, as TensorFlow Datasets and torchvision (datasets/_builtin/mnist.py) pin them.
    seen = _hashes_passed_to_get_file(monkeypatch, fashion_mnist)
    monkeypatch.setattr(fashion_mnist, "_read_idx", lambda path, magic: None)
    with pytest.raises(_Stop):
        fashion_mnist.load_data()
    assert dict(seen) == {
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
    }
