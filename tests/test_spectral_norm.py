"""Spectral normalization (Miyato et al. 2018): the estimate, the gradient through sigma, training, replicas, resume."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.errors import ConfigError
from gantk.nets.dcgan import dcgan_discriminator
from gantk.nets.spectral_norm import SpectralNorm, with_spectral_norm
from gantk.training.build import build_compiled_gan
from gantk.training.checkpoint import latest_checkpoint
from gantk.training.config import resolve_config
from gantk.training.run import train

from helpers import TINY, tiny_config, trained_briefly
from test_replicas import SGD, assert_same_step, one_step_both_ways

RNG = np.random.default_rng(0)


def largest_singular_value(kernel):
    return np.linalg.svd(np.reshape(kernel, (-1, kernel.shape[-1])).astype("float64"), compute_uv=False)[0]


def converged(layer, inputs, calls=300):
    keras.utils.set_random_seed(0)
    for _ in range(calls):
        layer(inputs, training=True)
    return layer


def test_power_iteration_finds_the_largest_singular_value_and_the_layer_uses_w_over_sigma():
    x = RNG.standard_normal((3, 8, 8, 5)).astype("float32")
    conv = converged(SpectralNorm(keras.layers.Conv2D(4, 3, padding="same")), x)
    sigma = largest_singular_value(conv.layer.kernel.numpy())
    assert float(conv.sigma()) == pytest.approx(sigma, rel=1e-3)
    plain = keras.layers.Conv2D(4, 3, padding="same")
    plain.build(x.shape)
    plain.set_weights([conv.layer.kernel.numpy() / sigma, conv.layer.bias.numpy()])
    np.testing.assert_allclose(np.asarray(conv(x)), np.asarray(plain(x)), rtol=1e-3, atol=1e-4)
    before = conv.u.numpy().copy()
    conv(x)
    np.testing.assert_array_equal(conv.u.numpy(), before)


def test_the_gradient_flows_through_sigma():
    """At convergence u and v are the top singular vectors, so the layer's gradient is that of x W / sigma_max(W)."""
    x = RNG.standard_normal((4, 6)).astype("float64")
    dense = converged(SpectralNorm(keras.layers.Dense(3, use_bias=False, dtype="float64")), x)
    kernel = dense.layer.kernel
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sin(dense(x)))
    analytic = tape.gradient(loss, kernel.value).numpy()

    def reference(w):
        return np.sum(np.sin(x @ (w / largest_singular_value(w))))

    w, step = kernel.numpy(), 1e-6
    numeric = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        bump = np.zeros_like(w)
        bump[index] = step
        numeric[index] = (reference(w + bump) - reference(w - bump)) / (2 * step)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6)


