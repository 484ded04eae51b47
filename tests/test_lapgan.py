"""LAPGAN: the pyramid operators, the levels' training, exact resume, sampling, refining and export."""

import os

import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner
from PIL import Image

from gantk import zoo
from gantk.cli.main import cli
from gantk.data import load_dataset
from gantk.data.pipeline import training_batches
from gantk.errors import ConfigError
from gantk.export.runtime import Generator
from gantk.latents import latent_vectors
from gantk.pixels import to_uint8
from gantk.nets.pyramid import downsample, gaussian_pyramid, upsample
from gantk.zoo.lapgan import latent_split, level_sizes
from gantk.regularizers import squared_gradient_norms
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.checkpoint import latest_checkpoint
from gantk.training.run import load_run, train
from gantk.training.sampling import sample_uint8

from helpers import filters_of, tiny_config

LAPGAN = dict(dataset="digits", image_size=16, width=4, batch_size=4, latent_dim=8, seed=0)
SMALL = {"hidden": [16, 16]}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def quiet_train(config, run_dir, resume=False):
    return train(config, run_dir=str(run_dir), resume=resume, progress=False, log=lambda *_: None)


@pytest.fixture(scope="module")
def lapgan_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("lapgan") / "run"
    return quiet_train(resolve_config("lapgan", steps=2, **SMALL, **LAPGAN), run_dir)


def test_d_is_the_binomial_blur_and_u_is_bilinear_interpolation():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(upsample(images)), tf.image.resize(images, (32, 32), "bilinear").numpy(), atol=1e-6)
    taps = np.array([1, 3, 3, 1]) / 8
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="edge")
    expected = np.array([[np.einsum("a,b,nabc->nc", taps, taps, padded[:, 2 * i : 2 * i + 4, 2 * j : 2 * j + 4]) for j in range(8)] for i in range(8)])
    np.testing.assert_allclose(np.asarray(downsample(images)), expected.transpose(2, 0, 1, 3), atol=1e-6)
    constant = np.full((1, 8, 8, 1), 0.3, "float32")
    np.testing.assert_allclose(np.asarray(downsample(constant)), 0.3, atol=1e-6)
    np.testing.assert_allclose(np.asarray(upsample(constant)), 0.3, atol=1e-6)
    assert [tuple(level.shape) for level in gaussian_pyramid(images, 3)] == [(2, 4, 4, 3), (2, 8, 8, 3), (2, 16, 16, 3)]


def test_level_sizes_and_latent_split():
    assert level_sizes(8, 32) == [8, 16, 32] and level_sizes(16, 16) == [16]
    assert latent_split(100, 3) == [50, 25, 25] and latent_split(8, 2) == [4, 4] and latent_split(10, 3, 2) == [6, 2, 2]
    with pytest.raises(ConfigError, match="coarsest_size"):
        level_sizes(12, 32)
    with pytest.raises(ConfigError, match="coarsest_size"):
        level_sizes(64, 32)
    with pytest.raises(ConfigError, match="latent_dim"):
        latent_split(8, 3, 4)


def test_each_level_trains_on_real_residuals_given_the_blurred_image():
    config, data = tiny_config("lapgan", **SMALL, batch_size=4)
    gan = build_compiled_gan(config)
    assert gan.sizes == [8, 16] and sum(gan.latent_sizes) == config.latent_dim
    images = next(iter(training_batches(data, 4, seed=0)))["image"]
    samples, lows = gan.real_levels(images)
    coarse = np.asarray(downsample(images))
    np.testing.assert_allclose(np.asarray(samples[0]), coarse, atol=1e-6)
    np.testing.assert_allclose(np.asarray(lows[1]), np.asarray(upsample(coarse)), atol=1e-6)
    np.testing.assert_allclose(np.asarray(samples[1]) + np.asarray(lows[1]), images.numpy(), atol=1e-6)
    nets = [*gan.level_generators(), *(gan.discriminator.get_layer(f"discriminator_{s}") for s in gan.sizes)]
    before = [[v.numpy() for v in net.trainable_variables] for net in nets]
    history = gan.fit(training_batches(data, 4, seed=0), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False).history
    for net, old in zip(nets, before):
        assert max(np.abs(v.numpy() - o).max() for v, o in zip(net.trainable_variables, old)) > 1e-6, net.name
    for name in ("d_loss_8", "g_loss_8", "d_loss_16", "g_loss_16"):
        assert np.isfinite(history[name][-1]), name
    assert np.isclose(history["d_loss"][-1], history["d_loss_8"][-1] + history["d_loss_16"][-1], rtol=1e-5)


