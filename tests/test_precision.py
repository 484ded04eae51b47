"""Mixed precision and XLA settings: policies, loss scaling, float32 logits, export in float32."""

import keras
import numpy as np
import pytest

from gantk.data.pipeline import training_batches
from gantk.errors import ConfigError
from gantk.training import precision
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.jit import resolve_jit_compile
from gantk.training.run import with_data
from gantk.data import load_dataset

from helpers import TINY, tiny_settings


def tiny(variant="dcgan", **overrides):
    config = resolve_config(variant, **tiny_settings(variant, **overrides))
    data = load_dataset(config.dataset, image_size=config.image_size)
    return with_data(config, data), data


def fit_two_steps(gan, config, data):
    batches = training_batches(data, config.batch_size * config.d_steps, seed=0)
    return gan.fit(batches, steps_per_epoch=2, epochs=1, verbose=0, shuffle=False).history


def test_mixed_float16_scales_losses_and_keeps_logits_float32():
    config, data = tiny(precision="mixed_float16")
    gan = build_compiled_gan(config)
    assert keras.config.dtype_policy().name == "float32", "the global policy is restored after building"
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.generator.get_layer("project").compute_dtype == "float16"
    assert all(v.dtype == "float32" for v in gan.generator.trainable_variables)
    z = np.zeros((2, config.latent_dim), "float32")
    images = gan.generate(z)
    assert images.dtype == "float32" and gan.discriminate(images).dtype == "float32"
    history = fit_two_steps(gan, config, data)
    assert all(np.isfinite(history[name][-1]) for name in ("d_loss", "g_loss"))
    assert int(gan.g_optimizer.iterations.numpy()) == 2


def test_gradient_penalty_stays_finite_in_reduced_precision():
    config, data = tiny("wgan-gp", precision="mixed_bfloat16", d_steps=1, arch="dcgan")
    gan = build_compiled_gan(config)
    history = fit_two_steps(gan, config, data)
    assert np.isfinite(history["d_loss"][-1])


def test_auto_precision_follows_the_cpu(monkeypatch):
    monkeypatch.setattr(precision, "gpu_compute_capability", lambda: None)
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2", "avx512_bf16"}))
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert precision.resolve_precision("auto") == "mixed_bfloat16"
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert precision.resolve_precision("auto") == "float32"
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2"}))
    assert precision.resolve_precision("auto") == "float32"
    monkeypatch.setattr(precision, "gpu_compute_capability", lambda: (8, 0))
    assert precision.resolve_precision("auto") == "mixed_float16"
    with pytest.raises(ConfigError, match="precision"):
        precision.resolve_precision("float8")


def test_jit_compile_auto_is_off_on_cpu():
    assert resolve_jit_compile("on") is True and resolve_jit_compile("off") is False
    assert resolve_jit_compile("auto") is False
    with pytest.raises(ConfigError, match="jit_compile"):
        resolve_jit_compile("yes")


@pytest.mark.slow
def test_a_mixed_precision_run_trains_resumes_and_exports_float32(tmp_path):
    from gantk.export.exporter import export_run
    from gantk.export.runtime import Generator
    from gantk.training.run import load_run, train

    config = resolve_config("dcgan", steps=2, precision="mixed_float16", **TINY)
    run_dir = train(config, run_dir=str(tmp_path / "run"), progress=False, log=lambda *_: None)
    train(config.with_overrides(steps=3), run_dir=run_dir, resume=True, progress=False, log=lambda *_: None)
    loaded = load_run(run_dir)
    saved, gan = loaded.config, loaded.gan
    assert saved.precision == "mixed_float16" and int(gan.g_optimizer.iterations.numpy()) == 3
    result = export_run(run_dir, out_dir=str(tmp_path / "export"), log=lambda *_: None)
    assert max(result.parity.values()) < 1e-3
    images = Generator.load(str(tmp_path / "export" / "generator.onnx")).sample(4, seed=0)
    assert images.shape == (4, 16, 16, 1)
