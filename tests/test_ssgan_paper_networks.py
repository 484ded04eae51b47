"""The networks of Salimans et al. 2016's MNIST model: weight normalisation and its data-dependent
initialisation, noise in front of the logits, the generator's batch norm, and their options."""

import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.errors import ConfigError
from gantk.nets.mlp import mlp_discriminator, mlp_generator
from gantk.nets.weight_norm import WeightNormDense, initialize_from_data
from gantk.training.config import resolve_config
from gantk.training.gan import feature_model

RNG = np.random.default_rng(0)


def built_layer(units=3, inputs=4, dtype=None):
    """A layer whose direction comes from its own seed, not from Keras's global seed (which test order moves), and
    is long enough that the norm's epsilon does not show."""
    layer = WeightNormDense(units, dtype=dtype)
    layer.build((None, inputs))
    layer.direction.assign(np.random.default_rng(1).normal(size=(inputs, units)))
    layer.scale.assign(np.array([0.5, 2.0, 3.0][:units], "float32"))
    return layer


def test_the_kernel_is_g_times_v_over_its_norm_and_the_direction_scale_is_irrelevant():
    layer = built_layer()
    x = RNG.normal(size=(5, 4)).astype("float32")
    v = layer.direction.numpy()
    np.testing.assert_allclose(layer.kernel(), v * layer.scale.numpy() / np.linalg.norm(v, axis=0), rtol=1e-5)
    before = layer(x).numpy()
    layer.direction.assign(v * 7.0)
    np.testing.assert_allclose(layer(x), before, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(layer.kernel(), axis=0), layer.scale.numpy(), rtol=1e-5)


def test_the_gradient_of_the_direction_is_orthogonal_to_it():
    import tensorflow as tf

    layer = built_layer(dtype="float64")
    x = tf.constant(np.random.default_rng(2).normal(size=(6, 4)))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sin(layer(x)))
    gradient = tape.gradient(loss, layer.direction).numpy()
    np.testing.assert_allclose((gradient * layer.direction.numpy()).sum(axis=0), 0.0, atol=1e-5)


def test_data_dependent_initialisation_standardises_every_layer_on_the_batch():
    model = mlp_discriminator((8, 8, 1), hidden=[16, 12], dropout=0.0, outputs=5, weight_norm=True, noise=0.5)
    images = RNG.uniform(-1, 1, size=(64, 8, 8, 1)).astype("float32")
    assert initialize_from_data(model, images) == 3
    for name in ("dense1", "dense2", "logit"):
        out = keras.Model(model.inputs[0], model.get_layer(name).output)(images).numpy()
        np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-4, err_msg=name)
        np.testing.assert_allclose(out.std(axis=0), 1.0, rtol=1e-3, err_msg=name)


def test_logit_noise_is_on_in_training_off_in_inference_and_not_in_the_matched_features():
    model = mlp_discriminator((8, 8, 1), hidden=[16, 12], dropout=0.0, outputs=5, input_noise=0.0, logit_noise=0.5)
    images = RNG.uniform(-1, 1, size=(4, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(model(images, training=False), model(images, training=False))
    assert not np.allclose(model(images, training=True), model(images, training=False))
    features = feature_model(model)
    assert features.output.shape[-1] == 12
    np.testing.assert_allclose(features(images, training=True), features(images, training=False), rtol=1e-6)


def test_the_generator_batch_norm_normalises_each_hidden_layer_without_a_scale():
    model = mlp_generator(6, (8, 8, 1), hidden=[10, 10], batch_norm=True)
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 2 and not any(norm.scale for norm in norms)
    z = RNG.normal(size=(32, 6)).astype("float32")
    normalised = keras.Model(model.inputs[0], norms[0].output)(z, training=True).numpy()
    np.testing.assert_allclose(normalised.mean(axis=0), 0.0, atol=1e-4)
    assert not np.allclose(model(z, training=True), model(z, training=False))


def test_weight_norm_and_batch_norm_are_options_of_the_mlp_networks_only():
    with pytest.raises(ConfigError, match="weight_norm"):
        resolve_config("ssgan", image_size=16, arch="dcgan", weight_norm="both")
    with pytest.raises(ConfigError, match="weight_norm"):
        resolve_config("ssgan", weight_norm="encoder")
    with pytest.raises(ConfigError, match="weight_norm"):
        resolve_config("dcgan", weight_norm="both")


@pytest.mark.slow
def test_a_run_records_the_options_and_initialises_from_its_first_batch(tmp_path):
    from gantk.training.run import load_run

    out = tmp_path / "run"
    args = [
        "train", "ssgan", "--image-size", "8", "--batch-size", "16", "--latent-dim", "8", "--hidden", "16,16",
        "--labeled-per-class", "2", "--steps", "1", "--weight-norm", "both", "--g-batch-norm", "--d-logit-noise", "0.5",
        "--discriminator-ema", "0.5", "--out", str(out), "--quiet",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert (config["weight_norm"], config["g_batch_norm"], config["d_logit_noise"]) == ("both", True, 0.5)
    gan = load_run(str(out)).gan
    scales = gan.discriminator.get_layer("dense1").scale.numpy()
    assert not np.allclose(scales, 1.0)
