"""Training and inference speed of gantk against references timed in the same process.

The canonical DCGAN (Radford, Metz & Chintala 2015: width 128 at 64x64 gives 4x4x1024 ...
64x64x3) trains on random images held in memory. Every training figure is the median time of
one step after warm-up steps, so a loaded machine disturbs the medians less than totals; the
ratios are taken between figures measured minutes apart in one run. References: a plain Keras
model of the same networks (stock Keras layers, Keras' own BatchNormalization included) with
the keras.io ``train_step`` pattern, and, when PyTorch is importable, the PyTorch DCGAN example
(``gantk.bench.speed_torch``).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from gantk.nets.batch_norm import FusedBatchNormalization
from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator, upsamplings
from gantk.training import autotune
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.precision import cpu_has_bf16, dtype_policy, gpu_compute_capability, resolve_precision
from gantk.training.step_timer import time_fit

LATENT_DIM = 100
CHANNELS = 3


def canonical_config(image_size=64, width=128, batch_size=64, **overrides):
    """The DCGAN ``TrainConfig`` of the benchmark: RGB, z of 100, BatchNorm, Adam 2e-4 / 0.5."""
    upsamplings(image_size)
    config = resolve_config(
        "dcgan", image_size=image_size, channels=CHANNELS, width=width, batch_size=batch_size,
        latent_dim=LATENT_DIM, **overrides,
    )
    return config.with_overrides(image_shape=[image_size, image_size, CHANNELS])


def layer_flops(model):
    """Multiply-adds x 2 of one forward pass of one example through the Dense and (transposed) conv layers."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            total += 2 * int(layer.kernel.shape[0]) * int(layer.kernel.shape[1])
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            height, width, channels = layer.input.shape[1:]
            kh, kw, out_channels, _ = layer.kernel.shape
            total += 2 * height * width * kh * kw * channels * out_channels
        elif isinstance(layer, keras.layers.Conv2D):
            height, width, out_channels = layer.output.shape[1:]
            kh, kw, channels, _ = layer.kernel.shape
            total += 2 * height * width * kh * kw * channels * out_channels
    return int(total)


def step_flops_per_image(generator, discriminator):
    """FLOPs of one GAN step per real image, counting a backward pass as twice its forward pass.

    Discriminator update: G forward, D forward and backward on the real and on the fake batch
    (F_G + 6 F_D); generator update: G and D forward and backward (3 F_G + 3 F_D).
    """
    fg, fd = layer_flops(generator), layer_flops(discriminator)
    return 4 * fg + 9 * fd


def matmul_gflops(size=2048, repeats=10, rounds=5):
    """The machine's float32 matmul rate (best of ``rounds``), the peak the achieved rate is compared with.

    Each product takes the previous one as input, so graph optimisation cannot merge the
    ``repeats`` products into one (identical ``matmul(a, b)`` calls would be computed once).
    """
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size)) / size**0.5

    @tf.function
    def chain(x, b):
        for _ in range(repeats):
            x = tf.matmul(x, b)
        return x

    chain(a, b).numpy()
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        chain(a, b).numpy()
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 * repeats / best / 1e9


def random_batches(config, seed=0):
    images = np.random.default_rng(seed).uniform(-1, 1, (config.batch_size, *config.image_shape)).astype("float32")
    labels = np.zeros((config.batch_size,), "int32")
    return tf.data.Dataset.from_tensors({"image": images, "label": labels}).repeat()


def gantk_images_per_s(config, steps, warmup):
    keras.utils.set_random_seed(0)
    gan = build_compiled_gan(config)
    return config.batch_size / time_fit(gan, random_batches(config), steps, warmup), gan


