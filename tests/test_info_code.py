"""InfoGAN's categorical code: drawn from z, read back by D's code head, learned, sampled by category, exported."""

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
from gantk.latents import category_latents, latent_vectors
from gantk.nets.latent_mixture import LatentMixture
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.run import with_data
from helpers import TINY


def point_gan(**options):
    keras.utils.set_random_seed(0)
    config = resolve_config("gan", dataset="ring8", batch_size=64, latent_dim=4, hidden=[32, 32], dropout=0.0, info_code=8, **options)
    data = load_dataset("ring8")
    return build_compiled_gan(with_data(config, data)), data


def train_with_code(tmp_path, variant, *options):
    """(a CliRunner, the run directory) of a two-step ``gantk train`` run whose history records the code's loss."""
    run_dir = str(tmp_path / "run")
    runner = CliRunner()
    trained = runner.invoke(cli, ["train", variant, *options, "--batch-size", "8", "--latent-dim", "8", "--steps", "2", "--quiet", "--out", run_dir])
    assert trained.exit_code == 0, trained.output
    assert "code_loss" in json.loads(open(os.path.join(run_dir, "history.jsonl")).readlines()[-1])
    return runner, run_dir


def code_accuracy(gan, z):
    """The share of G(z) whose code D's head reads as the category z picked."""
    _, code_logits = gan.discriminate_with_code(gan.generate(z))
    return float(np.mean(np.argmax(np.asarray(code_logits), axis=1) == np.asarray(gan.info_code.prior.component(z))))


@pytest.mark.parametrize("categories", [2, 10, 40])
def test_category_latents_pick_each_category_and_keep_the_noise(categories):
    z = latent_vectors(5, 6, seed=3)
    prior = LatentMixture(categories, 1.0)
    for category in range(categories):
        moved = category_latents(z, categories, category)
        assert np.all(np.asarray(prior.component(moved)) == category)
        np.testing.assert_array_equal(moved[:, 1:], z[:, 1:])


def test_the_code_loss_is_lambda_times_the_cross_entropy_of_the_category_z_picked():
    gan, _ = point_gan(info_weight=0.5)
    z = latent_vectors(6, 4, seed=0)
    logits = np.random.default_rng(0).normal(size=(6, 8)).astype(np.float32)
    categories = np.asarray(gan.info_code.prior.component(z))
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -0.5 * np.mean(log_softmax[np.arange(6), categories])
    assert np.isclose(float(gan.code_loss(z, logits)), expected, rtol=1e-5)


def test_both_objectives_add_the_code_loss_and_discriminate_reads_the_logit_alone():
    gan, data = point_gan()
    real = np.asarray(next(iter(training_batches(data, 64, seed=0)))["image"])
    z = latent_vectors(64, 4, seed=2)
    fake = gan.generate(z, training=True)
    logits, code_logits = gan.discriminate_with_code(fake, training=True)
    assert gan.discriminate(fake, training=True).shape == (64, 1) and code_logits.shape == (64, 8)
    code_loss = float(gan.code_loss(z, code_logits))
    d_with = float(gan.discriminator_objective(real, fake, None, z)[0])
    d_plain = float(gan.loss_pair.discriminator(gan.discriminate(real, training=True), logits, gan.real_target))
    assert np.isclose(d_with, d_plain + code_loss, rtol=1e-5)
    assert np.isclose(float(gan.generator_objective(real, fake, None, z)), float(gan.loss_pair.generator(logits)) + code_loss, rtol=1e-5)


def test_training_makes_the_generators_categories_readable():
    gan, data = point_gan()
    z = latent_vectors(1000, 4, seed=1)
    before = code_accuracy(gan, z)
    history = gan.fit(training_batches(data, 64, seed=0), steps_per_epoch=2000, epochs=1, verbose=0)
    after = code_accuracy(gan, z)
    assert before < 0.25 and after > 0.5, (before, after)
    assert history.history["code_loss"][-1] < np.log(8) - 0.5
    categories = np.asarray(gan.info_code.prior.component(z))
    points = np.asarray(gan.generate(z))
    centres = np.array([points[categories == c].mean(axis=0) for c in range(8)])
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1)[np.triu_indices(8, 1)]
    assert np.median(gaps) > 1.0, "the categories draw different parts of the ring"


