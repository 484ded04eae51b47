"""A tiny gantk ONNX generator built directly with ``onnx.helper`` (no TensorFlow), for runtime tests."""

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

LATENT_DIM = 8
SHAPE = (4, 4, 1)
NAMES = ["cat", "dog", "bird"]


def _weights():
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((LATENT_DIM, int(np.prod(SHAPE)))).astype(np.float32) * 0.5
    table = rng.standard_normal((len(NAMES), LATENT_DIM)).astype(np.float32)
    return weight, table


def _reference(z, labels=None):
    """numpy version of the tiny graph: tanh((z + table[labels]) @ weight) as NHWC."""
    weight, table = _weights()
    z = np.asarray(z, np.float32)
    if labels is not None:
        z = z + table[np.asarray(labels)]
    return np.tanh(z @ weight).reshape((-1,) + SHAPE)


def _metadata(conditional, **overrides):
    props = {
        "gantk_format": "generator/1",
        "gantk_version": "0.1.0",
        "variant": "cgan" if conditional else "gan",
        "dataset": "toy",
        "latent_dim": str(LATENT_DIM),
        "image_shape": json.dumps(list(SHAPE)),
        "num_classes": str(len(NAMES)) if conditional else "0",
        "labels": json.dumps(NAMES if conditional else []),
        "output_range": "[-1, 1]",
        "training_step": "2",
        "config_sha256": "0" * 64,
    }
    props.update(overrides)
    return {key: value for key, value in props.items() if value is not None}


def _write_generator(path, conditional=False, **metadata):
    weight, table = _weights()
    inputs = [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", LATENT_DIM])]
    init = [
        numpy_helper.from_array(weight, "weight"),
        numpy_helper.from_array(np.array([-1, *SHAPE], np.int64), "shape"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array(127.5, np.float32), "half_range"),
        numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
        numpy_helper.from_array(np.array(255.0, np.float32), "hi"),
    ]
    nodes = []
    latent = "z"
    if conditional:
        inputs.append(helper.make_tensor_value_info("label", TensorProto.INT32, ["batch"]))
        init.append(numpy_helper.from_array(table, "table"))
        nodes += [
            helper.make_node("Gather", ["table", "label"], ["embedded"], axis=0),
            helper.make_node("Add", ["z", "embedded"], ["conditioned"]),
        ]
        latent = "conditioned"
    nodes += [
        helper.make_node("MatMul", [latent, "weight"], ["logits"]),
        helper.make_node("Tanh", ["logits"], ["flat"]),
        helper.make_node("Reshape", ["flat", "shape"], ["image"]),
        helper.make_node("Add", ["image", "one"], ["shifted"]),
        helper.make_node("Mul", ["shifted", "half_range"], ["scaled"]),
        helper.make_node("Round", ["scaled"], ["rounded"]),
        helper.make_node("Clip", ["rounded", "lo", "hi"], ["clipped"]),
        helper.make_node("Cast", ["clipped"], ["image_uint8"], to=TensorProto.UINT8),
    ]
    outputs = [
        helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", *SHAPE]),
        helper.make_tensor_value_info("image_uint8", TensorProto.UINT8, ["batch", *SHAPE]),
    ]
    graph = helper.make_graph(nodes, "tiny_generator", inputs, outputs, init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(model, _metadata(conditional, **metadata))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return str(path)