def test_the_pyramid_generator_composes_the_levels():
    config, _ = tiny_config("lapgan", **SMALL, batch_size=4)
    gan = build_compiled_gan(config)
    for variable in gan.generator.trainable_variables:
        variable.assign(np.random.default_rng(1).normal(0, 0.3, variable.shape).astype("float32"))
    z = latent_vectors(5, config.latent_dim, seed=3)
    coarse_generator, fine_generator = gan.level_generators()
    coarse = np.asarray(coarse_generator(z[:, :4], training=False))
    low = np.asarray(upsample(coarse))
    expected = np.clip(low + np.asarray(fine_generator([z[:, 4:], low], training=False)), -1, 1)
    np.testing.assert_allclose(np.asarray(gan.generate(z)), expected, atol=1e-5)
    levels = gan.levels(z)
    np.testing.assert_allclose(levels[0], coarse, atol=1e-6)
    np.testing.assert_allclose(levels[1], expected, atol=1e-5)
    np.testing.assert_allclose(gan.levels(z[:, :], start=coarse)[-1], expected, atol=1e-5)
    recipe = zoo.get("lapgan")
    assert tuple(recipe.build_generator(config).output.shape[1:]) == (16, 16, 1)
    assert len(recipe.build_discriminator(config).outputs) == 2


def test_checkpoint_holds_every_levels_weights_and_optimizer_slots(lapgan_run):
    gan = load_run(lapgan_run).gan
    with np.load(latest_checkpoint(lapgan_run)) as stored:
        counts = {group: sum(key.startswith(group + "/") for key in stored.files) for group in ("generator", "discriminator", "g_optimizer", "d_optimizer")}
    levels = lambda prefix: [gan.generator.get_layer(f"{prefix}_{s}") if prefix == "generator" else gan.discriminator.get_layer(f"{prefix}_{s}") for s in gan.sizes]  # noqa: E731
    assert counts["generator"] == sum(len(m.variables) for m in levels("generator"))
    assert counts["discriminator"] == sum(len(m.variables) for m in levels("discriminator"))
    trainable_g = sum(len(m.trainable_variables) for m in levels("generator"))
    assert counts["g_optimizer"] == 2 * trainable_g + 2, "Adam's two slots per trained variable, plus iterations and learning rate"


@pytest.mark.slow
@pytest.mark.parametrize(
    "networks",
    [SMALL, dict(image_size=32, coarsest_size=16, arch="dcgan", level_width=3, level_batch_norm="none")],
    ids=["paper-levels", "dcgan-coarsest-level"],
)
def test_two_plus_two_steps_with_a_restart_equal_four(tmp_path, networks):
    base = dict(LAPGAN, **networks, checkpoint_every=2)
    quiet_train(resolve_config("lapgan", steps=4, **base), tmp_path / "straight")
    quiet_train(resolve_config("lapgan", steps=2, **base), tmp_path / "restarted")
    quiet_train(resolve_config("lapgan", steps=4, **base), tmp_path / "restarted", resume=True)
    with np.load(latest_checkpoint(tmp_path / "straight")) as a, np.load(latest_checkpoint(tmp_path / "restarted")) as b:
        assert a.files == b.files and int(b["step"]) == 4
        assert any(key.startswith("d_optimizer/") for key in a.files)
        for key in a.files:
            np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_sample_pyramid_shows_every_level_of_the_same_latents(lapgan_run, tmp_path):
    out = tmp_path / "levels.npy"
    result = run("sample", lapgan_run, "--pyramid", "--n", 3, "--seed", 4, "--out", out)
    assert result.exit_code == 0, result.output
    levels = np.load(out).reshape(2, 3, 16, 16, 1)
    loaded = load_run(lapgan_run)
    config, gan = loaded.config, loaded.gan
    np.testing.assert_array_equal(levels[1], sample_uint8(gan, config, 3, seed=4))
    coarse = to_uint8(gan.levels(latent_vectors(3, config.latent_dim, 4))[0])
    np.testing.assert_array_equal(levels[0, :, ::2, ::2], coarse)
    assert run("sample", lapgan_run, "--pyramid", "--out", tmp_path / "grid.png").exit_code == 0


