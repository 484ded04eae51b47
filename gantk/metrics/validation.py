"""The input checks every measure shares: feature matrices, real and fake feature pairs, and integer arguments."""

import numbers

import numpy as np

from gantk.errors import GantkError


def is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_integer(value, name, minimum):
    if not is_integer(value) or value < minimum:
        raise GantkError(f"Argument `{name}` must be an integer >= {minimum}. Received: {name}={value!r}")


def as_matrix(values, name, min_rows=2, rows="num_samples", columns="num_features", keep_float32=False):
    """``values`` as a finite 2-D float array of at least ``min_rows`` rows, or one clear error.

    float64 unless ``keep_float32`` and the input is already float16/float32 (kept as float32).
    """
    array = np.asarray(values)
    dtype = np.float32 if keep_float32 and array.dtype in (np.float16, np.float32) else np.float64
    array = array.astype(dtype, copy=False)
    if array.ndim != 2 or array.shape[0] < min_rows or array.shape[1] < 1:
        shape_rows = f"{rows} >= {min_rows}" if min_rows > 1 else rows
        raise GantkError(
            f"Argument `{name}` must be a 2-D array of shape ({shape_rows}, {columns}). "
            f"Received: {name}.shape={np.shape(values)}"
        )
    if not np.all(np.isfinite(array)):
        raise GantkError(
            f"Argument `{name}` must contain only finite values. "
            f"Received: {name} with {array.size - np.isfinite(array).sum()} non-finite values"
        )
    return array


def feature_pair(real_features, fake_features, keep_float32=False):
    """``(real, fake)`` as ``as_matrix`` arrays with the same number of columns, or one clear error."""
    real = as_matrix(real_features, "real_features", keep_float32=keep_float32)
    fake = as_matrix(fake_features, "fake_features", keep_float32=keep_float32)
    if real.shape[1] != fake.shape[1]:
        raise GantkError(
            "Argument `fake_features` must have as many columns as `real_features` "
            f"({real.shape[1]}). Received: fake_features.shape={fake.shape}"
        )
    return real, fake
