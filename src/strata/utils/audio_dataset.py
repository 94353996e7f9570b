"""`audio_dataset_from_directory`: a folder of ``.wav`` files as batches of ``(audio, labels)``.

Keras decodes with TensorFlow's ``decode_wav``; strata reads PCM files with the standard library's
`wave` and scales the samples to ``[-1, 1)`` the same way (16-bit: ``sample / 32768``). The files,
labels, split and file order are Keras's for the same folder and seed.
"""

from __future__ import annotations

import functools
import wave

import numpy as np

from strata.utils import _directory_index as index
from strata.utils.folder_batches import check_batch_size, folder_subsets

_OWNER = "audio_dataset_from_directory"
# Sample width in bytes -> (NumPy dtype of one sample, full scale).
_PCM = {1: ("u1", 128.0), 2: ("<i2", 32768.0), 4: ("<i4", 2147483648.0)}


def _read_wav(path, sampling_rate, output_sequence_length):
    """A ``(samples, channels)`` float32 array of one ``.wav`` file."""
    try:
        with wave.open(path, "rb") as file:
            width, channels, rate = file.getsampwidth(), file.getnchannels(), file.getframerate()
            frames = file.readframes(file.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        raise ValueError(f"{_OWNER}: could not read the WAV file {path!r}: {error}") from error
    if width == 3:
        # 24-bit little-endian samples placed in the top bytes of int32s keep their sign.
        padded = np.zeros((len(frames) // 3, 4), "u1")
        padded[:, 1:] = np.frombuffer(frames, "u1").reshape(-1, 3)
        samples, scale = padded.view("<i4").ravel(), 2147483648.0
    elif width in _PCM:
        dtype, scale = _PCM[width]
        samples = np.frombuffer(frames, dtype)
    else:
        raise ValueError(f"{_OWNER}: {path!r} has {width}-byte samples; expected PCM of 1-4 bytes.")
    if sampling_rate is not None and rate != sampling_rate:
        raise ValueError(
            f"{_OWNER}: {path!r} is sampled at {rate} Hz, not sampling_rate={sampling_rate}; "
            "strata does not resample (Keras needs tensorflow-io for that). Resample the files "
            "or leave sampling_rate=None."
        )
    audio = samples.astype("float32").reshape(-1, channels)
    if width == 1:
        audio -= 128.0
    audio /= scale
    if output_sequence_length is not None:
        audio = audio[:output_sequence_length]
        missing = output_sequence_length - audio.shape[0]
        audio = np.pad(audio, ((0, missing), (0, 0)))
    return audio


def _pad_and_stack(clips):
    """Clips zero-padded at the end to the longest in the batch (``tf.data``'s padded batch)."""
    longest = max(clip.shape[0] for clip in clips)
    return np.stack([np.pad(clip, ((0, longest - clip.shape[0]), (0, 0))) for clip in clips])


def audio_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    sampling_rate=None,
    output_sequence_length=None,
    ragged=False,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    verbose=True,
):
    """Batches of audio clips (and labels) from a folder of ``.wav`` files: one subfolder per
    class with ``labels="inferred"``.

    Args:
        directory: the folder.
        labels: "inferred" (from the subfolder names), None, or a list of integer labels, one per
            file in sorted path order.
        label_mode: "int", "categorical", "binary" or None (audio only).
        class_names: with inferred labels, the subfolders to use, in label order.
        batch_size: clips per batch, or None for single clips.
        sampling_rate: the files' expected rate in Hz; a file at another rate is an error
            (strata does not resample).
        output_sequence_length: cut or zero-pad every clip to this many samples (None: pad each
            batch to its longest clip).
        ragged: must be False (strata has no ragged tensors).
        shuffle: shuffle the files (and reshuffle at every epoch).
        seed: the shuffle's seed (needed with `validation_split` and shuffling).
        validation_split: the fraction of files kept for validation.
        subset: "training", "validation" or "both" (a list of the two).
        follow_links: walk into linked subfolders.
        verbose: print how many files and classes were found.

    Returns:
        A `FolderBatches` of ``(audio, labels)``: audio float32 ``(batch, samples, channels)``,
        labels as in `image_dataset_from_directory`. It has ``class_names`` and ``file_paths``.

    Example:
        >>> import os, tempfile, wave
        >>> root = tempfile.mkdtemp()
        >>> os.mkdir(os.path.join(root, "beep"))
        >>> with wave.open(os.path.join(root, "beep", "a.wav"), "wb") as f:
        ...     f.setnchannels(1); f.setsampwidth(2); f.setframerate(8000)
        ...     f.writeframes(np.array([0, 16384, -32768], "<i2").tobytes())
        >>> audio, label = audio_dataset_from_directory(root, shuffle=False, verbose=False)[0]
        >>> audio[0, :, 0], label
        (array([ 0. ,  0.5, -1. ], dtype=float32), array([0], dtype=int32))
    """
    index.check_label_arguments(_OWNER, labels, label_mode, class_names)
    check_batch_size(_OWNER, batch_size)
    if ragged:
        raise ValueError(
            f"{_OWNER}: ragged=True is not supported (strata has no ragged tensors); use "
            "output_sequence_length to give every clip the same length, or ragged=False to pad "
            "each batch to its longest clip."
        )
    for name, value in (
        ("sampling_rate", sampling_rate),
        ("output_sequence_length", output_sequence_length),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ValueError(
                f"{_OWNER}: `{name}` must be a positive int or None; received {name}={value!r}."
            )
    index.check_split_arguments(_OWNER, validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = np.random.randint(1e6)
    files = index.index_directory(
        _OWNER, directory, labels, (".wav",), class_names, shuffle, seed, follow_links, verbose
    )
    load = functools.partial(
        _read_wav, sampling_rate=sampling_rate, output_sequence_length=output_sequence_length
    )
    return folder_subsets(
        _OWNER,
        directory,
        files,
        label_mode,
        validation_split=validation_split,
        subset=subset,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        load=load,
        collate=_pad_and_stack,
        formats=(".wav",),
    )
