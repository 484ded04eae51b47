"""Square crops and resizes shared by every image source.

A picture that shrinks is area-averaged: each output pixel is the mean of the input pixels its
square covers (fractions weighted), the box filter OpenCV recommends for shrinking (``INTER_AREA``)
and Pillow calls ``BOX``. It is antialiased and far cheaper than TensorFlow's antialiased bilinear
resize (``docs/pipeline.md``), which was most of the CPU a decoded JPEG crop cost. A picture that grows
(the 8x8 digits) is resized bilinearly.
"""

import tensorflow as tf

RESAMPLE = "area average when shrinking, antialiased bilinear when growing (TensorFlow)"


def centre_crop(image, height, width):
    """Crop the central ``height`` x ``width`` window of an ``[..., H, W, C]`` image or batch."""
    shape = tf.shape(image)
    top = (shape[-3] - height) // 2
    left = (shape[-2] - width) // 2
    return image[..., top : top + height, left : left + width, :]


def square_uint8(image, size, channels, crop=None):
    """Centre-crop an image or batch to a square (or to ``crop`` pixels), resize to ``size`` (``resize_square``),
    set ``channels``.

    Grayscale becomes RGB by repetition, RGB becomes grayscale by luminance, an alpha channel is
    dropped. Returns uint8 ``[..., size, size, channels]``.
    """
    image = tf.convert_to_tensor(image)
    if image.shape.rank == 2:
        image = image[:, :, None]
    image = _set_channels(image, channels)
    shape = tf.shape(image)
    side = crop if crop is not None else tf.minimum(shape[-3], shape[-2])
    image = centre_crop(image, side, side)
    out = tf.cast(tf.clip_by_value(tf.round(resize_square(tf.cast(image, tf.float32), size)), 0, 255), tf.uint8)
    return tf.ensure_shape(out, (*out.shape[:-3], size, size, channels))


def resize_square(image, size):
    """A square float image or batch resized to ``size`` x ``size``: area-averaged when it shrinks, antialiased
    bilinear when it grows or keeps its size."""
    shrink = lambda: tf.image.resize(image, (size, size), method="area")  # noqa: E731
    grow = lambda: tf.image.resize(image, (size, size), method="bilinear", antialias=True)  # noqa: E731
    side = image.shape[-2]
    if side is not None:
        return shrink() if side > size else grow()
    return tf.cond(tf.shape(image)[-2] > size, shrink, grow)


def _set_channels(image, channels):
    have = image.shape[-1]
    if have == 4:
        image, have = image[..., :3], 3
    if have == 2:
        image, have = image[..., :1], 1
    if have == channels:
        return image
    if channels == 3:
        return tf.repeat(image, 3, axis=-1)
    gray = tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))
    return tf.cast(tf.round(gray), image.dtype)
