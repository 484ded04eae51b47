"""The discriminator probe (Radford et al. 2015, section 5.1): pooled D features vs raw pixels under one SVM."""

import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.errors import ConfigError
from gantk.evaluation import probe


def test_features_are_each_activation_max_pooled_to_the_grid(tiny_run):
    from gantk.training.run import load_run

    loaded = load_run(tiny_run)
    _, gan = loaded.config, loaded.gan
    layers = probe.feature_layers(gan.discriminator)
    assert [tuple(layer.output.shape[1:]) for layer in layers] == [(8, 8, 4), (4, 4, 8)]
    images = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 1), dtype=np.uint8)
    features = probe.discriminator_features(gan, images, grid=4)
    assert features.shape == (3, 4 * 4 * 4 + 4 * 4 * 8)

    maps = keras.Model(gan.discriminator.input, [layer.output for layer in layers])(images / 127.5 - 1.0)
    first = np.asarray(maps[0]).reshape(3, 4, 2, 4, 2, 4).max(axis=(2, 4)).reshape(3, -1)
    np.testing.assert_allclose(features[:, :64], first, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(features[:, 64:], np.asarray(maps[1]).reshape(3, -1), rtol=1e-5, atol=1e-6)


def test_a_discriminator_without_convolutions_is_refused():
    dense = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4), keras.layers.LeakyReLU(0.2), keras.layers.Dense(1)])
    with pytest.raises(ConfigError, match="convolutional discriminator"):
        probe.feature_layers(dense)


def test_linear_svm_separates_separable_data_and_not_noise():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 60)
    separable = rng.normal(size=(120, 5)) + 4.0 * labels[:, None]
    assert probe.linear_svm_accuracy(separable[::2], labels[::2], separable[1::2], labels[1::2]) == 1.0
    noise = rng.normal(size=(120, 5))
    assert probe.linear_svm_accuracy(noise[::2], labels[::2], noise[1::2], labels[1::2]) < 0.8


def test_probe_command_reports_both_accuracies_on_a_fixed_split(tiny_run, tmp_path):
    out = tmp_path / "probe.json"
    args = ["probe", tiny_run, "--dataset", "digits", "--limit", "400", "--json", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "discriminator features" in result.output and "raw pixels" in result.output
    record = json.loads(out.read_text())
    protocol = record["protocol"]
    assert protocol["n_train"] == 300 and protocol["n_test"] == 100 and protocol["n_features"] == 192
    assert protocol["n_pixels"] == 256 and protocol["layers"] == ["8x8x4", "4x4x8"] and protocol["seed"] == 0
    assert 0.5 < record["pixel_accuracy"] <= 1.0 and 0.1 < record["discriminator_accuracy"] <= 1.0

    CliRunner().invoke(cli, args)
    assert json.loads(out.read_text()) == record
