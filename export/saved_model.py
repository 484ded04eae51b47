"""Write the serving function as a TensorFlow SavedModel and read it back.

The file needs neither gantk nor the training code: ``tf.saved_model.load(path)`` gives the
``serving_default`` signature (also the ``serve`` method) over the inputs and outputs of
``gantk.export.serving``. Written with ``keras.export.ExportArchive``, which tracks the
generator's variables and stores only the traced inference graph.
"""

import keras
import numpy as np
import tensorflow as tf

ENDPOINT = "serve"
SIGNATURE = "serving_default"


def write_saved_model(generator, serve, specs, path):
    """Save ``serve`` (traced with ``specs``) and ``generator``'s variables as a SavedModel in ``path``."""
    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint(name=ENDPOINT, fn=serve, input_signature=specs)
    archive.write_out(path, verbose=False)
    return path


def run_saved_model(path, z, labels=None, tokens=None):
    """Load the SavedModel in ``path`` and return its outputs for ``z`` (and ``labels`` or caption ``tokens``) as numpy arrays."""
    signature = tf.saved_model.load(path).signatures[SIGNATURE]
    feed = {"z": tf.constant(np.asarray(z, np.float32))}
    if labels is not None:
        feed["label"] = tf.constant(np.asarray(labels, np.int32))
    if tokens is not None:
        feed["tokens"] = tf.constant(np.asarray(tokens, np.int32))
    return {name: value.numpy() for name, value in signature(**feed).items()}
