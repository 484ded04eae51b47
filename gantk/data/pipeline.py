"""Batches for training: a seeded, resumable order of shuffled epochs."""

import tensorflow as tf

from gantk.data.stream import plain_function
from gantk.errors import DatasetError
from gantk.pixels import tensor_from_uint8

SHUFFLE_BUFFER = 65_536


def steps_per_epoch(num_examples, examples_per_step):
    """Whole steps in one pass over the data; a step takes ``examples_per_step`` examples."""
    steps = num_examples // examples_per_step
    if steps < 1:
        raise DatasetError(
            f"The dataset has {num_examples} examples, fewer than the {examples_per_step} one training step "
            "needs (batch size x discriminator steps); lower --batch-size."
        )
    return steps


def scale_images(batch):
    """uint8 pixels to float32 in [-1, 1], the range of the generator's tanh (Radford et al. 2015)."""
    image = batch["image"]
    if image.dtype == tf.uint8:
        image = tensor_from_uint8(image)
    return {**batch, "image": image}


def tensorflow_seed(seed):
    """TensorFlow's global seed for a run's ``seed``: ``seed + 1``, because TensorFlow treats a global
    seed of 0 specially and cannot combine it with the per-epoch seed tensors of ``training_batches``."""
    return int(seed) + 1


def training_batches(data, examples_per_step, seed=0, start_step=0):
    """An endless dataset of batches of ``examples_per_step`` examples, beginning at ``start_step``.

    Epoch ``e`` is the data shuffled with seed ``(seed, e)`` (by ``data.stream`` when the data is decoded
    as it is read, else by a shuffle buffer) and cut into whole batches, so the batches
    are a pure function of the seed and the step: a resumed run sees exactly the batches the
    uninterrupted run would have seen. The shuffle's graph-level seed is ``tensorflow_seed(seed)``,
    the global seed ``gantk.training.build.seed_everything`` sets, whatever the caller's global seed is.
    """
    per_epoch = steps_per_epoch(data.num_examples, examples_per_step)
    first_epoch, offset = divmod(int(start_step), per_epoch)
    examples = data.dataset

    def epoch_batches(epoch):
        tf.random.set_seed(tensorflow_seed(seed))
        epoch_seed = tf.cast(seed, tf.int64) * 1_000_003 + epoch
        if data.stream is not None:
            shuffled = data.stream(epoch_seed)
        else:
            shuffled = examples.shuffle(min(data.num_examples, SHUFFLE_BUFFER), seed=epoch_seed, reshuffle_each_iteration=False)
        return shuffled.batch(examples_per_step, drop_remainder=True)

    batches = tf.data.Dataset.counter(first_epoch).flat_map(plain_function(epoch_batches)).skip(offset)
    batches = batches.map(plain_function(scale_images), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return batches.prefetch(tf.data.AUTOTUNE)
