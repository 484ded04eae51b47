"""gantk: the GAN toolkit for Keras 3 and TensorFlow.

Importing ``gantk`` is cheap: TensorFlow loads only when a module that needs it is imported,
so the command line answers ``--help`` at once and the ONNX runtime works without TensorFlow.
"""

__version__ = "0.1.0"