@pytest.mark.parametrize("options, message", [
    ({"info_code": 1}, "whole number of categories >= 2"),
    ({"info_weight": 2.0}, "needs `info_code`"),
    ({"info_code": 4, "info_weight": 0}, "must be a positive number"),
    ({"info_code": 4, "latent_mixture": 3}, "choose one"),
    ({"info_code": 4, "loss": "feature-matching"}, "feature-matching"),
])
def test_bad_options_are_one_clear_error(options, message):
    with pytest.raises(ConfigError, match=message):
        resolve_config("gan", dataset="ring8", **options)


def test_variants_with_their_own_step_refuse_the_code():
    with pytest.raises(ConfigError, match="applies to cgan, dcgan, gan, lapgan, wgan, wgan-gp, not to ssgan"):
        resolve_config("ssgan", dataset="digits", info_code=4)


@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_lapgans_coarsest_level_carries_the_code_and_its_loss(arch):
    sizes = dict(image_size=32, coarsest_size=16, level_width=3, level_batch_norm="none") if arch == "dcgan" else dict(hidden=[16, 16])
    config = resolve_config("lapgan", info_code=3, info_weight=0.5, arch=arch, spectral_norm=True, **{**TINY, **sizes})
    gan = build_compiled_gan(with_data(config, load_dataset("digits", image_size=config.image_size)))
    coarsest, finer = gan.discriminator.output
    assert coarsest.shape[-1] == 1 + 3 and finer.shape[-1] == 1
    real = np.random.default_rng(0).uniform(-1, 1, (8, *config.image_shape)).astype(np.float32)
    samples, lows = gan.real_levels(real)
    z = keras.ops.convert_to_tensor(latent_vectors(8, config.latent_dim, seed=1))
    fakes = gan.fake_levels(z, lows, None, training=True)
    logits, code_logits = gan.level_logits_with_code(fakes, lows, None)
    assert [tuple(x.shape) for x in logits] == [(8, 1), (8, 1)] and tuple(code_logits.shape) == (8, 3)
    assert gan.info_code.weight == 0.5 and float(gan.code_loss(z, code_logits)) > 0
    history = gan.fit(training_batches(load_dataset("digits", image_size=config.image_size), 8, seed=0), steps_per_epoch=2, epochs=1, verbose=0)
    assert "code_loss" in history.history


def test_a_lapgan_with_a_code_samples_a_category_at_every_level_and_exports_with_parity(tmp_path):
    runner, run_dir = train_with_code(tmp_path, "lapgan", "--dataset", "digits", "--image-size", "16", "--hidden", "16", "--info-code", "4")
    levels = str(tmp_path / "levels.npy")
    assert runner.invoke(cli, ["sample", run_dir, "--pyramid", "--code", "3", "--n", "2", "--out", levels]).exit_code == 0
    finest = str(tmp_path / "finest.npy")
    assert runner.invoke(cli, ["sample", run_dir, "--code", "3", "--n", "2", "--out", finest]).exit_code == 0
    np.testing.assert_array_equal(np.load(levels).reshape(2, 2, 16, 16, 1)[-1], np.load(finest))
    bad = runner.invoke(cli, ["sample", run_dir, "--pyramid", "--code", "4"])
    assert bad.exit_code == 2 and "Argument `code` must be in [0, 3]" in bad.output
    exported = runner.invoke(cli, ["export", run_dir, "--onnx"])
    assert exported.exit_code == 0, exported.output


def test_a_dcgan_with_a_code_exports_to_onnx_with_parity(tmp_path):
    config = with_data(resolve_config("dcgan", info_code=5, spectral_norm=True, **TINY), load_dataset("digits", image_size=16))
    gan = build_compiled_gan(config)
    assert gan.discriminator.output.shape[-1] == 1 + 5
    result = exporter.export_generator(gan, config, str(tmp_path / "export"), 0, formats=["onnx"], log=lambda *_: None)
    assert result.parity["onnx"] < 1e-4


def test_sample_draws_one_category_by_flag_and_refuses_a_bad_one(tmp_path):
    runner, run_dir = train_with_code(tmp_path, "gan", "--dataset", "ring8", "--hidden", "8", "--info-code", "3", "--info-weight", "0.5")
    config = json.load(open(os.path.join(run_dir, "config.json")))
    assert (config["info_code"], config["info_weight"]) == (3, 0.5)
    out = str(tmp_path / "points.npy")
    assert runner.invoke(cli, ["sample", run_dir, "--code", "2", "--n", "5", "--out", out]).exit_code == 0
    bad = runner.invoke(cli, ["sample", run_dir, "--code", "3"])
    assert bad.exit_code == 2 and "Argument `code` must be in [0, 2]" in bad.output and "Traceback" not in bad.output