class KerasIOGAN(keras.Model):
    """The keras.io "DCGAN overriding train_step" pattern: one D pass on real and fake together,
    binary cross-entropy on logits, then one G update; the reference gantk is compared with."""

    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def compile(self, d_optimizer, g_optimizer):
        super().compile(jit_compile=False)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)

    def call(self, inputs, training=False):
        return self.discriminator(inputs["image"], training=training)

    def train_step(self, data):
        real = data["image"]
        batch = tf.shape(real)[0]
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(z, training=True)
        combined = tf.concat([fake, tf.cast(real, fake.dtype)], axis=0)
        labels = tf.concat([tf.ones((batch, 1)), tf.zeros((batch, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined, training=True))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply(grads, self.discriminator.trainable_variables)
        z = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            g_loss = self.loss_fn(tf.zeros((batch, 1)), self.discriminator(self.generator(z, training=True), training=True))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply(grads, self.generator.trainable_variables)
        return {"d_loss": d_loss, "g_loss": g_loss}


def with_keras_batch_norm(model):
    """A copy of ``model`` whose batch normalization is stock ``keras.layers.BatchNormalization``."""

    def plain(layer):
        kind = layers.BatchNormalization if isinstance(layer, FusedBatchNormalization) else type(layer)
        return kind.from_config(layer.get_config())

    return keras.models.clone_model(model, clone_function=plain)


def keras_reference_networks(config, precision="float32"):
    """gantk's DCGAN generator and discriminator as plain Keras models (stock layers only)."""
    keras.utils.set_random_seed(0)
    with dtype_policy(precision):
        return (
            with_keras_batch_norm(dcgan_generator(config.latent_dim, config.image_shape, width=config.width)),
            with_keras_batch_norm(dcgan_discriminator(config.image_shape, width=config.width)),
        )


def keras_reference_images_per_s(config, steps, warmup, precision="float32"):
    model = KerasIOGAN(*keras_reference_networks(config, precision), config.latent_dim)
    model.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    return config.batch_size / time_fit(model, random_batches(config), steps, warmup)


def pipeline_images_per_s(image_size, batch_size, batches=30):
    """Images/s of gantk's input pipeline alone (digits decoded, resized to RGB ``image_size``, shuffled, scaled)."""
    from gantk.data import load_dataset
    from gantk.data.pipeline import training_batches

    data = load_dataset("digits", image_size=image_size, channels=CHANNELS)
    iterator = iter(training_batches(data, batch_size, seed=0))
    for _ in range(3):
        next(iterator)
    started = time.perf_counter()
    for _ in range(batches):
        next(iterator)["image"].numpy()
    return batches * batch_size / (time.perf_counter() - started)


def _median_ms(function, repeats):
    function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def inference_figures(gan, config, repeats=20):
    """Generator latency at batch 1 and throughput at batch 64: Keras eager call, SavedModel, ONNX runtime."""
    from gantk.export import onnx_export, saved_model, serving
    from gantk.export.runtime import Generator

    generator = serving.float32_generator(gan)
    serve, specs = serving.serving_function(generator, config.latent_dim, 0)
    rng = np.random.default_rng(0)
    z1 = rng.standard_normal((1, config.latent_dim)).astype("float32")
    z64 = rng.standard_normal((64, config.latent_dim)).astype("float32")
    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        path = saved_model.write_saved_model(generator, serve, specs, os.path.join(folder, "saved_model"))
        signature = tf.saved_model.load(path).signatures[saved_model.SIGNATURE]
        onnx_path = onnx_export.write_onnx(
            serve, specs, os.path.join(folder, "generator.onnx"), onnx_export.metadata_props(config, 0, 0)
        )
        runtime = Generator.load(onnx_path)
        runners = {
            "keras": lambda z: generator(z, training=False).numpy(),
            "savedmodel": lambda z: signature(z=tf.constant(z))["image"].numpy(),
            "runtime": lambda z: runtime.generate(z, output="float"),
        }
        for threads in runtime_thread_counts():
            session = threaded_runtime(onnx_path, threads)
            runners[f"runtime_{threads}_threads"] = lambda z, session=session: session.generate(z, output="float")
        for name, run in runners.items():
            figures[f"{name}_batch1_ms"] = _median_ms(lambda: run(z1), repeats)
            figures[f"{name}_batch64_images_per_s"] = 64 / (_median_ms(lambda: run(z64), max(3, repeats // 4)) / 1000)
    return figures


def runtime_thread_counts():
    """The intra-op thread counts the ONNX runtime is also timed with: one, and every usable CPU
    (``Generator.load`` leaves the count to onnxruntime, which takes the physical cores)."""
    from gantk.machine import usable_cpus

    return sorted({1, usable_cpus()})


def threaded_runtime(onnx_path, threads):
    import onnxruntime as ort

    from gantk.export.runtime import Generator

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return Generator(ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"]))


IMPORT_PROBE = (
    "import time; started = time.perf_counter(); import {module}; seconds = time.perf_counter() - started; "
    "rss = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmRSS:')]; "
    "print(seconds, rss[0] if rss else 'nan')"
)


def import_cost(module):
    """(seconds, resident MB) of ``import module`` in a fresh interpreter.

    Resident memory is ``VmRSS`` after the import: ``ru_maxrss`` would carry over the high-water
    mark of the (large) benchmark process that forked the probe.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE.format(module=module)], capture_output=True, text=True, check=True, env=env, timeout=300
    ).stdout.split()
    return float(out[-2]), float(out[-1]) / 1024


def reduced_precision():
    """The reduced precision this device runs natively: mixed_float16 on a GPU, mixed_bfloat16 on a CPU."""
    return "mixed_float16" if gpu_compute_capability() is not None else "mixed_bfloat16"


def tensorflow_build():
    """TensorFlow's version and build options, and whether this process runs oneDNN's kernels."""
    from tensorflow.python.util import _pywrap_util_port as port

    info = dict(tf.sysconfig.get_build_info())
    return {
        "version": tf.__version__, "compiler": info.get("cpu_compiler"), "cuda_build": bool(info.get("is_cuda_build")),
        "xla_built": bool(port.IsBuiltWithXLA()), "onednn_in_this_process": bool(port.IsMklEnabled()),
    }


def machine_lines(machine, build, load):
    limits = " ".join(f"{name}={value}" for name, value in machine["environment"].items()) or "none"
    return [
        f"CPU: {machine['cpu_model']}, {machine['cpus']} CPUs usable; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        f"  instruction sets: {' '.join(machine['isa'])}",
        f"  environment limits: {limits}",
        f"TensorFlow {build['version']} ({build['compiler']}, {'CUDA' if build['cuda_build'] else 'CPU'} build, "
        f"XLA {'built in' if build['xla_built'] else 'absent'}, oneDNN {'on' if build['onednn_in_this_process'] else 'off'} "
        f"in this process), Keras {machine['keras']}",
    ]


def candidate_figures(config, steps, warmup):
    """Every execution setting the tuner considers (``gantk.training.autotune.candidates``), timed in
    child processes at the benchmark's step counts: graph and XLA, oneDNN on and off, and bfloat16
    where the CPU computes it natively, but not in graph mode with oneDNN off."""
    wanted = autotune.candidates(config.with_overrides(jit_compile="auto", onednn="auto", precision="auto"))
    timing = {"steps": steps, "warmup": warmup, "budget_s": 0.0}
    results = []
    for onednn in dict.fromkeys(c["onednn"] for c in wanted):
        settings = [{k: c[k] for k in ("jit_compile", "precision")} for c in wanted if c["onednn"] == onednn]
        figures = autotune.run_probe(config, settings, onednn, timing)
        if figures["gpus"]:
            return []
        results.extend(figures["results"])
    return results


def auto_choices(config, log):
    """What ``gantk train`` would choose here (its own short measurement, or its cache) for the default
    flags and, with native bf16, for ``--precision auto``: ``{"default": settings, "precision_auto": settings}``."""
    choices = {}
    flags = {"default": {"precision": "float32"}}
    if cpu_has_bf16():
        flags["precision_auto"] = {"precision": "auto"}
    for name, settings in flags.items():
        lines = []
        planned = config.with_overrides(jit_compile="auto", onednn="auto", **settings)
        measured = autotune.plan_execution(planned, log=lines.append, environ=dict(os.environ), fresh_process=True)
        fixed_rules = {
            "jit_compile": "off", "onednn": autotune.onednn_state(os.environ.get(autotune.ONEDNN_ENV)),
            "precision": resolve_precision(settings["precision"]),
        }
        choices[name] = {**fixed_rules, **measured, "measured": set(measured) >= set(fixed_rules)}
        for line in lines:
            if line.startswith(("Could not", "No execution")):
                log(f"  {line}")
    return choices


def matching(results, settings):
    return autotune.fastest(results, [settings]) if settings else None


def run_benchmark(image_size=64, batch_size=64, steps=10, warmup=3, width=128, inference=True, torch_python=None, log=print):
    """Every figure of ``gantk bench speed`` as a dict (see docs/scale-and-speed.md)."""
    from gantk.bench.reference_python import run_reference
    from gantk.machine import describe_machine

    config = canonical_config(image_size, width, batch_size, jit_compile="off")
    machine, build = describe_machine(), tensorflow_build()
    results = {
        "image_size": image_size, "batch_size": batch_size, "width": width, "steps": steps, "warmup": warmup,
        "device": "GPU" if tf.config.list_physical_devices("GPU") else "CPU",
        "cpu_count": os.cpu_count(), "cpu_has_bf16": cpu_has_bf16(), "machine": machine, "tensorflow_build": build,
        "load_average_start": list(os.getloadavg()),
    }
    for line in machine_lines(machine, build, results["load_average_start"]):
        log(line)
    log(f"DCGAN {image_size}x{image_size}x3, width {width}, batch {batch_size}: {steps} timed steps after {warmup}.")
    results["matmul_gflops"] = matmul_gflops()
    log(f"  float32 matmul peak            {results['matmul_gflops']:9.1f} GFLOP/s")
    results["pipeline_images_per_s"] = pipeline_images_per_s(image_size, batch_size)
    log(f"  input pipeline alone           {results['pipeline_images_per_s']:9.1f} images/s")

    gantk_rate, gan = gantk_images_per_s(config, steps, warmup)
    results["gantk_images_per_s"] = gantk_rate
    results["step_gflop_per_image"] = step_flops_per_image(gan.generator, gan.discriminator) / 1e9
    step_gflop = results["step_gflop_per_image"]
    results["achieved_gflops"] = gantk_rate * step_gflop
    results["achieved_fraction_of_peak"] = results["achieved_gflops"] / results["matmul_gflops"]
    log(f"  gantk GAN (float32, graph)     {gantk_rate:9.1f} images/s  {results['achieved_gflops']:.0f} GFLOP/s "
        f"({100 * results['achieved_fraction_of_peak']:.0f}% of peak; in this process)")
    results["keras_reference_images_per_s"] = keras_reference_images_per_s(config, steps, warmup)
    results["ratio_vs_keras"] = gantk_rate / results["keras_reference_images_per_s"]
    log(f"  plain Keras train_step         {results['keras_reference_images_per_s']:9.1f} images/s  gantk/Keras {results['ratio_vs_keras']:.2f}x")

    candidates = candidate_figures(config, steps, warmup)
    results["candidates"] = candidates
    results["reduced_precision"] = reduced_precision()
    if candidates:
        onednn = "on" if build["onednn_in_this_process"] else "off"
        xla = matching(candidates, {"jit_compile": "on", "onednn": onednn, "precision": "float32"})
        bf16 = fastest_precision(candidates, results["reduced_precision"])
        results["xla_images_per_s"] = xla["images_per_s"] if xla else float("nan")
        if bf16:
            results["reduced_precision_images_per_s"] = bf16["images_per_s"]
        best_float32 = fastest_precision(candidates, "float32")
        log(f"  execution settings, each in a new process ({steps} timed steps after {warmup}):")
        for candidate in sorted(candidates, key=lambda c: -c.get("images_per_s", -1.0)):
            figure = (f"{candidate['images_per_s']:9.1f} images/s  {candidate['images_per_s'] * step_gflop:4.0f} GFLOP/s"
                      if "images_per_s" in candidate else f"failed: {candidate['error']}")
            log(f"    {autotune.describe_setting(candidate):<32} {figure}")
        choices = auto_choices(config, log)
        results["auto_choices"] = choices
        for name, label in (("default", "auto (gantk train's default)"), ("precision_auto", "auto with --precision auto")):
            choice = choices.get(name)
            chosen = matching(candidates, {k: v for k, v in choice.items() if k != "measured"}) if choice else None
            if not chosen:
                continue
            pool = best_float32 if name == "default" else fastest_precision(candidates, None)
            results[f"auto_{name}_images_per_s"] = chosen["images_per_s"]
            results[f"auto_{name}_vs_fastest"] = chosen["images_per_s"] / pool["images_per_s"]
            log(f"  {label:<30} {autotune.describe_setting(chosen)}: {chosen['images_per_s']:.1f} images/s, "
                f"{results[f'auto_{name}_vs_fastest']:.2f}x the fastest {'float32 ' if name == 'default' else ''}setting"
                + ("" if choice["measured"] else f" (fixed rules: {autotune.AUTOTUNE_ENV}=off or nothing measured)"))
        default_rate = results.get("auto_default_images_per_s", gantk_rate)
    else:
        results["xla_images_per_s"] = gantk_images_per_s(config.with_overrides(jit_compile="on"), steps, warmup)[0]
        results["reduced_precision_images_per_s"] = gantk_images_per_s(
            config.with_overrides(precision=results["reduced_precision"]), steps, warmup)[0]
        log(f"  gantk GAN with XLA             {results['xla_images_per_s']:9.1f} images/s")
        log(f"  gantk GAN {results['reduced_precision']:<20} {results['reduced_precision_images_per_s']:9.1f} images/s")
        default_rate = gantk_rate
    results["default_images_per_s"] = default_rate
    results["xla_ratio"] = results["xla_images_per_s"] / gantk_rate
    if "reduced_precision_images_per_s" in results:
        results["reduced_precision_ratio"] = results["reduced_precision_images_per_s"] / gantk_rate

    torch_figures = run_reference(torch_python, "speed_torch.py", [
        "--image-size", image_size, "--batch-size", batch_size, "--width", width, "--steps", steps, "--warmup", warmup,
    ]) if torch_python else {}
    if "torch_images_per_s" in torch_figures:
        results.update(torch_figures)
        results["ratio_vs_torch"] = default_rate / torch_figures["torch_images_per_s"]
        results["ratio_vs_torch_channels_last"] = default_rate / torch_figures["torch_channels_last_images_per_s"]
        log(f"  PyTorch DCGAN example          {torch_figures['torch_images_per_s']:9.1f} images/s  gantk default/PyTorch "
            f"{results['ratio_vs_torch']:.2f}x (torch {torch_figures['torch']}, {torch_figures['torch_cpu_capability']}, "
            f"{torch_figures['torch_threads']} threads)")
        log(f"  PyTorch, channels-last         {torch_figures['torch_channels_last_images_per_s']:9.1f} images/s  "
            f"gantk default/PyTorch {results['ratio_vs_torch_channels_last']:.2f}x")
    else:
        log(f"  PyTorch                        not timed ({torch_figures.get('error') or 'no Python with torch; see --torch-python'})")

    if inference:
        results.update(inference_figures(gan, config))
        labels = [("keras", "Keras eager call"), ("savedmodel", "SavedModel"), ("runtime", "ONNX runtime")]
        labels += [(f"runtime_{n}_threads", f"ONNX runtime, {n} thread{'s' if n > 1 else ''}") for n in runtime_thread_counts()]
        for name, label in labels:
            log(f"  generator, {label:<24} batch 1 {results[f'{name}_batch1_ms']:7.2f} ms   "
                f"batch 64 {results[f'{name}_batch64_images_per_s']:8.1f} images/s")
        results["runtime_vs_savedmodel_batch1"] = results["savedmodel_batch1_ms"] / results["runtime_batch1_ms"]
        for module in ("tensorflow", "onnxruntime"):
            seconds, megabytes = import_cost(module)
            results[f"import_{module}_s"], results[f"import_{module}_rss_mb"] = seconds, megabytes
            log(f"  import {module:<23} {seconds:6.2f} s  {megabytes:6.0f} MB resident")
    results["load_average_end"] = list(os.getloadavg())
    log(f"Load average at the end: {' '.join(f'{value:.2f}' for value in results['load_average_end'])}")
    return results


def fastest_precision(candidates, precision):
    """The fastest candidate of ``precision`` (any precision for None)."""
    usable = [c for c in candidates if "images_per_s" in c and precision in (None, c["precision"])]
    return max(usable, key=lambda c: c["images_per_s"]) if usable else None
