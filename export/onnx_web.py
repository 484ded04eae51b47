"""A web-ready copy of the ONNX generator: every node on onnxruntime-web's GPU backends.

onnxruntime-web runs ``generator.onnx`` on its wasm backend as it is, but its WebGPU backend
has no kernel for ``Round``, ``Min``, ``Max``, ``Cast`` to uint8 or ``OneHot`` and places
integer shape arithmetic (``Shape``, ``Gather``, ``Mul`` on int64) on the CPU, and its WebGL
backend rejects ``Round`` and a named batch dimension. The operator tables that ship with the
npm package (``docs/webgpu-operators.md``, ``docs/webgl-operators.md``) list what each runs.

``generator.web.onnx`` is derived from the converted ``generator.onnx`` graph:

- only the float output ``image`` in [-1, 1] is kept (a page maps it to bytes with the
  runtime's ``to_uint8``: ``clip(rint((x + 1) * 127.5), 0, 255)`` in float32);
- the batch is fixed at ``batch`` (``WEB_BATCH`` by default) on every input and output;
- ``OneHot(label)`` becomes ``Gather`` of rows of a constant identity table;
- with every shape static, ``Shape`` nodes and the integer arithmetic on them are folded
  into constants, so ``Reshape`` reads an initializer;
- a text encoder's word-by-word part (the embedding lookup, the padding mask) becomes lookups
  by word id (``gantk.export.onnx_words``);
- the few ops one backend lacks are written with ops both have: ``Squeeze`` and ``Unsqueeze``
  of static shapes as ``Reshape``; ``Max(a, b)`` as ``a + Relu(b - a)`` and ``Min(a, b)`` as
  ``a - Relu(a - b)`` (exactly ``a`` whenever ``a`` is the answer); ``Reciprocal(x)`` as
  ``Div(1, x)``; ``ReduceSum`` (whose axes are an input from opset 13, which WebGL does not
  read) as a ``MatMul`` with a column of ones.

The result holds only ``WEB_OPS``; anything else raises an ``ExportError`` naming the ops.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference
from onnx.reference import ReferenceEvaluator

from gantk.export import onnx_words
from gantk.export.onnx_graph import initializers
from gantk.export.errors import ExportError

WEB_FILE = "generator.web.onnx"
WEB_BATCH = 16
"""Images per call of the web file: the page's grid, and the parity check's latents."""
WEB_OUTPUT = "image"
WEB_OPS = frozenset(
    {"Add", "Sub", "Mul", "Div", "MatMul", "Gemm", "Conv", "ConvTranspose", "Relu", "LeakyRelu", "Tanh", "Sigmoid",
     "Reshape", "Transpose", "Concat", "Gather", "ReduceMax", "Sqrt"}
)
"""Ops of a web file: each is listed in onnxruntime-web's WebGPU and WebGL operator tables at the export's opset.

