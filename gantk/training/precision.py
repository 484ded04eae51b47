"""Mixed-precision training (Micikevicius et al. 2018, arXiv:1710.03740) through Keras dtype policies.

Variables stay float32; layers compute in float16 or bfloat16. The networks' logits and the
generator's tanh output are float32 layers (``gantk.nets``), so losses, metrics and the
gradient penalty are computed in float32. float16 needs loss scaling: the optimizers are
wrapped in ``keras.optimizers.LossScaleOptimizer``, whose ``scale_loss`` the GAN's
``train_step`` already calls and whose ``apply`` unscales the gradients and skips a step whose
gradients overflowed. bfloat16 has float32's exponent range and needs no scaling.
"""

import contextlib
import os

import keras

from gantk.errors import ConfigError
from gantk.machine import cpu_flags, native_bf16

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16", "auto")


def check_precision(name):
    if name not in PRECISIONS:
        raise ConfigError(f"Argument `precision` must be one of {', '.join(PRECISIONS)}. Received: precision={name!r}")
    return name


def cpu_has_bf16():
    return native_bf16(cpu_flags())


def gpu_compute_capability():
    """The lowest compute capability of the visible GPUs, or None without a GPU."""
    import tensorflow as tf

    found = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability:
            found.append(tuple(capability))
    return min(found) if found else None


def resolve_precision(name):
    """``auto``: mixed_float16 on GPUs with tensor cores (compute capability 7.0+), mixed_bfloat16
    on CPUs with native bf16 (AVX-512 BF16 or AMX) while oneDNN is on, else float32.

    Without those flags oneDNN has no bf16 arithmetic to call and converts instead, and with oneDNN
    off TensorFlow's own kernels emulate bf16: both are slower than float32; ``gantk bench speed``
    prints the ratios on the machine it runs on (docs/scale-and-speed.md).
    """
    if check_precision(name) != "auto":
        return name
    capability = gpu_compute_capability()
    if capability is not None:
        return "mixed_float16" if capability >= (7, 0) else "float32"
    return "mixed_bfloat16" if cpu_has_bf16() and onednn_on() else "float32"


def onednn_on():
    """Whether TensorFlow runs its oneDNN kernels here (``TF_ENABLE_ONEDNN_OPTS``, on when unset)."""
    from gantk.training.autotune import ONEDNN_ENV, onednn_state

    return onednn_state(os.environ.get(ONEDNN_ENV)) == "on"


@contextlib.contextmanager
def dtype_policy(precision):
    """Build layers under ``precision``'s Keras dtype policy, restoring the previous one afterwards.

    Layers keep the policy they were built with, so the global policy is only set while building.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(resolve_precision(precision))
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def loss_scaled(optimizer, precision):
    """``optimizer`` wrapped in dynamic loss scaling for float16, unchanged otherwise."""
    if resolve_precision(precision) == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(optimizer, name=optimizer.name)
    return optimizer
