"""Square crops and resizes shared by every image source."""

import tensorflow as tf


def centre_crop(image, height, width):
    """Crop the central ``height`` x ``width`` window of an ``[..., H, W, C]`` image or batch."""
    shape = tf.shape(image)
    top = (shape[-3] - height) // 2
    left = (shape[-2] - width) // 2
    return image[..., top : top + height, left : left + width, :]


def square_uint8(image, size, channels, crop=None):
    """Centre-crop an image or batch to a square (or to ``crop`` pixels), resize to ``size``, set ``channels``.

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
    resized = tf.image.resize(tf.cast(image, tf.float32), (size, size), method="bilinear", antialias=True)
    out = tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)
    return tf.ensure_shape(out, (*out.shape[:-3], size, size, channels))


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
