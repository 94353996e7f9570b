"""`strata.applications` against `keras.applications`: the same layers, names and weight order, so
Keras's legacy-HDF5 weight files load and the predictions agree. Offline: Keras builds each
network with random weights at a small input size and writes them in the layout of its published
ImageNet files."""

import h5py
import numpy as np
import pytest

import strata
from strata.applications import imagenet_utils, mobilenet_v2, resnet50, vgg16
from strata.datasets import _download
from strata.utils.naming import reset_names

FAMILIES = {
    "VGG16": (vgg16, "vgg16"),
    "ResNet50": (resnet50, "resnet50"),
    "MobileNetV2": (mobilenet_v2, "mobilenet_v2"),
}
CASES = [
    ("VGG16", {"include_top": False, "pooling": "max"}),
    ("ResNet50", {"include_top": False, "pooling": "avg"}),
    ("MobileNetV2", {"classes": 7, "alpha": 0.35}),
]


def _randomize_statistics(model, rng):
    """Moving means and variances away from 0 and 1, so a mix-up of weight order shows."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, gamma.shape),
                    rng.normal(0, 0.1, beta.shape),
                    rng.normal(0, 0.1, mean.shape),
                    rng.uniform(0.5, 1.5, variance.shape),
                ]
            )


def _keras_weights_file(keras, family, kwargs, path, rng):
    from keras.src.legacy.saving import legacy_h5_format

    model = getattr(keras.applications, family)(weights=None, input_shape=(32, 32, 3), **kwargs)
    _randomize_statistics(model, rng)
    with h5py.File(path, "w") as file:
        legacy_h5_format.save_weights_to_hdf5_group(file, model)
    return model


@pytest.mark.parametrize("family, kwargs", CASES)
def test_keras_weight_files_load_and_predict_the_same(keras, tmp_path, rng, family, kwargs):
    path = tmp_path / "weights.h5"
    theirs = _keras_weights_file(keras, family, kwargs, path, rng)
    reset_names()  # both libraries number unnamed layers from a fresh session
    ours = getattr(strata.applications, family)(weights=path, input_shape=(32, 32, 3), **kwargs)
    assert ours.name == theirs.name
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    x = rng.uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    module = FAMILIES[family][0]
    keras_module = getattr(keras.applications, FAMILIES[family][1])
    x = module.preprocess_input(x.copy())
    np.testing.assert_allclose(
        ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-4
    )
    np.testing.assert_array_equal(
        module.preprocess_input(x.copy()), keras_module.preprocess_input(x.copy())
    )


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize(
    "data_format, shape",
    [
        ("channels_last", (2, 4, 5, 3)),
        ("channels_last", (4, 5, 3)),
        ("channels_first", (3, 4, 5)),
        ("channels_first", (2, 3, 4, 5)),
    ],
)
def test_preprocess_input_matches_keras(keras, rng, mode, data_format, shape):
    x = rng.uniform(0, 255, shape).astype("float32")
    expected = keras.applications.imagenet_utils.preprocess_input(
        x.copy(), data_format=data_format, mode=mode
    )
    got = imagenet_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
    np.testing.assert_array_equal(got, expected)
    ints = rng.integers(0, 255, shape, dtype="uint8")
    np.testing.assert_array_equal(
        imagenet_utils.preprocess_input(ints, data_format=data_format, mode=mode),
        keras.applications.imagenet_utils.preprocess_input(
            ints, data_format=data_format, mode=mode
        ),
    )


def test_imagenet_weights_download_through_the_checked_cache(tmp_path, monkeypatch, rng, keras):
    monkeypatch.setenv("STRATA_DATASETS_DIR", str(tmp_path / "cache"))
    source = tmp_path / "published.h5"
    published = _keras_weights_file(keras, "VGG16", {"include_top": False}, source, rng)
    fetched = []

    def fake_fetch(url, destination):
        fetched.append(url)
        destination.write_bytes(source.read_bytes())

    monkeypatch.setattr(_download, "fetch", fake_fetch)
    monkeypatch.setattr(vgg16, "_FILES", {False: ("vgg16_notop.h5", None)})
    model = vgg16.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert fetched == [
        "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_notop.h5"
    ]
    assert (tmp_path / "cache" / "models" / "vgg16_notop.h5").is_file()
    for ours, theirs in zip(model.get_weights(), published.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_offline_error_names_the_file_and_the_place(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_DATASETS_DIR", str(tmp_path))

    def offline(url, destination):
        raise OSError("no network")

    monkeypatch.setattr(_download, "fetch", offline)
    expected_place = tmp_path / "models" / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with pytest.raises(OSError, match=f"place the file at {expected_place}"):
        resnet50.ResNet50(weights="imagenet", include_top=False, input_shape=(32, 32, 3))


def test_checksum_mismatch_refuses_and_removes_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_DATASETS_DIR", str(tmp_path))
    monkeypatch.setattr(_download, "fetch", lambda url, destination: destination.write_bytes(b"x"))
    with pytest.raises(ValueError, match="does not match its md5 checksum"):
        vgg16.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert not list((tmp_path / "models").iterdir())


def test_decode_predictions(tmp_path, monkeypatch):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(imagenet_utils, "_class_index", index)
    preds = np.zeros((2, 1000), "float32")
    preds[0, [3, 7]] = [0.2, 0.7]
    preds[1, 999] = 1.0
    decoded = resnet50.decode_predictions(preds, top=2)
    assert [entry[:2] for entry in decoded[0]] == [
        ("n00000007", "class_7"),
        ("n00000003", "class_3"),
    ]
    assert decoded[1][0][1] == "class_999" and decoded[1][0][2] == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"shape \(samples, 1000\); received shape \(1000,\)"):
        resnet50.decode_predictions(preds[0])


@pytest.mark.parametrize(
    "family, kwargs, pattern",
    [
        ("VGG16", {"weights": "nowhere.h5"}, "`weights` must be None .*received weights='nowhere"),
        ("ResNet50", {"classes": 10}, "`classes` must be 1000; received classes=10"),
        ("VGG16", {"weights": None, "input_shape": (16, 16, 3)}, "at least 32x32"),
        ("ResNet50", {"input_shape": (64, 64, 3)}, "`input_shape` must be \\(224, 224, 3\\)"),
        ("VGG16", {"include_top": False, "pooling": "sum"}, "`pooling` must be None, 'avg'"),
        ("MobileNetV2", {"alpha": 0.6, "include_top": False}, "alpha in"),
        ("VGG16", {"classifier_activation": "relu"}, "`classifier_activation` must be None"),
        ("VGG16", {"weights": None, "input_shape": (32, 3)}, "\\(height, width, channels\\)"),
        ("ResNet50", {"weights": None, "input_tensor": np.zeros((1, 32, 32, 3))}, "strata.Input"),
    ],
)
def test_bad_arguments(family, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        getattr(strata.applications, family)(**kwargs)


@pytest.mark.parametrize(
    "family, kwargs",
    [
        ("VGG16", {"include_top": False, "pooling": "avg"}),
        ("ResNet50", {"classes": 5, "classifier_activation": None}),
        ("MobileNetV2", {"alpha": 0.35, "classes": 5, "classifier_activation": None}),
    ],
)
def test_onnx_export_agrees_with_predict(tmp_path, rng, family, kwargs):
    pytest.importorskip("jax2onnx", reason="optional dependency jax2onnx: the strata[onnx] extra")
    ort = pytest.importorskip(
        "onnxruntime", reason="optional dependency onnxruntime: runs the ONNX file"
    )
    strata.utils.set_random_seed(0)
    model = getattr(strata.applications, family)(weights=None, input_shape=(32, 32, 3), **kwargs)
    _randomize_statistics(model, rng)
    model.export(tmp_path / "model.onnx", format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"))
    x = rng.uniform(-1, 1, (3, 32, 32, 3)).astype("float32")
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    expected = model.predict(x, verbose=0)
    assert np.abs(expected).max() > 1e-3  # a real signal, not a constant output
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
