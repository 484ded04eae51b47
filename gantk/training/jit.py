"""Whether the train step is compiled with XLA (``Model.compile(jit_compile=...)``).

XLA fuses the many small element-wise ops of a GAN step (BatchNorm, activations, losses)
into larger kernels, which pays off on GPUs. On CPUs TensorFlow's graph mode already calls
oneDNN's fused convolutions, and XLA's CPU convolutions measured slower on the CPUs measured
so far (docs/scale-and-speed.md). ``gantk bench speed`` prints the XLA/graph ratio of the
machine it runs on. Keras also disables XLA under ``tf.distribute``; ``auto`` follows both.
"""

from gantk.errors import ConfigError

JIT_MODES = ("auto", "on", "off")


def check_jit_compile(mode):
    if mode not in JIT_MODES:
        raise ConfigError(f"Argument `jit_compile` must be one of {', '.join(JIT_MODES)}. Received: jit_compile={mode!r}")
    return mode


def resolve_jit_compile(mode="auto"):
    """``on`` / ``off`` as given; ``auto``: XLA only on a single GPU (never on CPU, never distributed)."""
    import tensorflow as tf

    if check_jit_compile(mode) != "auto":
        return mode == "on"
    if tf.distribute.has_strategy() and tf.distribute.get_strategy().num_replicas_in_sync > 1:
        return False
    return bool(tf.config.list_physical_devices("GPU"))
