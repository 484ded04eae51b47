"""The word-by-word part of a text encoder's ONNX graph, folded into tables looked up by word id.

A text-to-image generator's graph starts from ``tokens`` (int32 [batch, max_length], word ids
``0 .. len(vocabulary)``; ``gantk.tokenizer``). tf2onnx writes the embedding lookup and the
padding mask of ``gantk.nets.text`` as integer and boolean arithmetic on the ids (``Cast``,
``Less``, ``Not``, ``Greater``, a ``Where`` spelled as ``Mul`` and ``Add``), which
onnxruntime-web's WebGL backend cannot run. Every value computed from one word's id alone is a
function of that id, and there are only ``len(vocabulary) + 1`` ids: so each such value that
the rest of the graph reads becomes ``Gather(table, tokens)``, its table holding the value for
every id. What follows (the convolutions over the words, the pooling) is unchanged.

A node is taken as word by word when its op computes each position from the same position of
its inputs (``PER_WORD``; an ``Unsqueeze`` only after the batch and word axes, a ``Gather`` only
from a constant table) and every input is a constant or itself word by word. The tables are
computed by running those nodes on every id, and checked by running them on random captions:
a node that mixed positions (a constant varying along the words, say) fails the check and
nothing is folded.
"""

import json

import numpy as np
from onnx import TensorProto, helper, numpy_helper, shape_inference
from onnx.reference import ReferenceEvaluator

from gantk.export.errors import ExportError
from gantk.export.onnx_graph import initializers

TOKENS = "tokens"
PER_WORD = frozenset(
    {"Add", "Sub", "Mul", "Div", "Cast", "Less", "Greater", "Equal", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or",
     "Where", "Relu", "Identity", "Unsqueeze", "Gather"}
)
"""Ops that compute each position of ``tokens``' first two axes from that position alone (given
constant operands that do not vary along those axes, which the check confirms)."""
CHECK_CAPTIONS = 64


def fold_words(model):
    """Replace the nodes of ``model`` computed word by word from ``tokens`` by lookups; in place."""
    graph = model.graph
    if not any(value.name == TOKENS for value in graph.input):
        return model
    count = len(json.loads(dict((p.key, p.value) for p in model.metadata_props)["vocabulary"])) + 1
    constants = initializers(graph)
    nodes = _word_nodes(model, constants)
    if not nodes:
        return model
    folded = set(map(id, nodes))
    read_later = {name for node in graph.node if id(node) not in folded for name in node.input} | {value.name for value in graph.output}
    frontier = [name for node in nodes for name in node.output if name in read_later]
    max_length = _dim(graph, TOKENS, 1)
    evaluate = _evaluator(model, nodes, frontier, constants)
    every_id = np.repeat(np.arange(count, dtype=np.int32)[:, None], max_length, axis=1)
    tables = [values[:, 0] for values in evaluate(every_id)]
    captions = np.random.default_rng(0).integers(0, count, (CHECK_CAPTIONS, max_length)).astype(np.int32)
    for name, table, values in zip(frontier, tables, evaluate(captions)):
        if values.shape[:2] != captions.shape or not np.array_equal(table[captions], values):
            raise ExportError(f"The text encoder's value {name!r} is not computed word by word from the word ids; it cannot be written for the web.")
    kept = [node for node in graph.node if id(node) not in folded]
    lookups = []
    for name, table in zip(frontier, tables):
        graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(table), f"{name}/by_word"))
        lookups.append(helper.make_node("Gather", [f"{name}/by_word", TOKENS], [name], name=f"{name}/lookup", axis=0))
    del graph.node[:]
    graph.node.extend(lookups + kept)
    del graph.value_info[:]
    return model


def _word_nodes(model, constants):
    """The nodes computed word by word from ``tokens``, in graph order."""
    inferred = shape_inference.infer_shapes(model).graph
    ranks = {value.name: len(value.type.tensor_type.shape.dim) for value in list(inferred.value_info) + list(inferred.input)}
    computed, nodes = {TOKENS}, []
    for node in model.graph.node:
        inputs = [name for name in node.input if name]
        if node.op_type not in PER_WORD or not any(name in computed for name in inputs):
            continue
        if not all(name in computed or name in constants for name in inputs):
            continue
        if node.op_type == "Gather" and (node.input[0] not in constants or node.input[1] not in computed or _axis(node) != 0):
            continue
        if node.op_type == "Unsqueeze" and not _after_the_words(node, constants, ranks):
            continue
        nodes.append(node)
        computed.update(node.output)
    return nodes


def _after_the_words(node, constants, ranks):
    """Whether ``Unsqueeze`` adds its axes after the batch and word axes (opset 13+: axes as an input)."""
    if len(node.input) < 2 or node.input[1] not in constants or node.output[0] not in ranks:
        return False
    rank = ranks[node.output[0]]
    return all(axis % rank >= 2 for axis in numpy_helper.to_array(constants[node.input[1]]).tolist())


def _axis(node):
    return next((helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"), 0)


def _dim(graph, name, axis):
    value = next(value for value in graph.input if value.name == name)
    return value.type.tensor_type.shape.dim[axis].dim_value


def _evaluator(model, nodes, outputs, constants):
    """A function of int32 token ids ``[n, max_length]`` -> the values of ``outputs`` that ``nodes`` compute."""
    used = {name for node in nodes for name in node.input}
    graph = helper.make_graph(
        nodes,
        "words",
        [helper.make_tensor_value_info(TOKENS, TensorProto.INT32, None)],
        [helper.make_tensor_value_info(name, TensorProto.UNDEFINED, None) for name in outputs],
        [constants[name] for name in used if name in constants],
    )
    session = ReferenceEvaluator(helper.make_model(graph, opset_imports=model.opset_import))
    return lambda tokens: [np.asarray(value) for value in session.run(None, {TOKENS: tokens})]

