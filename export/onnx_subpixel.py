"""Rewrite DCGAN's transposed convolutions as sub-pixel convolutions, which onnxruntime runs faster.

tf2onnx writes ``Conv2DTranspose(kernel 4, strides 2, padding="same")`` as ONNX
``ConvTranspose(W, kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1])``, ``W`` of shape
``[C_in, C_out, 4, 4]``, followed by inference BatchNorm as ``Mul`` and ``Add`` by per-channel
constants and an activation. onnxruntime runs ``ConvTranspose`` on the CPU as GEMM plus col2im,
but ``Conv`` through its blocked (NCHWc) kernels, with the activation fused in.

The sub-pixel form (Shi et al. 2016, "Real-Time Single Image and Video Super-Resolution Using an
Efficient Sub-Pixel Convolutional Neural Network") computes the same output with ordinary
convolutions and a depth-to-space interleave. ``ConvTranspose`` adds ``x[i] * W[k]`` to output
row ``o = 2 i + k - 1``, so output row ``o = 2 m + a`` takes tap ``k = 3 - a - 2 j`` from input row
``m - 1 + a + j``, ``j`` in {0, 1}: a 2-tap correlation padded ``1 - a`` before and ``a`` after.
Columns split the same way with phase ``b``, so phase ``(a, b)`` is a 2x2 ``Conv`` with weights
``K[co, ci, jh, jw] = W[ci, co, 3 - a - 2 jh, 3 - b - 2 jw]`` and pads ``[1 - a, 1 - b, a, b]``:
the same multiply-adds as the ``ConvTranspose``. The four phases, concatenated on channels in
the order (0, 0), (0, 1), (1, 0), (1, 1), are ``DepthToSpace(blocksize=2, mode="DCR")`` of the
``2H x 2W`` output, written here as transposes that move whole runs of channels (``_interleave``).

Per-channel ``Mul`` and ``Add`` by constants that follow are folded into each phase's weights and
bias, and a following activation is applied to each phase before the ``Concat`` (both commute
with the interleave), so onnxruntime fuses it into the ``Conv``. Any other ``ConvTranspose``
(other kernel, strides, pads, groups, dilations, ``output_padding``, ``output_shape``, weights
or bias that are not float32 initializers, output channels not a multiple of ``CHANNEL_BLOCK``)
is left as it is. docs/scale-and-speed.md gives the figures (``gantk bench speed``).
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from gantk.export.onnx_graph import initializers as graph_initializers

PATTERN = {"kernel_shape": [4, 4], "strides": [2, 2], "pads": [1, 1, 1, 1], "dilations": [1, 1], "group": 1, "auto_pad": b"NOTSET"}
"""Attributes of the rewritten ``ConvTranspose``; absent ones take the ONNX defaults, which match."""
REQUIRED = ("strides", "pads")
ACTIVATIONS = ("Relu", "LeakyRelu", "Tanh", "Sigmoid")
CHANNEL_BLOCK = 16
"""Output channels must be a multiple of this: onnxruntime's blocked convolutions pad others up to
it, so a rewritten 3-channel output layer runs slower than the ``ConvTranspose`` it replaces."""
MIN_OPSET = 13
"""The oldest opset gantk exports."""
PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))
"""Output phases (row, column) in the channel order ``DepthToSpace`` "DCR" reads them."""


def _matches(node, initializers):
    if node.op_type != "ConvTranspose" or node.domain not in ("", "ai.onnx"):
        return False
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if any(key not in PATTERN or value != PATTERN[key] for key, value in attributes.items()):
        return False
    if any(key not in attributes for key in REQUIRED):
        return False
    weights = initializers.get(node.input[1])
    if weights is None or weights.data_type != TensorProto.FLOAT or list(weights.dims[2:]) != [4, 4]:
        return False
    if weights.dims[1] % CHANNEL_BLOCK:
        return False
    bias = node.input[2] if len(node.input) > 2 else ""
    return not bias or (bias in initializers and initializers[bias].data_type == TensorProto.FLOAT)


def _channel_vector(tensor, channels):
    """A per-channel constant of an NCHW tensor as a [channels] vector, or None."""
    if tensor is None or tensor.data_type != TensorProto.FLOAT:
        return None
    value = numpy_helper.to_array(tensor)
    if value.size == 1 and value.ndim <= 4:
        return np.full(channels, value.reshape(()), np.float32)
    if value.ndim in (3, 4) and value.size == channels and value.shape[-3] == channels:
        return value.reshape(channels)
    return None


def _absorb(tail, channels, graph, initializers, consumers):
    """Follow ``tail`` through per-channel Mul/Add and one activation: (scale, shift, activation, nodes, last tensor)."""
    scale, shift = np.ones(channels, np.float32), np.zeros(channels, np.float32)
    outputs = {value.name for value in graph.output}
    absorbed, activation = [], None
    while tail not in outputs and len(consumers.get(tail, [])) == 1:
        node = consumers[tail][0]
        if node.op_type in ACTIVATIONS and node.domain in ("", "ai.onnx"):
            activation = node
        elif node.op_type in ("Mul", "Add") and len(node.input) == 2 and node.input[0] != node.input[1]:
            other = node.input[1] if node.input[0] == tail else node.input[0]
            vector = _channel_vector(initializers.get(other), channels)
            if vector is None:
                break
            if node.op_type == "Mul":
                scale, shift = scale * vector, shift * vector
            else:
                shift = shift + vector
        else:
            break
        absorbed.append(node)
        tail = node.output[0]
        if activation is not None:
            break
    return scale, shift, activation, absorbed, tail


def _subpixel_nodes(node, initializers, graph, consumers):
    """The nodes and initializers replacing ``node`` and what follows it, and the nodes they replace."""
    weights = numpy_helper.to_array(initializers[node.input[1]])
    channels = weights.shape[1]
    bias = node.input[2] if len(node.input) > 2 else ""
    scale, shift, activation, absorbed, output = _absorb(node.output[0], channels, graph, initializers, consumers)
    if bias:
        shift = shift + scale * numpy_helper.to_array(initializers[bias])
    prefix = f"{node.name or node.output[0]}/subpixel"
    nodes, tensors, phases = [], [], []
    for a, b in PHASES:
        name = f"{prefix}/conv_{a}{b}"
        kernel = weights[:, :, [3 - a, 1 - a]][:, :, :, [3 - b, 1 - b]].transpose(1, 0, 2, 3) * scale[:, None, None, None]
        tensors += [numpy_helper.from_array(kernel.astype(np.float32), f"{name}/W")]
        inputs = [node.input[0], f"{name}/W"]
        if shift.any():
            tensors.append(numpy_helper.from_array(shift.astype(np.float32), f"{name}/B"))
            inputs.append(f"{name}/B")
        nodes.append(helper.make_node("Conv", inputs, [name], name=name, kernel_shape=[2, 2], pads=[1 - a, 1 - b, a, b]))
        if activation is not None:
            nodes.append(helper.make_node(activation.op_type, [name], [f"{name}/act"], name=f"{name}/act"))
            nodes[-1].attribute.extend(activation.attribute)
            name = f"{name}/act"
        phases.append(name)
    nodes.append(helper.make_node("Concat", phases, [f"{prefix}/phases"], name=f"{prefix}/phases", axis=1))
    interleave, constants = _interleave(prefix, f"{prefix}/phases", node.input[0], channels, output)
    return nodes + interleave, tensors + constants, absorbed


def _interleave(prefix, phases, source, channels, output):
    """``DepthToSpace(phases, 2, "DCR")`` as transposes that move runs of contiguous values, and reshapes.

    [N, (a, b, C), H, W] -> [N, H, W, a, (b, C)] -> [N, H, a, W, (b, C)] = [N, 2H, 2W, C] -> [N, C, 2H, 2W].
    onnxruntime's ``DepthToSpace`` moves single floats and measured slower (docs/scale-and-speed.md). The first
    transpose fuses into onnxruntime's conversion out of NCHWc. The shape [N, 2H, 2W, C] is
    computed from ``source``'s [N, _, H, W], so batch and image size stay dynamic.
    """
    constants = {"split": [0, 0, 0, 2, -1], "order": [0, 2, 3, 1], "scale": [1, 2, 2, 0], "channels": [0, 0, 0, channels]}
    tensors = [numpy_helper.from_array(np.array(value, np.int64), f"{prefix}/{key}") for key, value in constants.items()]
    steps = [
        ("Transpose", [phases], "channels_last", {"perm": [0, 2, 3, 1]}),
        ("Reshape", ["channels_last", "split"], "split_rows", {}),
        ("Transpose", ["split_rows"], "interleaved", {"perm": [0, 1, 3, 2, 4]}),
        ("Shape", [source], "source_shape", {}),
        ("Gather", ["source_shape", "order"], "nhwc_shape", {}),
        ("Mul", ["nhwc_shape", "scale"], "scaled_shape", {}),
        ("Add", ["scaled_shape", "channels"], "output_shape", {}),
        ("Reshape", ["interleaved", "output_shape"], "merged", {}),
        ("Transpose", ["merged"], output, {"perm": [0, 3, 1, 2]}),
    ]
    nodes = []
    for op, inputs, out, attributes in steps:
        inputs = [name if name in (phases, source) else f"{prefix}/{name}" for name in inputs]
        out = out if out == output else f"{prefix}/{out}"
        nodes.append(helper.make_node(op, inputs, [out], name=f"{prefix}/{op.lower()}_{len(nodes)}", **attributes))
    return nodes, tensors


def _used_names(nodes):
    """Tensor names read by ``nodes`` and by the subgraphs in their attributes."""
    names = set()
    for node in nodes:
        names.update(node.input)
        for attribute in node.attribute:
            for graph in [attribute.g, *attribute.graphs] if attribute.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) else []:
                names |= _used_names(graph.node) | {value.name for value in graph.output}
    return names


def subpixel_conv_transposes(model):
    """A checked copy of ``model`` with each ``ConvTranspose(k 4, s 2, pads 1)`` in sub-pixel form (see the module docstring)."""
    opset = next((entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")), 0)
    rewritten = onnx.ModelProto()
    rewritten.CopyFrom(model)
    if opset < MIN_OPSET:
        return rewritten
    graph = rewritten.graph
    initializers = graph_initializers(graph)
    consumers = {}
    for node in graph.node:
        for name in set(node.input):
            consumers.setdefault(name, []).append(node)
    nodes, added, removed, replaced = [], [], set(), set()
    for node in graph.node:
        if tuple(node.output) in removed:
            continue
        if not _matches(node, initializers):
            nodes.append(node)
            continue
        replacement, tensors, absorbed = _subpixel_nodes(node, initializers, graph, consumers)
        nodes += replacement
        added += tensors
        removed.update(tuple(n.output) for n in absorbed)
        replaced.update(name for n in [node, *absorbed] for name in n.input)
    if not added:
        return rewritten
    used = _used_names(nodes) | {value.name for value in graph.output}
    kept = [tensor for tensor in graph.initializer if tensor.name in used or tensor.name not in replaced] + added
    produced = {name for node in nodes for name in node.output}
    value_info = [value for value in graph.value_info if value.name in produced]
    del graph.node[:], graph.initializer[:], graph.value_info[:]
    graph.node.extend(nodes)
    graph.initializer.extend(kept)
    graph.value_info.extend(value_info)
    onnx.checker.check_model(rewritten, full_check=True)
    return rewritten
