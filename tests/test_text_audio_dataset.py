"""`text_dataset_from_directory` and `audio_dataset_from_directory`: Keras's file order, labels and
split; texts as Keras's grain loader reads them; WAV samples scaled as TensorFlow's decoder does."""

import wave

import numpy as np
import pytest

import strata
from strata.utils import audio_dataset_from_directory, text_dataset_from_directory


def _texts(root):
    for c, name in enumerate(["pos", "neg"]):
        (root / name / "more").mkdir(parents=True)
        for i in range(5):
            sub = "more/" if i == 0 else ""
            (root / name / f"{sub}r{i}.txt").write_text(f"{name} review {i} " + "ü" * c * i)
        (root / name / "skip.md").write_text("ignored")
    return root


def _write_wav(path, samples, width=2, rate=8000):
    with wave.open(str(path), "wb") as file:
        file.setnchannels(samples.shape[1])
        file.setsampwidth(width)
        file.setframerate(rate)
        file.writeframes(samples.tobytes())


def _clips(root, rng):
    for name in ["yes", "no"]:
        (root / name).mkdir(parents=True)
        for i in range(3):
            _write_wav(
                root / name / f"c{i}.wav", rng.integers(-32768, 32767, (5 + 3 * i, 2), "<i2")
            )
    return root


@pytest.mark.parametrize("seed", [0, 42])
@pytest.mark.parametrize("label_mode", ["int", "categorical", "binary", None])
def test_text_batches_match_keras_grain(keras, tmp_path, seed, label_mode):
    pytest.importorskip("grain", reason="optional dependency grain: Keras's TensorFlow-free loader")
    root = _texts(tmp_path / "t")
    kwargs = dict(label_mode=label_mode, batch_size=3, max_length=12, verbose=False)
    theirs = keras.utils.text_dataset_from_directory(root, shuffle=False, format="grain", **kwargs)
    ours = text_dataset_from_directory(root, shuffle=False, **kwargs)
    assert ours.class_names == theirs.class_names
    for got, want in zip(ours, theirs, strict=True):
        if label_mode is None:
            got, want = (got,), (want,)
        assert got[0].tolist() == list(want[0])
        if label_mode is not None:
            np.testing.assert_array_equal(got[1], np.asarray(want[1]))
            assert got[1].dtype == np.asarray(want[1]).dtype
    shuffled = text_dataset_from_directory(root, seed=seed, verbose=False)
    from keras.src.utils import dataset_utils

    paths, _, _ = dataset_utils.index_directory(
        str(root), "inferred", formats=(".txt",), shuffle=True, seed=seed, verbose=False
    )
    assert shuffled.file_paths == paths