The WebGPU table says ``Reshape`` has "no GPU kernel": it relabels the same GPU buffer and is
placed on the WebGPU provider all the same (ORT's verbose node placements, ``docs/web.md``)."""
_FOLDABLE = frozenset({"Shape", "Gather", "Mul", "Add", "Sub", "Div", "Concat", "Unsqueeze", "Squeeze", "Slice", "Cast", "Identity"})


def web_model(model, batch=WEB_BATCH):
    """A checked copy of ``model`` (the "generator/1" graph) for onnxruntime-web; see the module docstring."""
    web = onnx.ModelProto()
    web.CopyFrom(model)
    graph = web.graph
    kept = [value for value in graph.output if value.name == WEB_OUTPUT]
    del graph.output[:]
    graph.output.extend(kept)
    for value in list(graph.input) + list(graph.output):
        dim = value.type.tensor_type.shape.dim[0]
        dim.Clear()
        dim.dim_value = int(batch)
    del graph.value_info[:]
    _one_hot_as_gather(graph)
    onnx_words.fold_words(web)
    _prune(graph)
    _fold_constants(web)
    _prune(graph)
    _with_web_ops(web)
    _prune(graph)
    web = shape_inference.infer_shapes(web, check_type=True, strict_mode=True)
    onnx.checker.check_model(web, full_check=True)
    unsupported = sorted({node.op_type for node in web.graph.node} - WEB_OPS)
    if unsupported:
        raise ExportError(
            f"The generator's graph uses ops that onnxruntime-web's WebGPU or WebGL backend cannot run on the GPU "
            f"({', '.join(unsupported)}); export it without --web."
        )
    return web


def _one_hot_as_gather(graph):
    """``OneHot(indices, depth, [off, on], axis=-1)`` with constant depth and values -> ``Gather(table, indices)``."""
    constants = initializers(graph)
    producers = {output: node for node in graph.node for output in node.output}
    nodes = []
    for node in graph.node:
        axis = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"), -1)
        if node.op_type != "OneHot" or axis != -1 or not all(name in constants for name in node.input[1:]):
            nodes.append(node)
            continue
        depth = int(numpy_helper.to_array(constants[node.input[1]]).reshape(()))
        values = numpy_helper.to_array(constants[node.input[2]])
        off, on = values.reshape(2)
        indices = node.input[0]
        source = producers.get(indices)
        if source is not None and source.op_type == "Cast" and _is_integer_input(graph, source.input[0]):
            indices = source.input[0]
        table = np.where(np.eye(depth, dtype=bool), on, off).astype(values.dtype)
        name = f"{node.name or node.output[0]}/table"
        graph.initializer.append(numpy_helper.from_array(table, name))
        nodes.append(helper.make_node("Gather", [name, indices], list(node.output), name=f"{node.name}/gather", axis=0))
    del graph.node[:]
    graph.node.extend(nodes)


def _is_integer_input(graph, name):
    integer = (TensorProto.INT32, TensorProto.INT64)
    return any(value.name == name and value.type.tensor_type.elem_type in integer for value in graph.input)


def _fold_constants(model):
    """Replace ``Shape`` of static tensors, and the shape arithmetic on constants, by initializers."""
    graph = model.graph
    while True:
        inferred = shape_inference.infer_shapes(model, strict_mode=True)
        shapes = {value.name: value.type.tensor_type.shape for value in list(inferred.graph.value_info) + list(graph.input)}
        constants = initializers(graph)
        folded = None
        for node in graph.node:
            if node.op_type not in _FOLDABLE or (node.op_type == "Shape" and node.attribute):
                continue
            if node.op_type == "Shape":
                shape = shapes.get(node.input[0])
                if shape is None or not all(dim.HasField("dim_value") for dim in shape.dim):
                    continue
                values = [np.array([dim.dim_value for dim in shape.dim], np.int64)]
            elif all(name in constants for name in node.input if name):
                feeds = {name: numpy_helper.to_array(constants[name]) for name in node.input if name}
                inputs = [helper.make_tensor_value_info(name, constants[name].data_type, None) for name in feeds]
                outputs = [helper.make_tensor_value_info(name, TensorProto.UNDEFINED, None) for name in node.output]
                single = helper.make_model(helper.make_graph([node], "fold", inputs, outputs), opset_imports=model.opset_import)
                values = ReferenceEvaluator(single).run(None, feeds)
            else:
                continue
            folded = node
            graph.initializer.extend(numpy_helper.from_array(value, name) for value, name in zip(values, node.output))
            break
        if folded is None:
            return
        graph.node.remove(folded)


def _with_web_ops(model):
    """Rewrite ``Squeeze``, ``Unsqueeze``, ``Max``, ``Min``, ``Reciprocal`` and ``ReduceSum`` with web ops; in place."""
    graph = model.graph
    inferred = shape_inference.infer_shapes(model, strict_mode=True).graph
    shapes = {value.name: [dim.dim_value for dim in value.type.tensor_type.shape.dim] for value in list(inferred.value_info) + list(graph.input)}
    constants = initializers(graph)
    nodes = []

    def constant(name, value):
        graph.initializer.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    for node in graph.node:
        name, output = node.name or node.output[0], node.output[0]
        if node.op_type in ("Squeeze", "Unsqueeze") and output in shapes:
            nodes.append(helper.make_node("Reshape", [node.input[0], constant(f"{name}/shape", np.array(shapes[output], np.int64))], [output], name=name))
        elif node.op_type in ("Max", "Min") and len(node.input) == 2:
            a, b = node.input
            gap = [b, a] if node.op_type == "Max" else [a, b]
            nodes += [
                helper.make_node("Sub", gap, [f"{name}/gap"], name=f"{name}/gap"),
                helper.make_node("Relu", [f"{name}/gap"], [f"{name}/excess"], name=f"{name}/excess"),
                helper.make_node("Add" if node.op_type == "Max" else "Sub", [a, f"{name}/excess"], [output], name=name),
            ]
        elif node.op_type == "Reciprocal":
            one = constant(f"{name}/one", np.ones((), onnx.helper.tensor_dtype_to_np_dtype(_elem_type(inferred, output))))
            nodes.append(helper.make_node("Div", [one, node.input[0]], [output], name=name))
        elif node.op_type == "ReduceSum" and _sums_floats_over_constant_axes(node, inferred, shapes, constants):
            nodes += _sum_as_matmul(node, shapes[node.input[0]], shapes[output], constants, constant)
        else:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)


