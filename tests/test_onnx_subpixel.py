"""The sub-pixel rewrite of ConvTranspose(k 4, s 2, pads 1): same outputs in onnxruntime, other nodes untouched."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from gantk.export import onnx_export, serving
from gantk.export.onnx_subpixel import subpixel_conv_transposes
from gantk.nets.dcgan import dcgan_generator

CIN, COUT, SIZE = 5, 16, 6


def constant(name, array):
    return numpy_helper.from_array(np.asarray(array, np.float32), name)


def conv_transpose_model(follow=(), bias=True, extra_output=False, cout=COUT, **attributes):
    """x [N, CIN, SIZE, SIZE] -> ConvTranspose -> the ``follow`` nodes in a chain -> y."""
    rng = np.random.default_rng(0)
    attributes = {"kernel_shape": [4, 4], "strides": [2, 2], "pads": [1, 1, 1, 1], **attributes}
    attributes = {key: value for key, value in attributes.items() if value is not None}
    kernel = attributes["kernel_shape"]
    initializers = [constant("W", rng.standard_normal((CIN, cout, *kernel)))]
    inputs = ["x", "W"]
    if bias:
        initializers.append(constant("B", rng.standard_normal(cout)))
        inputs.append("B")
    nodes = [helper.make_node("ConvTranspose", inputs, ["t0"], name="deconv", **attributes)]
    for i, (op, value, op_attributes) in enumerate(follow):
        node_inputs = [f"t{i}"]
        if value is not None:
            initializers.append(constant(f"c{i}", value))
            node_inputs.append(f"c{i}")
        nodes.append(helper.make_node(op, node_inputs, [f"t{i + 1}"], name=f"{op}{i}", **op_attributes))
    nodes.append(helper.make_node("Identity", [f"t{len(follow)}"], ["y"], name="out"))
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", cout, "H", "W"])]
    if extra_output:
        outputs.append(helper.make_tensor_value_info("t0", TensorProto.FLOAT, ["N", cout, "H", "W"]))
    graph = helper.make_graph(
        nodes, "deconv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", CIN, SIZE, SIZE])], outputs, initializers
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model, full_check=True)
    return model


def run(model, **feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def op_types(model):
    return [node.op_type for node in model.graph.node]


BN = [("Mul", np.linspace(0.5, 1.5, COUT).reshape(1, COUT, 1, 1), {}), ("Add", np.linspace(-1, 1, COUT).reshape(COUT, 1, 1), {})]
FOLLOWERS = {
    "alone": [],
    "batchnorm_relu": BN + [("Relu", None, {})],
    "scalar_mul_leaky_relu": [("Mul", 2.0, {}), ("LeakyRelu", None, {"alpha": 0.2})],
    "tanh_then_mul": [("Tanh", None, {}), ("Mul", 3.0, {})],
    "full_mul_not_folded": [("Mul", np.linspace(-1, 1, 4 * SIZE * SIZE).reshape(1, 1, 2 * SIZE, 2 * SIZE), {}), ("Relu", None, {})],
}


@pytest.mark.parametrize("follow", sorted(FOLLOWERS))
@pytest.mark.parametrize("bias", [True, False])
def test_rewrite_matches_conv_transpose(follow, bias):
    model = conv_transpose_model(FOLLOWERS[follow], bias=bias)
    rewritten = subpixel_conv_transposes(model)
    assert "ConvTranspose" not in op_types(rewritten) and op_types(rewritten).count("Conv") == 4
    x = np.random.default_rng(1).standard_normal((2, CIN, SIZE, SIZE)).astype(np.float32)
    (expected,), (actual,) = run(model, x=x), run(rewritten, x=x)
    assert actual.shape == expected.shape == (2, COUT, 2 * SIZE, 2 * SIZE)
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-5)


def test_folds_batchnorm_and_activation_into_the_phases():
    rewritten = subpixel_conv_transposes(conv_transpose_model(FOLLOWERS["batchnorm_relu"]))
    assert op_types(rewritten)[:9] == ["Conv", "Relu"] * 4 + ["Concat"]
    assert "Relu" not in op_types(rewritten)[9:] and "ConvTranspose" not in op_types(rewritten)
    assert {tensor.name for tensor in rewritten.graph.initializer}.isdisjoint({"W", "B", "c0", "c1"})


def test_onnx_reference_evaluator_agrees():
    model = conv_transpose_model(FOLLOWERS["batchnorm_relu"])
    x = np.random.default_rng(3).standard_normal((2, CIN, SIZE, SIZE)).astype(np.float32)
    (expected,), (actual,) = run(model, x=x), ReferenceEvaluator(subpixel_conv_transposes(model)).run(None, {"x": x})
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("size", [1, 3])
def test_batch_and_image_size_stay_dynamic(size):
    model = conv_transpose_model(FOLLOWERS["batchnorm_relu"])
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_param = "H"
    model.graph.input[0].type.tensor_type.shape.dim[3].dim_param = "W"
    rewritten = subpixel_conv_transposes(model)
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, CIN, size, size + 2)).astype(np.float32)
        (expected,), (actual,) = run(model, x=x), run(rewritten, x=x)
        assert actual.shape == (batch, COUT, 2 * size, 2 * size + 4)
        np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-5)


def test_stops_at_a_tensor_used_twice():
    model = conv_transpose_model(FOLLOWERS["batchnorm_relu"], extra_output=True)
    rewritten = subpixel_conv_transposes(model)
    assert op_types(rewritten)[:5] == ["Conv"] * 4 + ["Concat"]
    assert op_types(rewritten)[-4:] == ["Mul", "Add", "Relu", "Identity"]
    x = np.random.default_rng(2).standard_normal((1, CIN, SIZE, SIZE)).astype(np.float32)
    for expected, actual in zip(run(model, x=x), run(rewritten, x=x)):
        np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "attributes",
    [
        {"pads": [0, 0, 0, 0]},
        {"pads": [1, 1, 2, 2]},
        {"kernel_shape": [3, 3]},
        {"strides": [1, 1]},
        {"output_padding": [1, 1]},
        {"dilations": [2, 2]},
        {"auto_pad": "SAME_UPPER", "pads": None},
        {"cout": 3},
    ],
    ids=str,
)
def test_leaves_other_conv_transposes_alone(attributes):
    model = conv_transpose_model(FOLLOWERS["scalar_mul_leaky_relu"], **attributes)
    assert subpixel_conv_transposes(model) == model


def test_exported_dcgan_generator_makes_the_same_images():
    """16x16x3 at width 16: a 16-channel 4x4 -> 8x8 layer is rewritten, the 3-channel output layer is not."""
    generator = dcgan_generator(8, (16, 16, 3), width=16)
    rng = np.random.default_rng(0)
    generator.set_weights([rng.uniform(0.5, 1.5, w.shape) if "variance" in v.path else rng.normal(0, 0.3, w.shape)
                           for v, w in zip(generator.weights, generator.get_weights())])
    serve, specs = serving.serving_function(generator, 8)
    model = onnx_export.convert(serve, specs, {"gantk_format": "generator/1"})
    assert op_types(model).count("ConvTranspose") == 1 and op_types(model).count("Conv") == 4
    z = rng.standard_normal((4, 8)).astype(np.float32)
    image, _ = run(model, z=z)
    np.testing.assert_allclose(image, generator(z, training=False).numpy(), atol=1e-5)
