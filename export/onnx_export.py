"""Convert the serving function to ONNX with tf2onnx and label the file with its metadata.

The file follows the "generator/1" contract in the docstring of ``gantk.export.runtime``:
inputs ``z`` (and ``label``), outputs ``image`` and ``image_uint8``, a dynamic batch
dimension named ``batch``, and string ``metadata_props`` describing the generator.
"""

import json
import logging

import onnx

from gantk import __version__
from gantk.errors import ConfigError
from gantk.export.onnx_subpixel import subpixel_conv_transposes
from gantk.export.runtime import FORMAT
from gantk.tokenizer import MAX_LENGTH, RULES

OPSETS = range(13, 19)
"""Opsets accepted: tf2onnx 1.17 converts up to 18; 13 is the oldest this graph is tested with."""
DEFAULT_OPSET = 17
BATCH = "batch"


def check_opset(opset):
    """``opset`` as an int (``None`` gives the default), or a ``ConfigError``."""
    if opset is None:
        return DEFAULT_OPSET
    if isinstance(opset, bool) or not isinstance(opset, int) or opset not in OPSETS:
        raise ConfigError(
            f"Argument `opset` must be an ONNX opset from {OPSETS.start} to {OPSETS.stop - 1}. Received: opset={opset!r}"
        )
    return opset


def metadata_props(config, num_classes, training_step):
    """The string ``metadata_props`` of the runtime contract for a run's generator (with its vocabulary
    and tokenizer rules when it draws captions)."""
    captions = {"vocabulary": json.dumps(list(config.vocabulary)), "max_length": str(MAX_LENGTH), "tokenizer": RULES} if config.vocabulary else {}
    return {**captions,
        "gantk_format": FORMAT,
        "gantk_version": __version__,
        "variant": config.variant,
        "dataset": str(config.dataset),
        "latent_dim": str(int(config.latent_dim)),
        "image_shape": json.dumps([int(d) for d in config.image_shape]),
        "num_classes": str(int(num_classes)),
        "labels": json.dumps([str(name) for name in config.label_names or []] if num_classes else []),
        "output_range": "[-1, 1]",
        "training_step": str(int(training_step)),
        "config_sha256": config.sha256(),
    }


def _name_batch_dimension(graph):
    for value in list(graph.input) + list(graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        dim.Clear()
        dim.dim_param = BATCH


def convert(serve, specs, metadata, opset=DEFAULT_OPSET):
    """An ONNX ``ModelProto`` of ``serve`` traced with ``specs``, checked, carrying ``metadata``."""
    import tf2onnx

    logger = logging.getLogger("tf2onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        model, _ = tf2onnx.convert.from_function(serve, input_signature=specs, opset=check_opset(opset))
    finally:
        logger.setLevel(level)
    model = subpixel_conv_transposes(model)
    _name_batch_dimension(model.graph)
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


def write_onnx(serve, specs, path, metadata, opset=DEFAULT_OPSET):
    """Convert ``serve`` and save it to ``path``; returns ``path``."""
    onnx.save(convert(serve, specs, metadata, opset), path)
    return path
