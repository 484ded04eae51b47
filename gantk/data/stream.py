"""Image files streamed through ``tf.data``: the order shuffled first, JPEGs decoded only inside their crop.

An epoch never waits for a shuffle buffer of decoded images: the order (file names, or example
indices) is shuffled first, cheaply, then the files are decoded in parallel as they are read. A JPEG
is cropped by ``tf.io.decode_and_crop_jpeg``, which skips the entropy decoding of the blocks outside
the window (libjpeg-turbo's partial decode); other formats go through ``tf.io.decode_image`` and the
same centre crop. The crop and the resize are ``gantk.data.resize.square_uint8``'s, so the pixels
match the in-memory sources. The map functions are traced without AutoGraph (they hold no Python
control flow), which keeps the first batch free of AutoGraph's source conversion.
"""

import tensorflow as tf

from gantk.data.resize import square_uint8

JPEG_PATTERN = r"(?i).*\.jpe?g"


def plain_function(fn):
    """``fn`` for ``tf.data``'s ``map``, traced as written, without AutoGraph's conversion."""
    return tf.autograph.experimental.do_not_convert(fn)


def centre_window(shape, crop=None):
    """``(top, left, side)`` of the central ``crop`` square of an image of ``shape`` (default: the largest)."""
    side = tf.minimum(shape[0], shape[1])
    if crop:
        side = tf.minimum(side, crop)
    return (shape[0] - side) // 2, (shape[1] - side) // 2, side


def jpeg_window(contents, crop=None):
    """Encoded JPEG bytes -> uint8 pixels of the central ``crop`` square (default: the largest), decoded alone."""
    top, left, side = centre_window(tf.io.extract_jpeg_shape(contents), crop)
    return tf.ensure_shape(tf.io.decode_and_crop_jpeg(contents, tf.stack([top, left, side, side]), channels=3), (None, None, 3))


def jpeg_square(contents, image_size, channels=3, crop=None):
    """Encoded JPEG bytes -> uint8 ``[image_size, image_size, channels]``, decoding only the crop window."""
    return square_uint8(jpeg_window(contents, crop), image_size, channels)


def file_window(path, crop=None):
    """One file -> uint8 pixels of its central ``crop`` square (default: the largest); a JPEG decodes only that."""
    contents = tf.io.read_file(path)

    def other():
        image = tf.io.decode_image(contents, channels=3, expand_animations=False)
        top, left, side = centre_window(tf.shape(image), crop)
        return tf.ensure_shape(image[top : top + side, left : left + side], (None, None, 3))

    is_jpeg = tf.strings.regex_full_match(path, JPEG_PATTERN)
    return tf.cond(is_jpeg, lambda: jpeg_window(contents, crop), other)


def decode_square(path, image_size, channels=3, crop=None):
    """One file -> uint8 ``[image_size, image_size, channels]``: the central ``crop`` square (default: the
    largest), resized by ``square_uint8``."""
    return square_uint8(file_window(path, crop), image_size, channels)


def exact_window(window, crop):
    """``window`` checked to be the full ``crop`` x ``crop`` square: an image smaller than the crop stops the pass
    with an error saying so."""
    check = tf.debugging.assert_equal(
        tf.shape(window)[:2], [crop, crop], message=f"An image is smaller than the {crop}-pixel centre crop"
    )
    with tf.control_dependencies([check]):
        return tf.ensure_shape(tf.identity(window), (crop, crop, 3))


def resized_in_batches(windows, image_size, channels, batch_size=64):
    """Examples whose ``image`` is a uint8 crop of one fixed size, resized by ``square_uint8`` a batch at a
    time, then unbatched: the same pixels as one by one, with one resize kernel call per batch instead
    of one per image (the resize is most of the CPU a decoded crop costs)."""

    def resize(batch):
        return {**batch, "image": square_uint8(batch["image"], image_size, channels)}

    batches = windows.batch(batch_size).map(plain_function(resize), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return batches.unbatch()


def seeded_order(count, seed):
    """The indices ``0 .. count - 1`` in an order that is a pure function of the int64 ``seed``."""
    seed = tf.cast(seed, tf.int64)
    return tf.random.experimental.stateless_shuffle(tf.range(count, dtype=tf.int64), seed=tf.stack([seed, seed // 2**32]))


def file_images(paths, image_size, channels=3, crop=None, workers=None, seed=0):
    """Unbatched ``{"image"}`` examples of ``paths`` in a seeded shuffled order, decoded by ``workers`` threads
    (default: tf.data's autotuning). With ``crop`` every image must be at least ``crop`` pixels on each
    side, and the crops are resized in batches (``resized_in_batches``)."""
    names = tf.data.Dataset.from_tensor_slices(tf.gather(tf.constant(list(paths)), seeded_order(len(paths), seed)))
    if crop:
        decode = plain_function(lambda path: {"image": exact_window(file_window(path, crop), crop)})
    else:
        decode = plain_function(lambda path: {"image": decode_square(path, image_size, channels)})
    dataset = names.map(decode, num_parallel_calls=workers or tf.data.AUTOTUNE, deterministic=False)
    if crop:
        dataset = resized_in_batches(dataset, image_size, channels)
    if workers:
        options = tf.data.Options()
        options.threading.private_threadpool_size = int(workers)
        options.threading.max_intra_op_parallelism = 1
        dataset = dataset.with_options(options)
    return dataset


def indexed_examples(example, count, order=None):
    """Examples ``example(index)`` for the indices ``order`` (default: ``0 .. count - 1``), decoded in parallel
    and kept in that order; an example whose decoding fails is left out."""
    indices = tf.data.Dataset.from_tensor_slices(tf.range(count, dtype=tf.int64) if order is None else order)
    examples = indices.map(plain_function(example), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return examples.ignore_errors()


def streamed_epochs(example, count):
    """``stream(seed)`` for ``ImageData.stream``: every example once, in ``seeded_order(count, seed)``."""
    return lambda seed: indexed_examples(example, count, seeded_order(count, seed))
