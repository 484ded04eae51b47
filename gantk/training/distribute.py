"""Choosing the ``tf.distribute`` strategy a run trains under."""

import tensorflow as tf

from gantk.errors import ConfigError

STRATEGIES = ("auto", "default", "mirrored", "multi-worker", "tpu")


def get_strategy(name="auto"):
    """``auto``: mirrored over all visible GPUs when there are several, else the default strategy."""
    if name == "auto":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ConfigError(f"Argument `strategy` must be one of {', '.join(STRATEGIES)}. Received: strategy={name!r}")
