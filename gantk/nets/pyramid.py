"""Laplacian pyramid operators d() and u() of LAPGAN (Denton et al. 2015, section 3.1).

d() blurs and decimates an image to half its size: the separable binomial filter [1, 3, 3, 1] / 8
centred on each 2x2 block, edges replicated. u() smooths and
expands to twice the size: bilinear interpolation with half-pixel centres, each new pixel
3/4 of its nearest source pixel and 1/4 of the next one, edges replicated. Both are built from
slices, sums and reshapes only, so an exported pyramid runs the same ops in TensorFlow and ONNX.
The Gaussian pyramid is I_{k+1} = d(I_k); the Laplacian coefficients h_k = I_k - u(d(I_k)).
"""

import keras
from keras import layers, ops


def _pad_edges(x, axis):
    first = ops.take(x, [0], axis=axis)
    last = ops.take(x, [x.shape[axis] - 1], axis=axis)
    return ops.concatenate([first, x, last], axis=axis)


def _slice(x, axis, start, stop):
    index = [slice(None)] * 4
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _halve(x, axis):
    """[1, 3, 3, 1] / 8 over each pair of pixels along ``axis`` (height 1 or width 2)."""
    n = x.shape[axis]
    padded = _pad_edges(x, axis)
    shape = list(padded.shape)
    shape[0] = -1
    shape[axis : axis + 1] = [n // 2 + 1, 2]
    pairs = ops.reshape(padded, shape)
    first = ops.take(pairs, [0], axis=axis + 1)
    second = ops.take(pairs, [1], axis=axis + 1)
    half = n // 2
    blurred = (
        0.125 * _slice(first, axis, 0, half) + 0.375 * _slice(second, axis, 0, half)
        + 0.375 * _slice(first, axis, 1, half + 1) + 0.125 * _slice(second, axis, 1, half + 1)
    )
    return ops.squeeze(blurred, axis + 1)


def _double(x, axis):
    """Bilinear x2 with half-pixel centres along ``axis``: 3/4 nearest + 1/4 next, edges replicated."""
    n = x.shape[axis]
    padded = _pad_edges(x, axis)
    before, centre, after = _slice(padded, axis, 0, n), _slice(padded, axis, 1, n + 1), _slice(padded, axis, 2, n + 2)
    even, odd = 0.25 * before + 0.75 * centre, 0.75 * centre + 0.25 * after
    shape = list(x.shape)
    shape[0] = -1
    shape[axis] = 2 * n
    return ops.reshape(ops.stack([even, odd], axis=axis + 1), shape)


def downsample(images):
    """d(): blur and decimate [batch, H, W, C] images to [batch, H/2, W/2, C]."""
    return _halve(_halve(images, 1), 2)


def upsample(images):
    """u(): smooth and expand [batch, H, W, C] images to [batch, 2H, 2W, C]."""
    return _double(_double(images, 1), 2)


def gaussian_pyramid(images, levels):
    """[I_K, ..., I_1, I_0]: ``levels`` images from the coarsest to ``images`` itself, I_{k+1} = d(I_k)."""
    pyramid = [images]
    for _ in range(levels - 1):
        pyramid.insert(0, downsample(pyramid[0]))
    return pyramid


@keras.saving.register_keras_serializable(package="gantk")
class Downsample(layers.Layer):
    """``downsample`` as a layer."""

    def call(self, images):
        return downsample(images)

    def compute_output_shape(self, shape):
        return (shape[0], shape[1] // 2, shape[2] // 2, shape[3])


@keras.saving.register_keras_serializable(package="gantk")
class Upsample(layers.Layer):
    """``upsample`` as a layer."""

    def call(self, images):
        return upsample(images)

    def compute_output_shape(self, shape):
        return (shape[0], shape[1] * 2, shape[2] * 2, shape[3])


@keras.saving.register_keras_serializable(package="gantk")
class LatentSlice(layers.Layer):
    """Columns ``start:stop`` of the pyramid's one latent vector: one level's noise."""

    def __init__(self, start, stop, **kwargs):
        super().__init__(**kwargs)
        self.start, self.stop = int(start), int(stop)

    def call(self, z):
        return z[:, self.start : self.stop]

    def compute_output_shape(self, shape):
        return (shape[0], self.stop - self.start)

    def get_config(self):
        return {**super().get_config(), "start": self.start, "stop": self.stop}


@keras.saving.register_keras_serializable(package="gantk")
class AddResidual(layers.Layer):
    """I_k = u(I_{k+1}) + h_k, clipped to the image range [-1, 1]."""

    def call(self, inputs):
        low, residual = inputs
        return ops.clip(low + ops.cast(residual, low.dtype), -1.0, 1.0)

    def compute_output_shape(self, shapes):
        return shapes[0]