def test_texts_train_a_model_through_fit(tmp_path):
    root = _texts(tmp_path / "t")
    data = text_dataset_from_directory(root, batch_size=4, seed=1, verbose=False)
    lengths = ((np.array([[len(t)] for t in x], "float32"), y) for x, y in data)
    model = strata.Sequential([strata.layers.Input((1,)), strata.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert np.isfinite(model.fit(lengths, epochs=1, verbose=0).history["loss"][0])


def test_audio_samples_split_and_padding(tmp_path, rng):
    root = _clips(tmp_path / "a", rng)
    data = audio_dataset_from_directory(root, shuffle=False, batch_size=4, verbose=False)
    assert data.class_names == ["no", "yes"] and len(data) == 2
    audio, labels = data[0]
    assert audio.shape == (4, 11, 2) and audio.dtype == np.float32
    np.testing.assert_array_equal(labels, [0, 0, 0, 1])
    with wave.open(data.file_paths[0], "rb") as file:
        raw = np.frombuffer(file.readframes(5), "<i2").reshape(5, 2)
    np.testing.assert_array_equal(audio[0, :5], raw / 32768.0)
    assert not audio[0, 5:].any()  # padded to the batch's longest clip
    fixed = audio_dataset_from_directory(
        root, shuffle=False, output_sequence_length=7, batch_size=None, verbose=False
    )
    assert {fixed[i][0].shape for i in range(len(fixed))} == {(7, 2)}
    train, val = audio_dataset_from_directory(
        root, seed=3, validation_split=0.5, subset="both", verbose=False
    )
    assert len(train.file_paths) == len(val.file_paths) == 3


@pytest.mark.parametrize("width, dtype, scale, offset", [(1, "u1", 128, 128), (4, "<i4", 2**31, 0)])
def test_other_sample_widths(tmp_path, width, dtype, scale, offset):
    (tmp_path / "c").mkdir()
    info = np.iinfo(dtype)
    samples = np.array([[info.min], [0], [info.max]], dtype)
    _write_wav(tmp_path / "c" / "x.wav", samples, width=width)
    audio = audio_dataset_from_directory(tmp_path, shuffle=False, verbose=False)[0][0]
    np.testing.assert_allclose(audio[0, :, 0], (samples[:, 0].astype("float64") - offset) / scale)


def test_24_bit_samples(tmp_path):
    (tmp_path / "c").mkdir()
    values = np.array([-(2**23), -1, 0, 2**23 - 1])
    frames = b"".join(int(v).to_bytes(3, "little", signed=True) for v in values)
    with wave.open(str(tmp_path / "c" / "x.wav"), "wb") as file:
        file.setnchannels(1), file.setsampwidth(3), file.setframerate(8000)
        file.writeframes(frames)
    audio = audio_dataset_from_directory(tmp_path, shuffle=False, verbose=False)[0][0]
    np.testing.assert_allclose(audio[0, :, 0], values / 2**23)


def test_unreadable_files_are_named(tmp_path, rng):
    root = _clips(tmp_path / "a", rng)
    (root / "no" / "bad.wav").write_bytes(b"RIFF....")
    data = audio_dataset_from_directory(root, shuffle=False, batch_size=8, verbose=False)
    with pytest.raises(ValueError, match=r"could not read the WAV file .*bad\.wav"):
        data[0]
    resampled = audio_dataset_from_directory(
        _clips(tmp_path / "b", rng), sampling_rate=16000, verbose=False, seed=1
    )
    with pytest.raises(ValueError, match=r"sampled at 8000 Hz, not sampling_rate=16000"):
        resampled[0]
    (tmp_path / "t" / "x").mkdir(parents=True)
    (tmp_path / "t" / "x" / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(ValueError, match=r"could not read the text file .*bad\.txt"):
        text_dataset_from_directory(tmp_path / "t", verbose=False)[0]


def test_empty_folders(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(ValueError, match=r"found no files in .*\(allowed extensions: \.txt\)"):
        text_dataset_from_directory(tmp_path, verbose=False)
    with pytest.raises(ValueError, match=r"found no files in .*\.wav"):
        audio_dataset_from_directory(tmp_path, verbose=False)


@pytest.mark.parametrize(
    "function, kwargs, pattern",
    [
        (text_dataset_from_directory, {"max_length": -1}, "`max_length` must be a non-negative"),
        (text_dataset_from_directory, {"batch_size": 2.5}, "`batch_size` must be a positive int"),
        (text_dataset_from_directory, {"label_mode": "onehot"}, "`label_mode` must be one of"),
        (audio_dataset_from_directory, {"ragged": True}, "ragged=True is not supported"),
        (audio_dataset_from_directory, {"sampling_rate": 0}, "`sampling_rate` must be a positive"),
        (
            audio_dataset_from_directory,
            {"output_sequence_length": "long"},
            "`output_sequence_length` must be a positive int",
        ),
        (audio_dataset_from_directory, {"subset": "training"}, "go together"),
    ],
)
def test_bad_arguments(tmp_path, function, kwargs, pattern):
    (tmp_path / "x").mkdir()
    with pytest.raises(ValueError, match=pattern):
        function(tmp_path, verbose=False, **kwargs)
