"""Image files streamed through ``tf.data``: names shuffled, JPEGs decoded only inside their crop.

The first pass over a folder never waits for a shuffle buffer of decoded images: the file names
are shuffled (cheap), then decoded in parallel. A JPEG is cropped by ``tf.io.decode_and_crop_jpeg``,
which skips the entropy decoding of the blocks outside the window (libjpeg-turbo's partial decode);
other formats go through ``tf.io.decode_image`` and the same centre crop. The crop and the resize
are ``gantk.data.resize.square_uint8``'s, so the pixels match the in-memory sources.
"""

import tensorflow as tf

from gantk.data.resize import square_uint8

JPEG_PATTERN = r"(?i).*\.jpe?g"


def centre_window(shape, crop=None):
    """``(top, left, side)`` of the central ``crop`` square of an image of ``shape`` (default: the largest)."""
    side = tf.minimum(shape[0], shape[1])
    if crop:
        side = tf.minimum(side, crop)
    return (shape[0] - side) // 2, (shape[1] - side) // 2, side


def jpeg_square(contents, image_size, channels=3, crop=None):
    """Encoded JPEG bytes -> uint8 ``[image_size, image_size, channels]``, decoding only the crop window."""
    top, left, side = centre_window(tf.io.extract_jpeg_shape(contents), crop)
    square = tf.io.decode_and_crop_jpeg(contents, tf.stack([top, left, side, side]), channels=3)
    return square_uint8(tf.ensure_shape(square, (None, None, 3)), image_size, channels)


def decode_square(path, image_size, channels=3, crop=None):
    """One file -> uint8 ``[image_size, image_size, channels]``: the central ``crop`` square (default: the
    largest), resized with antialiasing."""
    contents = tf.io.read_file(path)

    def other():
        image = tf.io.decode_image(contents, channels=3, expand_animations=False)
        top, left, side = centre_window(tf.shape(image), crop)
        square = image[top : top + side, left : left + side]
        return square_uint8(tf.ensure_shape(square, (None, None, 3)), image_size, channels)

    is_jpeg = tf.strings.regex_full_match(path, JPEG_PATTERN)
    return tf.cond(is_jpeg, lambda: jpeg_square(contents, image_size, channels, crop), other)


def file_images(paths, image_size, channels=3, crop=None, workers=None, seed=0):
    """Unbatched ``{"image"}`` examples of ``paths`` in a seeded shuffled order, decoded by ``workers`` threads
    (default: tf.data's autotuning)."""
    names = tf.data.Dataset.from_tensor_slices(list(paths)).shuffle(len(paths), seed=seed, reshuffle_each_iteration=False)
    dataset = names.map(
        lambda path: {"image": decode_square(path, image_size, channels, crop)},
        num_parallel_calls=workers or tf.data.AUTOTUNE, deterministic=False,
    )
    if workers:
        options = tf.data.Options()
        options.threading.private_threadpool_size = int(workers)
        options.threading.max_intra_op_parallelism = 1
        dataset = dataset.with_options(options)
    return dataset
