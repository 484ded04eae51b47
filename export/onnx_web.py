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
  into constants, so ``Reshape`` reads an initializer.

The result holds only ``WEB_OPS``; anything else raises an ``ExportError`` naming the ops.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference
from onnx.reference import ReferenceEvaluator

from gantk.export.errors import ExportError

WEB_FILE = "generator.web.onnx"
WEB_BATCH = 16
"""Images per call of the web file: the page's grid, and the parity check's latents."""
WEB_OUTPUT = "image"
WEB_OPS = frozenset(
    {"Add", "Sub", "Mul", "Div", "MatMul", "Gemm", "Conv", "ConvTranspose", "Relu", "LeakyRelu", "Tanh", "Sigmoid",
     "Reshape", "Transpose", "Concat", "Gather"}
)
"""Ops of a web file: each is listed in onnxruntime-web's WebGPU and WebGL operator tables.

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
    _prune(graph)
    _fold_constants(web)
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


def _initializers(graph):
    return {tensor.name: tensor for tensor in graph.initializer}


def _one_hot_as_gather(graph):
    """``OneHot(indices, depth, [off, on], axis=-1)`` with constant depth and values -> ``Gather(table, indices)``."""
    constants = _initializers(graph)
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
        constants = _initializers(graph)
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


def run_web(path, z, labels=None):
    """Float images of the web file at ``path`` for latents ``z`` (any count), with onnxruntime on the CPU."""
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    batch = session.get_inputs()[0].shape[0]
    images = []
    for start in range(0, len(z), batch):
        chunk = z[start:start + batch]
        feed = {"z": np.concatenate([chunk, np.zeros((batch - len(chunk), z.shape[1]), np.float32)])}
        if labels is not None:
            feed["label"] = np.resize(labels[start:start + batch], batch).astype(np.int32)
        images.append(session.run([WEB_OUTPUT], feed)[0][:len(chunk)])
    return np.concatenate(images)