def test_refine_runs_the_upper_levels_on_a_real_low_resolution_image(lapgan_run, tmp_path):
    digit = next(iter(load_dataset("digits", image_size=16).dataset.take(1).as_numpy_iterator()))["image"]
    low = tmp_path / "low.png"
    low_pixels = to_uint8(np.asarray(downsample(digit[None].astype("float32") / 127.5 - 1.0))[0])
    Image.fromarray(low_pixels[..., 0], "L").save(low)
    out = tmp_path / "high.npy"
    result = run("refine", lapgan_run, low, "--n", 2, "--out", out)
    assert result.exit_code == 0, result.output
    refined = np.load(out)
    assert refined.shape == (2, 16, 16, 1) and refined.dtype == np.uint8
    loaded = load_run(lapgan_run)
    config, gan = loaded.config, loaded.gan
    start = np.repeat(low_pixels[None].astype("float32") / 127.5 - 1.0, 2, axis=0)
    z = latent_vectors(2, config.latent_dim, 0)
    fine = gan.level_generators()[1]
    up = np.asarray(upsample(start))
    expected = to_uint8(np.clip(up + np.asarray(fine([z[:, gan.latent_sizes[0]:], up], training=False)), -1, 1))
    assert np.abs(refined.astype(int) - expected).max() <= 1
    wrong = tmp_path / "wrong.png"
    Image.fromarray(np.zeros((12, 12), np.uint8), "L").save(wrong)
    bad = run("refine", lapgan_run, wrong, "--out", tmp_path / "x.png")
    assert bad.exit_code == 2 and "8x8" in bad.output


def test_pyramid_commands_refuse_other_runs(tiny_run, tmp_path):
    result = run("sample", tiny_run, "--pyramid", "--out", tmp_path / "x.png")
    assert result.exit_code == 2 and "lapgan" in result.output


