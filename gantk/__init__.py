"""gantk: the GAN toolkit for Keras 3 and TensorFlow.

``gantk.train``, ``gantk.load_run`` and ``gantk.sample`` (``gantk.api``) load on first use, so
``import gantk`` is cheap: TensorFlow loads only when a module that needs it is imported, the
command line answers ``--help`` at once and the ONNX runtime works without TensorFlow.
"""

__version__ = "0.1.0"

API = ("train", "load_run", "sample")


def __getattr__(name):
    if name in API:
        from gantk import api

        return getattr(api, name)
    raise AttributeError(f"module 'gantk' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *API])
