"""The mixture latent prior: equally likely one-hot components from z, trained, saved and exported unchanged."""

import json
import os

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.data import load_dataset
from gantk.data.pipeline import training_batches
from gantk.errors import ConfigError
from gantk.export import exporter
from gantk.latents import latent_vectors
from gantk.nets.latent_mixture import LatentMixture
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.run import with_data
from helpers import TINY


def test_components_are_equally_likely_and_the_rest_is_scaled_noise():
    z = latent_vectors(40_000, 5, seed=0)
    mapped = np.asarray(LatentMixture(8, scale=0.25)(z))
    code, noise = mapped[:, :8], mapped[:, 8:]
    assert mapped.shape == (40_000, 12)
    assert set(np.unique(code)) == {0.0, 1.0} and np.all(code.sum(axis=1) == 1)
    np.testing.assert_allclose(code.mean(axis=0), 1 / 8, atol=0.006)
    np.testing.assert_allclose(noise, 0.25 * z[:, 1:], rtol=1e-6)
    boundary = np.array([[0.0, 0.0]], dtype=np.float32)
    assert np.argmax(np.asarray(LatentMixture(2)(boundary))[0, :2]) == 1, "Phi(0) = 1/2 opens the second of two components"


def test_components_are_picked_in_float32_under_mixed_precision():
    z = latent_vectors(2000, 3, seed=2)
    reference = np.asarray(LatentMixture(500)(z))
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = LatentMixture(500)
    finally:
        keras.config.set_dtype_policy(previous)
    np.testing.assert_array_equal(np.asarray(layer(z)), reference)


@pytest.mark.parametrize("options, message", [
    ({"latent_mixture": 1}, "whole number of components >= 2"),
    ({"latent_mixture": 2.5}, "whole number of components >= 2"),
    ({"latent_mixture": 8, "latent_mixture_scale": 0}, "must be a positive number"),
    ({"latent_mixture_scale": 0.1}, "needs `latent_mixture`"),
])
def test_bad_options_are_one_clear_error(options, message):
    with pytest.raises(ConfigError, match=message):
        config = resolve_config("gan", dataset="ring8", **options)
        build_compiled_gan(with_data(config, load_dataset("ring8")))


def test_the_scale_is_refused_beside_the_info_code_which_ignores_it():
    with pytest.raises(ConfigError, match="Option `latent_mixture_scale` needs `latent_mixture` \\(the number of components\\)"):
        resolve_config("dcgan", dataset="digits", info_code=5, latent_mixture_scale=0.5)


def test_a_point_gan_with_the_prior_trains_and_its_generator_reloads(tmp_path):
    config = resolve_config("gan", dataset="ring8", batch_size=16, latent_dim=4, hidden=[16], latent_mixture=6)
    data = load_dataset("ring8")
    gan = build_compiled_gan(with_data(config, data))
    assert gan.generator.get_layer("dense1").kernel.shape == (6 + 3, 16)
    history = gan.fit(training_batches(data, 16, seed=0), steps_per_epoch=2, epochs=1, verbose=0)
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    path = str(tmp_path / "generator.keras")
    gan.generator.save(path)
    z = latent_vectors(32, 4, seed=1)
    np.testing.assert_allclose(keras.saving.load_model(path)(z), gan.generator(z), rtol=1e-6)


def test_a_dcgan_generator_with_the_prior_exports_to_onnx_with_parity(tmp_path):
    config = resolve_config("dcgan", latent_mixture=5, latent_mixture_scale=0.5, **TINY)
    config = with_data(config, load_dataset("digits", image_size=16))
    gan = build_compiled_gan(config)
    result = exporter.export_generator(gan, config, str(tmp_path / "export"), 0, formats=["onnx"], log=lambda *_: None)
    assert result.parity["onnx"] < 1e-4


def test_the_tuned_mode_configurations_flags_are_stored_in_the_runs_config(tmp_path):
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(cli, [
        "train", "gan", "--dataset", "ring8", "--hidden", "8", "--batch-size", "8", "--latent-dim", "4", "--steps", "1",
        "--quiet", "--out", str(run_dir), "--latent-mixture", "12", "--latent-mixture-scale", "0.2", "--dropout", "0",
        "--d-learning-rate", "1e-3", "--g-learning-rate", "2e-3", "--lr-decay-steps", "10", "--r1-penalty", "0.1",
    ])
    assert result.exit_code == 0, result.output
    config = json.load(open(os.path.join(run_dir, "config.json")))
    options = config
    assert (options["latent_mixture"], options["latent_mixture_scale"], options["dropout"]) == (12, 0.2, 0.0)
    assert (options["lr_decay_steps"], options["r1_penalty"]) == (10, 0.1)
    assert (config["d_learning_rate"], config["g_learning_rate"]) == (1e-3, 2e-3)
    bad = CliRunner().invoke(cli, ["train", "gan", "--latent-mixture", "1"])
    assert bad.exit_code == 2 and "1" in bad.output
