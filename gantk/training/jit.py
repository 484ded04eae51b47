"""Whether the train step is compiled with XLA (``Model.compile(jit_compile=...)``).

XLA fuses the many small element-wise ops of a GAN step (BatchNorm, activations, losses)
into larger kernels, which pays off on GPUs. On CPUs it depends on the CPU and the model:
graph mode with oneDNN won on AVX-512/AMX Intel CPUs, XLA on an AVX2 AMD CPU
(docs/scale-and-speed.md), so ``gantk train`` decides a CPU run's ``auto`` by measurement
(``gantk.training.autotune``) and passes ``on`` or ``off`` here. The fixed rule below is what
``auto`` means where nothing was measured (GPUs, several replicas, library calls that skip
the measurement): XLA on a single GPU only, as Keras disables XLA under ``tf.distribute``.
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
