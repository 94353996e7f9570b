"""`image_dataset_from_directory` against Keras 3: the same files, labels, split, order and pixels.

Keras's default result is a tf.data pipeline (TensorFlow is not installed here); its
``format="grain"`` path decodes with Pillow and resizes with the JAX backend, which is what
strata reproduces, so the batches are compared with that path where grain is installed. The file
order and split are compared with Keras's own directory index in every case.
"""

import os

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strata
from strata.engine.feeds import is_batch_source
from strata.utils import image_dataset_from_directory
from strata.utils.py_dataset import PyDataset

Image = pytest.importorskip("PIL.Image", reason="optional dependency pillow: reads image files")


def _make_folder(root, classes=("b", "a", "c"), per_class=4, seed=0, nested=True):
    """Images of assorted sizes and modes in class folders (one nested folder, one hidden one)."""
    rng = np.random.default_rng(seed)
    for c, name in enumerate(classes):
        os.makedirs(root / name / "deep", exist_ok=True)
        for i in range(per_class):
            shape = (9 + 3 * i + c, 7 + 2 * i, 3)
            pixels = rng.integers(0, 255, shape, dtype=np.uint8)
            where = root / name / ("deep" if nested and i == 0 else "") / f"img{i}.png"
            Image.fromarray(pixels).save(where)
        Image.fromarray(rng.integers(0, 255, (6, 5), dtype=np.uint8), "L").save(
            root / name / "gray.JPG"
        )
        (root / name / "notes.txt").write_text("not an image")
    os.makedirs(root / ".hidden")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(root / ".hidden" / "x.png")
    return root


def _keras_index(directory, labels="inferred", class_names=None, shuffle=True, seed=1337):
    from keras.src.utils import dataset_utils
    from keras.src.utils.image_dataset_utils import ALLOWLIST_FORMATS

    return dataset_utils.index_directory(
        str(directory),
        labels,
        formats=ALLOWLIST_FORMATS,
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        verbose=False,
    )


@pytest.fixture
def folder(tmp_path):
    return _make_folder(tmp_path / "images")


@pytest.fixture(scope="module")
def shared_folder(tmp_path_factory):
    """One read-only folder for the property test (its examples must not rebuild it)."""
    return _make_folder(tmp_path_factory.mktemp("shared") / "images")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), shuffle=st.booleans())
def test_file_order_and_labels_match_keras(shared_folder, seed, shuffle):
    root = shared_folder
    paths, labels, names = _keras_index(root, shuffle=shuffle, seed=seed)
    ours = image_dataset_from_directory(
        root, shuffle=shuffle, seed=seed, verbose=False, image_size=(4, 4)
    )
    assert ours.file_paths == paths
    assert ours.class_names == names == ["a", "b", "c"]
    assert isinstance(ours, PyDataset) and is_batch_source(ours)


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_split_matches_keras(keras, folder, subset):
    expected = (
        keras.utils.image_dataset_from_directory(
            folder, seed=7, validation_split=0.3, subset=subset, format="grain", verbose=False
        )
        if _has_grain()
        else None
    )
    paths, _, _ = _keras_index(folder, seed=7)
    count = int(0.3 * len(paths))
    keep = paths[:-count] if subset == "training" else paths[-count:]
    ours = image_dataset_from_directory(
        folder, seed=7, validation_split=0.3, subset=subset, verbose=False
    )
    assert ours.file_paths == keep
    if expected is not None:
        assert ours.file_paths == expected.file_paths


def test_subset_both_gives_training_then_validation(folder, capsys):
    train, val = image_dataset_from_directory(
        folder, seed=7, validation_split=0.25, subset="both", image_size=(4, 4)
    )
    assert capsys.readouterr().out == (
        "Found 15 files belonging to 3 classes.\n"
        "Using 12 files for training.\nUsing 3 files for validation.\n"
    )
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(train.file_paths) + len(val.file_paths) == 15


def test_explicit_labels_and_class_names_match_keras(keras, folder):
    paths, labels, names = _keras_index(folder, class_names=["c", "a"], seed=3)
    ours = image_dataset_from_directory(
        folder, class_names=["c", "a"], seed=3, verbose=False, image_size=(4, 4), batch_size=64
    )
    assert ours.file_paths == paths and ours.class_names == names == ["c", "a"]
    listed = [i % 3 for i in range(16)]
    paths, labels, names = _keras_index(folder, labels=list(listed), seed=3)
    ours = image_dataset_from_directory(
        folder, labels=listed, seed=3, verbose=False, image_size=(4, 4), batch_size=64
    )
    assert ours.file_paths == paths and ours.class_names == names
    assert listed == [i % 3 for i in range(16)]  # the caller's list is left as it was
    unlabelled = image_dataset_from_directory(
        folder, labels=None, shuffle=False, image_size=(4, 4), verbose=False
    )
    assert unlabelled.class_names is None and unlabelled[0].shape == (16, 4, 4, 3)


def _has_grain():
    try:
        import grain  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"label_mode": "categorical", "interpolation": "nearest", "batch_size": 5},
        {"color_mode": "grayscale", "crop_to_aspect_ratio": True, "image_size": (5, 9)},
        {"color_mode": "rgba", "pad_to_aspect_ratio": True, "image_size": (9, 4)},
        {"data_format": "channels_first", "interpolation": "bicubic", "label_mode": None},
        {"class_names": ["a", "c"], "label_mode": "binary", "interpolation": "lanczos3"},
    ],
)
def test_batches_match_keras_grain_loader(keras, folder, options):
    pytest.importorskip("grain", reason="optional dependency grain: Keras's TensorFlow-free loader")
    options = {"image_size": (6, 8), "batch_size": 4, **options}
    expected = keras.utils.image_dataset_from_directory(
        folder, shuffle=False, format="grain", verbose=False, **options
    )
    ours = image_dataset_from_directory(folder, shuffle=False, verbose=False, **options)
    expected_batches = list(expected)
    assert len(ours) == len(expected_batches)
    for got, want in zip(ours, expected_batches):
        got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
        for g, w in zip(got, want):
            w = np.asarray(w)
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=5e-4)  # pixels are 0...255


