"""`load_img`, `img_to_array`, `array_to_img`, `save_img` against Keras 3's (both use Pillow)."""

import io

import numpy as np
import pytest

from strata.utils import array_to_img, img_to_array, load_img, save_img
from strata.utils.image_utils import smart_resize

Image = pytest.importorskip("PIL.Image", reason="optional dependency pillow: reads image files")


@pytest.fixture
def photo(tmp_path, rng):
    path = tmp_path / "photo.png"
    Image.fromarray(rng.integers(0, 255, (13, 21, 4), dtype=np.uint8), "RGBA").save(path)
    return path


@pytest.mark.parametrize("color_mode", ["rgb", "rgba", "grayscale"])
@pytest.mark.parametrize(
    "target_size, interpolation, keep",
    [(None, "nearest", False), ((7, 9), "bilinear", False), ((8, 5), "lanczos", True)],
)
def test_load_img_matches_keras(keras, photo, color_mode, target_size, interpolation, keep):
    kwargs = dict(
        color_mode=color_mode,
        target_size=target_size,
        interpolation=interpolation,
        keep_aspect_ratio=keep,
    )
    ours, theirs = load_img(photo, **kwargs), keras.utils.load_img(photo, **kwargs)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    buffer = io.BytesIO(photo.read_bytes())
    np.testing.assert_array_equal(np.asarray(load_img(buffer, **kwargs)), np.asarray(theirs))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("scale", [True, False])
def test_array_round_trip_matches_keras(keras, rng, data_format, channels, scale):
    x = rng.uniform(0, 255, (5, 6, channels))
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    ours = array_to_img(x, data_format=data_format, scale=scale)
    theirs = keras.utils.array_to_img(x, data_format=data_format, scale=scale)
    assert ours.mode == theirs.mode
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    back = img_to_array(ours, data_format=data_format)
    np.testing.assert_array_equal(back, keras.utils.img_to_array(theirs, data_format=data_format))
    assert back.dtype == np.float32
    assert img_to_array(ours, dtype="uint8").dtype == np.uint8


def test_large_grayscale_values_use_32_bit_mode(keras):
    x = np.full((2, 2, 1), 1000.0)
    assert array_to_img(x, scale=False).mode == keras.utils.array_to_img(x, scale=False).mode == "I"


@pytest.mark.parametrize("name", ["a.png", "b.jpg", "c.bmp"])
def test_save_img_writes_what_keras_writes(keras, tmp_path, rng, name):
    x = rng.uniform(0, 1, (6, 4, 3))
    save_img(tmp_path / f"ours_{name}", x)
    keras.utils.save_img(tmp_path / f"keras_{name}", x)
    assert (tmp_path / f"ours_{name}").read_bytes() == (tmp_path / f"keras_{name}").read_bytes()


def test_save_rgba_as_jpeg_warns_and_drops_alpha(tmp_path, rng):
    with pytest.warns(UserWarning, match="JPEG has no alpha channel"):
        save_img(tmp_path / "x.jpg", rng.uniform(0, 1, (4, 4, 4)))
    with Image.open(tmp_path / "x.jpg") as img:
        assert img.mode == "RGB"


def test_smart_resize_matches_keras(keras, rng):
    x = rng.uniform(0, 255, (2, 9, 14, 3)).astype("float32")
    expected = keras.preprocessing.image.smart_resize(x, (5, 5))
    np.testing.assert_allclose(smart_resize(x, (5, 5)), np.asarray(expected), rtol=1e-5)


def test_unreadable_files_are_named(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"nope")
    with pytest.raises(ValueError, match=r"load_img: could not decode the image file .*broken"):
        load_img(broken)
    with pytest.raises(FileNotFoundError):
        load_img(tmp_path / "missing.png")


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda p: load_img(p, color_mode="cmyk"), ValueError, "`color_mode` must be"),
        (lambda p: load_img(p, target_size=(2, 2), interpolation="area"), ValueError, "nearest"),
        (lambda p: load_img(3), TypeError, "must be a path or an io.BytesIO; received int"),
        (lambda p: img_to_array(np.zeros(3)), ValueError, "expected a 2-D or 3-D image"),
        (lambda p: img_to_array(np.zeros((2, 2)), data_format="nhwc"), ValueError, "data_format"),
        (lambda p: array_to_img(np.zeros((2, 2))), ValueError, "expected a 3-D image array"),
        (lambda p: array_to_img(np.zeros((2, 2, 2))), ValueError, "1, 3 or 4 channels; received 2"),
        (lambda p: smart_resize(np.zeros((2, 2)), (1, 1)), ValueError, "3-D image or 4-D batch"),
        (lambda p: smart_resize(np.zeros((2, 2, 1)), (1, 1), "area"), ValueError, "interpolation"),
    ],
)
def test_bad_arguments(photo, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call(photo)