def _elem_type(graph, name):
    return next(value.type.tensor_type.elem_type for value in list(graph.value_info) + list(graph.input) + list(graph.output) if value.name == name)


def _sums_floats_over_constant_axes(node, inferred, shapes, constants):
    static = node.input[0] in shapes and node.output[0] in shapes
    axes = len(node.input) > 1 and node.input[1] in constants
    return static and axes and _elem_type(inferred, node.input[0]) == TensorProto.FLOAT


def _sum_as_matmul(node, shape, out_shape, constants, constant):
    """``ReduceSum(x, axes)`` of static shape as Transpose (summed axes last), Reshape, MatMul with ones, Reshape."""
    name, rank = node.name or node.output[0], len(shape)
    summed = sorted(axis % rank for axis in numpy_helper.to_array(constants[node.input[1]]).tolist())
    kept = [axis for axis in range(rank) if axis not in summed]
    width = int(np.prod([shape[axis] for axis in summed]))
    rows = [int(np.prod([shape[axis] for axis in kept]))]
    return [
        helper.make_node("Transpose", [node.input[0]], [f"{name}/summed_last"], name=f"{name}/summed_last", perm=kept + summed),
        helper.make_node("Reshape", [f"{name}/summed_last", constant(f"{name}/rows_shape", np.array(rows + [width], np.int64))], [f"{name}/rows"], name=f"{name}/rows"),
        helper.make_node("MatMul", [f"{name}/rows", constant(f"{name}/ones", np.ones((width, 1), np.float32))], [f"{name}/sums"], name=f"{name}/sums"),
        helper.make_node("Reshape", [f"{name}/sums", constant(f"{name}/shape", np.array(out_shape, np.int64))], [node.output[0]], name=name),
    ]


def _prune(graph):
    """Drop nodes that no graph output depends on, and initializers nothing reads."""
    needed = {value.name for value in graph.output}
    kept = []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(name for name in node.input if name)
    del graph.node[:]
    graph.node.extend(reversed(kept))
    used = [tensor for tensor in graph.initializer if tensor.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(used)


def write_web(model, path, metadata, batch=WEB_BATCH):
    """Save ``web_model(model, batch)`` to ``path`` with ``metadata`` plus ``target`` and ``batch``; returns ``path``."""
    web = web_model(model, batch)
    del web.metadata_props[:]
    onnx.helper.set_model_props(web, web_metadata(metadata, batch))
    onnx.save(web, path)
    return path


def web_metadata(metadata, batch=WEB_BATCH):
    """The web file's ``metadata_props``: the generator's, with ``target`` "web" and its fixed ``batch``."""
    return {**metadata, "target": "web", "batch": str(int(batch))}


def run_web(path, z, labels=None, tokens=None):
    """Float images of the web file at ``path`` for latents ``z`` (any count) and their ``labels`` or caption
    ``tokens`` (``gantk.tokenizer.encode``), with onnxruntime on the CPU."""
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    batch = session.get_inputs()[0].shape[0]
    images = []
    for start in range(0, len(z), batch):
        chunk = z[start:start + batch]
        feed = {"z": np.concatenate([chunk, np.zeros((batch - len(chunk), z.shape[1]), np.float32)])}
        if labels is not None:
            feed["label"] = np.resize(labels[start:start + batch], batch).astype(np.int32)
        if tokens is not None:
            feed["tokens"] = np.resize(tokens[start:start + batch], (batch, tokens.shape[1])).astype(np.int32)
        images.append(session.run([WEB_OUTPUT], feed)[0][:len(chunk)])
    return np.concatenate(images)