def test_unbatched_items_and_iteration(folder):
    data = image_dataset_from_directory(
        folder, batch_size=None, shuffle=False, image_size=(3, 2), verbose=False
    )
    image, label = data[0]
    assert len(data) == 15 and image.shape == (3, 2, 3) and label.shape == ()
    assert len(list(data)) == 15
    with pytest.raises(IndexError, match="out of range"):
        data[15]


def test_reshuffles_every_epoch_with_the_same_files(folder):
    data = image_dataset_from_directory(
        folder, batch_size=15, seed=5, image_size=(3, 3), verbose=False
    )
    first = data[0][1].copy()
    data.on_epoch_end()
    second = data[0][1]
    assert sorted(first.tolist()) == sorted(second.tolist())
    again = image_dataset_from_directory(
        folder, batch_size=15, seed=5, image_size=(3, 3), verbose=False
    )
    np.testing.assert_array_equal(again[0][1], first)


def test_fit_streams_the_folder_like_the_same_arrays(folder):
    def model():
        strata.utils.set_random_seed(0)
        net = strata.Sequential(
            [
                strata.layers.Input((6, 6, 3)),
                strata.layers.Rescaling(1 / 255),
                strata.layers.Flatten(),
                strata.layers.Dense(3),
            ]
        )
        net.compile("sgd", strata.losses.SparseCategoricalCrossentropy(from_logits=True))
        return net

    data = image_dataset_from_directory(
        folder, shuffle=False, image_size=(6, 6), batch_size=4, verbose=False
    )
    x = np.concatenate([batch[0] for batch in data])
    y = np.concatenate([batch[1] for batch in data])
    streamed, in_memory = model(), model()
    history = streamed.fit(data, epochs=2, verbose=0)
    expected = in_memory.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-5)
    for a, b in zip(streamed.get_weights(), in_memory.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_corrupt_file_is_named(folder):
    (folder / "a" / "broken.png").write_bytes(b"\x89PNG but not really")
    data = image_dataset_from_directory(folder, shuffle=False, batch_size=64, verbose=False)
    with pytest.raises(ValueError, match=r"could not decode the image file .*broken\.png"):
        data[0]


def test_empty_and_missing_folders(tmp_path):
    (tmp_path / "empty" / "cats").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"found no files in .*empty.*\.png"):
        image_dataset_from_directory(tmp_path / "empty", verbose=False)
    with pytest.raises(ValueError, match="is not a folder"):
        image_dataset_from_directory(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"labels": "folders"}, "`labels` must be 'inferred', None, or a list"),
        ({"labels": [0] * 16, "class_names": ["a"]}, "`class_names` can only be passed"),
        ({"labels": None, "class_names": ["a"]}, "`class_names` can only be passed"),
        ({"label_mode": "sparse"}, "`label_mode` must be one of"),
        ({"label_mode": "binary"}, "label_mode='binary' needs exactly 2 classes"),
        ({"class_names": ["a", "zebra"]}, "`class_names` must name subfolders"),
        ({"labels": [0, 1]}, "`labels` has 2 entries but .* holds 16 files"),
        ({"color_mode": "bgr"}, "`color_mode` must be 'grayscale', 'rgb' or 'rgba'"),
        ({"image_size": (4, 0)}, "`image_size` must be \\(height, width\\)"),
        ({"image_size": "big"}, "`image_size` must be \\(height, width\\)"),
        ({"interpolation": "area"}, "`interpolation` must be one of"),
        ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "only one of"),
        ({"batch_size": 0}, "`batch_size` must be a positive int or None"),
        ({"data_format": "NHWC"}, "`data_format` must be 'channels_last'"),
        ({"validation_split": 1.5, "subset": "training"}, "`validation_split` must be a float"),
        ({"validation_split": 0.2, "subset": "test", "seed": 1}, "`subset` must be 'training'"),
        ({"validation_split": 0.2}, "`subset` and `validation_split` go together"),
        ({"validation_split": 0.2, "subset": "training"}, "pass a `seed`"),
    ],
)
def test_bad_arguments(folder, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        image_dataset_from_directory(folder, verbose=False, **kwargs)


@pytest.mark.parametrize("method", ["bilinear", "nearest", "bicubic", "lanczos3", "lanczos5"])
def test_numpy_resize_is_jax_image_resize(rng, method):
    from strata.utils._image_resize import resize

    jax_method = {"bilinear": "linear", "bicubic": "cubic"}.get(method, method)
    for (h, w), (th, tw) in [
        ((13, 17), (5, 9)),
        ((5, 9), (13, 17)),
        ((7, 7), (7, 3)),
        ((3, 2), (1, 1)),
    ]:
        image = rng.uniform(0, 255, (h, w, 3)).astype("float32")
        expected = jax.image.resize(image, (th, tw, 3), jax_method, antialias=False)
        # Pixels run 0...255: 2e-3 is float32 rounding of sums taken in another order.
        np.testing.assert_allclose(resize(image, (th, tw), method), expected, atol=2e-3)