def test_the_pyramid_exports_as_one_generator(lapgan_run, tmp_path):
    out = tmp_path / "export"
    result = run("export", lapgan_run, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Parity" in result.output and {"generator.onnx", "saved_model", "README.md", "samples.png"} <= set(os.listdir(out))
    runtime = Generator.load(out / "generator.onnx")
    assert runtime.metadata["variant"] == "lapgan" and runtime.latent_dim == 8 and runtime.image_shape == (16, 16, 1)
    loaded = load_run(lapgan_run)
    config, gan = loaded.config, loaded.gan
    assert np.abs(runtime.sample(6, seed=2).astype(int) - sample_uint8(gan, config, 6, seed=2)).max() <= 1
    assert "lapgan" in (out / "README.md").read_text().lower()


def test_class_conditional_levels_and_refused_options():
    config, data = tiny_config("lapgan", **SMALL, class_conditional=True, batch_size=4)
    gan = build_compiled_gan(config)
    assert gan.conditional and gan.num_classes == 10
    assert all(len(g.inputs) == (2 if s == 8 else 3) for g, s in zip(gan.level_generators(), gan.sizes))
    gan.fit(training_batches(data, 4, seed=0), steps_per_epoch=1, epochs=1, verbose=0, shuffle=False)
    z = latent_vectors(2, config.latent_dim, 0)
    assert not np.allclose(np.asarray(gan.generate(z, np.array([0, 0]))), np.asarray(gan.generate(z, np.array([5, 5]))))
    with pytest.raises(ConfigError, match="minibatch_discrimination"):
        build_compiled_gan(tiny_config("lapgan", **SMALL, minibatch_discrimination=True)[0])
    with pytest.raises(ConfigError, match="coarsest_size"):
        build_compiled_gan(tiny_config("lapgan", **SMALL, coarsest_size=32)[0])


def level_layers(model, kind):
    return [layer for layer in model.layers if kind in type(layer).__name__]


def test_a_dcgan_coarsest_level_and_the_finer_levels_width_and_batch_norm():
    config, data = tiny_config(
        "lapgan", image_size=32, coarsest_size=16, arch="dcgan", width=4, d_width=5, level_width=3, level_batch_norm="generator",
        class_conditional=True, batch_size=4,
    )
    gan = build_compiled_gan(config)
    coarse_g, fine_g = gan.level_generators(inference=False)
    coarse_d, fine_d = (gan.discriminator.get_layer(f"discriminator_{size}") for size in (16, 32))
    assert len(level_layers(coarse_g, "Dense")) == 1 and len(level_layers(coarse_g, "Conv2DTranspose")) == 2
    assert filters_of(coarse_g, "Conv2DTranspose") == [4, 1] and filters_of(coarse_d, "Conv2D") == [5, 10]
    assert filters_of(fine_g, "Conv2D") == [3, 3, 1] and filters_of(fine_d, "Conv2D") == [3, 6]
    assert level_layers(fine_g, "BatchNormalization") and not level_layers(fine_d, "BatchNormalization")
    assert level_layers(coarse_g, "BatchNormalization") and level_layers(coarse_d, "BatchNormalization")
    gan.fit(training_batches(data, 4, seed=0), steps_per_epoch=1, epochs=1, verbose=0, shuffle=False)
    z = latent_vectors(2, config.latent_dim, 0)
    assert np.asarray(gan.generate(z, np.array([0, 5]))).shape == (2, 32, 32, 1)
    config, _ = tiny_config("lapgan", image_size=32, coarsest_size=16, width=4, level_batch_norm="none", batch_size=4)
    gan = build_compiled_gan(config)
    assert not any(level_layers(gan.discriminator.get_layer("discriminator_32"), "BatchNormalization"))
    assert not any(level_layers(gan.level_generators()[1], "BatchNormalization"))
    with pytest.raises(ConfigError, match=r"--coarsest-size 16 or more\. Received: coarsest_size=8"):
        resolve_config("lapgan", dataset="digits", image_size=32, arch="dcgan", width=4)
    with pytest.raises(ConfigError, match="`hidden` shapes the MLP networks"):
        build_compiled_gan(tiny_config("lapgan", image_size=32, coarsest_size=16, arch="dcgan", hidden=[8], width=4)[0])


@pytest.mark.slow
def test_train_flags_reach_the_options(tmp_path):
    result = run(
        "train", "lapgan", "--image-size", 32, "--coarsest-size", 16, "--level-noise-dim", 3, "--class-conditional",
        "--hidden", "8,8", "--width", 4, "--batch-size", 4, "--latent-dim", 8, "--steps", 1, "--quiet", "--out", tmp_path / "run",
    )
    assert result.exit_code == 0, result.output
    loaded = load_run(str(tmp_path / "run"))
    config, gan = loaded.config, loaded.gan
    assert (config.coarsest_size, config.level_noise_dim, config.class_conditional) == (16, 3, True)
    assert gan.sizes == [16, 32] and gan.latent_sizes == [5, 3]


def test_a_mixed_precision_pyramid_exports_as_a_float32_copy(tmp_path):
    from gantk.export import exporter, serving

    config, _ = tiny_config("lapgan", **SMALL, batch_size=4, precision="mixed_bfloat16")
    gan = build_compiled_gan(config)
    assert not serving.is_float32(gan.generator)
    copy = serving.float32_generator(gan)
    assert serving.is_float32(copy) and serving.is_float32(copy.get_layer("generator_16"))
    for mine, theirs in zip(copy.get_weights(), gan.generator.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    z = latent_vectors(4, config.latent_dim, 0)
    np.testing.assert_allclose(copy(z, training=False), np.asarray(gan.generate(z), "float32"), atol=5e-2)
    result = exporter.export_generator(gan, config, str(tmp_path / "export"), 0, formats=["onnx"], log=lambda *_: None)
    assert result.parity["onnx"] < 1e-4


@pytest.mark.parametrize(
    "settings",
    [dict(loss="least-squares", label_smoothing=0.9, d_steps=2), dict(loss="hinge", **SMALL, generator_ema=0.5)],
    ids=["least-squares-smoothed-2-d-steps", "hinge-generator-average"],
)
def test_the_shared_training_settings_apply_to_every_level(settings):
    settings = dict(settings)
    config, data = tiny_config("lapgan", **{**SMALL, **settings}, batch_size=4)
    gan = build_compiled_gan(config)
    gan.fit(training_batches(data, 4 * config.d_steps, seed=0), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)
    assert int(gan.d_optimizer.iterations.numpy()) == 2 * config.d_steps and int(gan.g_optimizer.iterations.numpy()) == 2
    if gan.average is not None:
        averaged = gan.average.model.get_layer("generator_16").variables[0].numpy()
        trained = gan.generator.get_layer("generator_16").variables[0].numpy()
        assert not np.allclose(averaged, trained) and gan.level_generators()[1] is gan.average.model.get_layer("generator_16")


def test_r1_penalises_each_level_at_its_own_real_samples():
    config, data = tiny_config("lapgan", **SMALL, batch_size=4, r1_penalty=10.0)
    gan = build_compiled_gan(config)
    assert gan.r1_penalty == 10.0
    images = next(iter(training_batches(data, 4, seed=0)))["image"]
    samples, lows = gan.real_levels(images)
    together = squared_gradient_norms(lambda x: gan.discriminator(gan.discriminator_inputs(x, lows, None), training=False), samples)
    for level, size in enumerate(gan.sizes):
        level_d = gan.discriminator.get_layer(f"discriminator_{size}")
        alone = squared_gradient_norms(lambda x: level_d(x[0] if lows[level] is None else [x[0], lows[level]], training=False), [samples[level]])
        np.testing.assert_allclose(np.asarray(together[level]), np.asarray(alone[0]), rtol=1e-4)
        assert float(np.min(np.asarray(alone[0]))) > 0
    penalised = gan.fit(training_batches(data, 4, seed=0), steps_per_epoch=1, epochs=1, verbose=0, shuffle=False).history
    plain_config, _ = tiny_config("lapgan", **SMALL, batch_size=4)
    plain = build_compiled_gan(plain_config).fit(training_batches(data, 4, seed=0), steps_per_epoch=1, epochs=1, verbose=0, shuffle=False).history
    for size in gan.sizes:
        assert penalised[f"d_loss_{size}"][-1] > plain[f"d_loss_{size}"][-1]


def test_a_one_level_pyramid_trains_samples_and_says_it_refines_nothing(tmp_path):
    """--coarsest-size equal to the image size: the coarsest GAN alone, one logit list of one level."""
    run_dir = quiet_train(resolve_config("lapgan", steps=2, coarsest_size=16, **SMALL, **LAPGAN), str(tmp_path / "run"))
    loaded = load_run(run_dir)
    assert loaded.gan.sizes == [16] and sample_uint8(loaded.gan, loaded.config, 2).shape == (2, 16, 16, 1)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "low.png")
    result = run("refine", run_dir, tmp_path / "low.png", "--out", tmp_path / "high.png")
    assert result.exit_code == 2 and "one level (16x16" in result.output
