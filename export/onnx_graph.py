"""Lookups over an ONNX graph that the export rewrites share."""


def initializers(graph):
    """The graph's constant tensors by name."""
    return {tensor.name: tensor for tensor in graph.initializer}