def test_every_dense_and_conv_layer_is_wrapped_and_the_model_saves(tmp_path):
    base = dcgan_discriminator((16, 16, 1), width=4, batch_norm=False, num_classes=3)
    model = with_spectral_norm(base)
    wrapped = [layer for layer in model.layers if isinstance(layer, SpectralNorm)]
    assert [layer.name for layer in wrapped] == ["down1", "down2", "logit"]
    assert wrapped[0].layer is base.get_layer("down1")
    images, labels = RNG.standard_normal((2, 16, 16, 1)).astype("float32"), np.array([0, 2])
    model([images, labels], training=True)
    path = str(tmp_path / "d.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded([images, labels])), np.asarray(model([images, labels])), rtol=1e-5)
    with pytest.raises(ConfigError, match="no Dense or Conv2D"):
        with_spectral_norm(keras.Sequential([keras.Input((3,)), keras.layers.ReLU()]))


def test_a_spectrally_normalised_dcgan_has_no_discriminator_batch_norm_and_trains():
    config, data = tiny_config("dcgan", spectral_norm=True)
    gan = build_compiled_gan(config)
    assert not [layer for layer in gan.discriminator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert [layer for layer in gan.generator.layers if isinstance(layer, keras.layers.BatchNormalization)]
    norms = [layer for layer in gan.discriminator.layers if isinstance(layer, SpectralNorm)]
    before = [layer.u.numpy().copy() for layer in norms]
    trained_briefly(gan, config, data)
    assert all(not np.allclose(layer.u.numpy(), u) for layer, u in zip(norms, before))


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_every_lapgan_level_discriminator_is_normalised_and_trains(arch):
    options = dict(image_size=32, coarsest_size=16, width=4, level_width=4) if arch == "dcgan" else {}
    config, data = tiny_config("lapgan", spectral_norm=True, arch=arch, **options)
    gan = build_compiled_gan(config)
    discriminators = [gan.discriminator.get_layer(f"discriminator_{size}") for size in gan.sizes]
    for discriminator in discriminators:
        assert not [layer for layer in discriminator.layers if isinstance(layer, keras.layers.BatchNormalization)]
        assert [layer for layer in discriminator.layers if isinstance(layer, SpectralNorm)], discriminator.name
    norms = [layer for d in discriminators for layer in d.layers if isinstance(layer, SpectralNorm)]
    before = [layer.u.numpy().copy() for layer in norms]
    trained_briefly(gan, config, data)
    assert all(not np.allclose(layer.u.numpy(), u) for layer, u in zip(norms, before))


def test_feature_matching_reads_the_normalised_logits_input():
    config, data = tiny_config("ssgan", spectral_norm=True, d_noise=0.0, d_input_noise=0.0)
    gan = build_compiled_gan(config)
    assert isinstance(gan.discriminator.get_layer("logit"), SpectralNorm)
    trained_briefly(gan, config, data)


def test_spectral_norm_is_refused_where_it_cannot_apply():
    with pytest.raises(ConfigError, match="virtual_batch_norm"):
        build_compiled_gan(tiny_config("dcgan", spectral_norm=True, virtual_batch_norm="both")[0])
    with pytest.raises(ConfigError, match="no Dense or Conv2D"):
        build_compiled_gan(tiny_config("ssgan", spectral_norm=True, weight_norm="both")[0])


def test_the_cli_flag_is_stored_in_the_runs_config(tmp_path):
    result = CliRunner().invoke(cli, [
        "train", "dcgan", "--dataset", "digits", "--image-size", "16", "--width", "4", "--batch-size", "8",
        "--latent-dim", "8", "--steps", "1", "--quiet", "--spectral-norm", "--out", str(tmp_path / "run"),
    ])
    assert result.exit_code == 0, result.output
    assert json.load(open(tmp_path / "run" / "config.json"))["spectral_norm"] is True


def test_two_replicas_equal_one_device_with_spectral_norm():
    config, data = tiny_config("dcgan", spectral_norm=True, batch_norm=False, **SGD)
    single, mirrored, *logs = one_step_both_ways(config, data)
    assert_same_step(single, mirrored, *logs)
    for a, b in zip(single.discriminator.non_trainable_variables, mirrored.discriminator.non_trainable_variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)


@pytest.mark.slow
def test_a_spectrally_normalised_run_resumes_exactly(tmp_path):
    options = dict(TINY, spectral_norm=True)
    for name, steps, resume in (("straight", 4, False), ("split", 2, False), ("split", 4, True)):
        train(resolve_config("dcgan", steps=steps, **options), run_dir=str(tmp_path / name), resume=resume, progress=False, log=lambda *_: None)
    with np.load(latest_checkpoint(tmp_path / "straight")) as a, np.load(latest_checkpoint(tmp_path / "split")) as b:
        assert a.files == b.files
        discriminator = build_compiled_gan(tiny_config("dcgan", spectral_norm=True)[0]).discriminator
        assert [v for v in discriminator.non_trainable_variables if v.path.endswith("/u")]
        assert sum(key.startswith("discriminator/") for key in a.files) == len(discriminator.variables)
        for key in a.files:
            np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-6, err_msg=key)
    assert json.load(open(tmp_path / "split" / "config.json"))["spectral_norm"] is True
