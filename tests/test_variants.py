"""The classic variants (gan, cgan, wgan, wgan-gp), the gradient penalty, the 2-D mixtures and point runs."""

import json
import os
import re
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.data import load_dataset
from gantk.data.mixtures import MIXTURES, NUM_EXAMPLES, sample_mixture
from gantk.data.pipeline import training_batches
from gantk.errors import ConfigError
from gantk.evaluation import digits_check
from gantk.training.points import evaluate_points, plot_points
from gantk.metrics.modes import mode_coverage
from gantk.regularizers import balanced_consistency, gradient_penalty, r1_penalty
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.diff_augment import DiffAugment
from gantk.training.gan import GAN
from gantk.training.run import check_labels, with_data

from helpers import filters_of, tiny_settings

POINTS = dict(batch_size=8, latent_dim=8, seed=0, hidden=[16, 16])


def tiny(variant, dataset, **overrides):
    if dataset == "digits":
        options = tiny_settings(variant, dataset=dataset, **overrides)
    else:
        options = dict(POINTS, dataset=dataset, **overrides)
    config = resolve_config(variant, **options)
    data = load_dataset(config.dataset, image_size=config.image_size)
    config = with_data(config, data)
    check_labels(config, data)
    return config, data


def train_two_steps(config, data):
    gan = build_compiled_gan(config)
    batches = training_batches(data, config.batch_size * config.d_steps, seed=0)
    history = gan.fit(batches, steps_per_epoch=2, epochs=1, verbose=0, shuffle=False).history
    return gan, history


@pytest.mark.parametrize(
    "variant, dataset, overrides",
    [
        ("gan", "ring8", {}),
        ("gan", "digits", dict(loss="minimax", d_steps=2)),
        ("cgan", "digits", dict(arch="dcgan")),
        ("cgan", "ring8", {}),
        ("wgan", "grid25", {}),
        ("wgan-gp", "ring8", {}),
    ],
)
def test_variant_trains_on_its_data(variant, dataset, overrides):
    config, data = tiny(variant, dataset, **overrides)
    gan, history = train_two_steps(config, data)
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    assert int(gan.d_optimizer.iterations.numpy()) == 2 * config.d_steps
    assert all(np.isfinite(history[name][-1]) for name in ("d_loss", "g_loss"))
    z = np.zeros((3, config.latent_dim), "float32")
    labels = np.array([0, 1, 2], "int32") if gan.conditional else None
    assert tuple(gan.generate(z, labels).shape) == (3, *config.image_shape)


def test_d_width_sets_the_discriminator_and_leaves_the_generator_at_width():
    config, data = tiny("dcgan", "digits", width=4, d_width=6)
    gan, history = train_two_steps(config, data)
    assert filters_of(gan.discriminator, "Conv2D") == [6, 12] and filters_of(gan.generator, "Conv2DTranspose") == [4, 1]
    assert np.isfinite(history["d_loss"][-1])


def test_paper_settings_of_the_recipes():
    gan_config, _ = tiny("gan", "ring8")
    assert gan_config.loss == "non-saturating" and gan_config.dropout > 0
    wgan, _ = tiny("wgan", "ring8")
    assert (wgan.loss, wgan.optimizer, wgan.d_learning_rate, wgan.d_steps, wgan.clip_discriminator) == ("wasserstein", "rmsprop", 5e-5, 5, 0.01)
    gp, _ = tiny("wgan-gp", "digits")
    assert (gp.optimizer, gp.d_learning_rate, gp.beta_1, gp.beta_2, gp.d_steps, gp.gp_weight) == ("adam", 1e-4, 0.5, 0.9, 5, 10.0)
    critic = build_compiled_gan(gp).discriminator
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in critic.layers)


def test_weight_clipping_holds_the_critic_in_the_box():
    config, data = tiny("wgan", "ring8")
    gan, _ = train_two_steps(config, data)
    weights = np.concatenate([v.numpy().ravel() for v in gan.discriminator.trainable_variables])
    assert np.abs(weights).max() <= 0.01 + 1e-7
    assert np.mean(np.abs(weights) > 0.0099) > 0.5, "most initial weights exceed 0.01, so most must sit at the bound"


def test_bad_architecture_and_data_kind_are_refused():
    with pytest.raises(ConfigError, match="Point data needs the mlp"):
        build_compiled_gan(tiny("wgan-gp", "ring8", arch="dcgan")[0])
    with pytest.raises(ConfigError, match="trains on image data"):
        tiny("dcgan", "ring8")
    with pytest.raises(ConfigError, match="hidden"):
        build_compiled_gan(tiny("gan", "ring8", hidden=[0])[0])


@pytest.mark.parametrize("variant, settings, message", [
    ("dcgan", dict(hidden=[64]), "Option `hidden` shapes the MLP networks, and this dcgan run builds convolutional ones; drop it."),
    ("dcgan", dict(arch="mlp"), "The dcgan variant builds its own networks; it does not take option `arch`."),
    ("gan-cls", dict(dataset="shapes", dropout=0.3), "Option `dropout` shapes the MLP networks"),
    ("gan", dict(arch="dcgan", hidden=[64]), "this gan run builds convolutional ones; drop it or use --arch mlp."),
    ("wgan", dict(dropout=0.3), "Option `dropout`"),
    ("vae", dict(hidden=[32]), "Option `hidden`"),
    ("vae", dict(r1_penalty=1.0), "The vae variant does not take option `r1_penalty`: it needs a discriminator, and an auto-encoder trains an encoder and a decoder without one; drop it."),
    ("ae", dict(diff_augment="cutout"), "The ae variant does not take option `diff_augment`: it needs a discriminator"),
    ("ssgan", dict(arch="dcgan", dropout=0.2), "Option `dropout`"),
    ("gan-cls", dict(dataset="shapes", virtual_batch_norm="both"), "The gan-cls variant does not take option `virtual_batch_norm`: the caption's embedding would need a reference batch of its own; drop it."),
    ("lapgan", dict(minibatch_discrimination=True), "The lapgan variant does not take option `minibatch_discrimination`: the pyramid's levels are built and trained without it; drop it."),
    ("lapgan", dict(image_size=32, arch="dcgan", coarsest_size=16, dropout=0.2), "Option `dropout`"),
    ("gan", dict(width=32), "Option `width` shapes the convolutional networks, and this gan run builds MLPs; drop it, set the MLP with --hidden, or use --arch dcgan."),
    ("cgan", dict(kernel_size=3), "Option `kernel_size` shapes the convolutional networks"),
    ("gan", dict(d_width=8), "Option `d_width` shapes the convolutional networks, and this gan run builds MLPs"),
    ("vae", dict(dataset="ring8", image_size=None, width=8), "Option `width` shapes the convolutional networks, and this vae run builds MLPs; drop it."),
    ("gan", dict(dataset="ring8", image_size=32), "Option `image_size` is for images, and dataset 'ring8' holds points; drop it."),
    ("gan", dict(dataset="ring8", image_size=None, diff_augment="translation"), "Option `diff_augment` is for images, and dataset 'ring8' holds points; drop it."),
    ("dcgan", dict(image_size=8), "The dcgan run's convolutional networks need images of 16x16 or more, and its images are 8x8; set --image-size 16."),
    ("wgan", dict(image_size=8), "set --image-size 16 or use --arch mlp."),
    ("lapgan", dict(image_size=32, coarsest_size=64), "Option `coarsest_size` must be a power of two from 4 to the image size 32."),
    ("lapgan", dict(image_size=32, latent_dim=2, level_noise_dim=4), "Argument `latent_dim` must leave the coarsest of 3 levels"),
])
def test_a_setting_the_run_would_not_read_or_cannot_build_is_refused(variant, settings, message):
    settings = {"dataset": "digits", "image_size": 16, **settings}
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_config(variant, **settings)


def test_each_refused_option_is_a_shared_option_and_its_refusal_gives_a_reason():
    from gantk import zoo
    from gantk.options import BY_NAME

    refusing = [zoo.get(name) for name in zoo.names() if zoo.get(name).refuses]
    assert {recipe.name for recipe in refusing} >= {"lapgan", "gan-cls", "gan-int", "ae", "vae"}
    for recipe in refusing:
        assert recipe.refusal, recipe.name
        for name in recipe.refuses:
            assert name in BY_NAME and not BY_NAME[name].variant_specific and name not in recipe.takes, (recipe.name, name)


@pytest.mark.parametrize("variant, settings", [
    ("gan", dict(dataset="digits", hidden=[64], dropout=0.2)),
    ("wgan", dict(dataset="digits", arch="mlp", dropout=0.3)),
    ("vae", dict(dataset="ring8", hidden=[32])),
    ("lapgan", dict(dataset="digits", image_size=16, d_hidden=[32], dropout=0.2)),
    ("dcgan", dict(dataset="digits", dropout=0.0)),
    ("lapgan", dict(dataset="digits", image_size=16, width=8)),
    ("ssgan", dict(dataset="digits", arch="dcgan", width=8, kernel_size=3)),
])
def test_a_network_option_the_run_reads_is_kept(variant, settings):
    config = resolve_config(variant, **settings)
    assert all(getattr(config, name) == value for name, value in settings.items())


def test_the_cli_refuses_an_unread_network_option_in_one_sentence(tmp_path):
    result = CliRunner().invoke(cli, ["train", "dcgan", "--hidden", "64", "--steps", "1", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: Option `hidden` shapes the MLP networks, and this dcgan run builds convolutional ones; drop it."
    ]
    assert not (tmp_path / "run").exists()


def critic_gan(discriminator, num_classes=0):
    latent = keras.Input((2,))
    return GAN(keras.Model(latent, latent), discriminator, latent_dim=2, num_classes=num_classes, seed=3)


def noise_copy(gan):
    """A copy of ``gan``'s noise generator in its current state, so a test can draw what a penalty will draw next."""
    copy = keras.random.SeedGenerator(0)
    copy.state.assign(gan.seed_generator.state.numpy())
    return types.SimpleNamespace(seed_generator=copy)


def uniform_draws(gan, n):
    """The per-sample weights the penalty will draw next."""
    return keras.random.uniform((n,), seed=noise_copy(gan).seed_generator).numpy()


@pytest.mark.parametrize("shape", [(6, 2), (4, 8, 8, 1)])
def test_gradient_penalty_matches_a_closed_form(shape):
    """For D(x) = sum(x^2), grad D(x^) = 2 x^, so the penalty is 10 mean((2 ||x^|| - 1)^2)."""
    sample = keras.Input(shape[1:])
    critic = keras.Model(sample, keras.layers.Lambda(lambda x: keras.ops.sum(keras.ops.reshape(x, (-1, int(np.prod(shape[1:])))) ** 2, axis=1, keepdims=True))(sample))
    gan = critic_gan(critic)
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")
    eps = uniform_draws(gan, shape[0]).reshape((-1,) + (1,) * (len(shape) - 1))
    mixed = (eps * real + (1 - eps) * fake).reshape(shape[0], -1)
    expected = 10.0 * np.mean((2 * np.linalg.norm(mixed, axis=1) - 1) ** 2)
    value = float(gradient_penalty(10.0)(gan, tf.constant(real), tf.constant(fake), None))
    assert np.isclose(value, expected, rtol=1e-4)
    assert 0 < eps.min() and eps.max() < 1 and len(np.unique(eps)) == shape[0]


def test_r1_penalty_matches_a_closed_form_and_ignores_the_fakes():
    """For D(x) = sum(x^2), grad D(x) = 2 x, so R1 with gamma 4 is 2 mean(||2 x||^2) over the real batch."""
    sample = keras.Input((8, 8, 1))
    critic = keras.Model(sample, keras.layers.Lambda(lambda x: keras.ops.sum(x**2, axis=(1, 2, 3))[:, None])(sample))
    gan = critic_gan(critic)
    real = np.random.default_rng(1).normal(size=(5, 8, 8, 1)).astype("float32")
    expected = 2.0 * np.mean(np.sum((2 * real.reshape(5, -1)) ** 2, axis=1))
    for fake in (real, real + 3.0):
        assert np.isclose(float(r1_penalty(4.0)(gan, tf.constant(real), tf.constant(fake))), expected, rtol=1e-5)


def summing_critic(column_weights):
    """D(x) = sum over pixels of x times its column's weight, for 8x8 grey pictures."""
    sample = keras.Input((8, 8, 1))
    weights = keras.ops.convert_to_tensor(np.asarray(column_weights, "float32")[None, None, :, None])
    return keras.Model(sample, keras.layers.Lambda(lambda x: keras.ops.sum(x * weights, axis=(1, 2, 3))[:, None])(sample))


def test_balanced_consistency_is_the_squared_logit_change_under_a_mirror_and_shift_on_both_batches():
    """With column weights 0..7 a mirror or a shift moves D's logit; the penalty is the weight times
    the mean squared move on the real batch plus that on the generated batch, with the same draws."""
    gan = critic_gan(summing_critic(np.arange(8)))
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(16, 8, 8, 1)).astype("float32"), rng.normal(size=(16, 8, 8, 1)).astype("float32")
    transform = DiffAugment("flip,translation")
    draws = noise_copy(gan)
    moved_real, moved_fake = np.asarray(transform(draws, real)), np.asarray(transform(draws, fake))
    def logit(x):
        return np.sum(x * np.arange(8)[None, None, :, None], axis=(1, 2, 3))

    expected = 3.0 * sum(np.mean((logit(x) - logit(moved)) ** 2) for x, moved in ((real, moved_real), (fake, moved_fake)))
    assert expected > 1.0
    assert np.isclose(float(balanced_consistency(transform, 3.0)(gan, tf.constant(real), tf.constant(fake))), expected, rtol=1e-4)


def test_balanced_consistency_is_zero_for_a_logit_that_ignores_where_a_centred_shape_sits():
    """The shift reaches 1/8 of the side, one pixel at 8x8: a shape two pixels from every edge keeps its sum."""
    gan = critic_gan(summing_critic(np.ones(8)))
    pictures = np.zeros((16, 8, 8, 1), "float32")
    pictures[:, 2:6, 2:6] = np.random.default_rng(3).normal(size=(16, 4, 4, 1))
    assert float(balanced_consistency(DiffAugment("flip,translation"), 10.0)(gan, tf.constant(pictures), tf.constant(pictures[::-1]))) < 1e-8


def test_gradient_penalty_of_a_conditional_critic_and_its_gradient():
    """D(x, y) = (y + 1) w.x has input gradient (y + 1) w; the penalty's weight gradient is second order."""
    sample, label = keras.Input((2,)), keras.Input((), dtype="int32")
    dense = keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant([[0.6], [0.8]]))
    scale = keras.layers.Lambda(lambda y: keras.ops.cast(y, "float32")[:, None] + 1.0)(label)
    critic = keras.Model([sample, label], keras.layers.Multiply()([dense(sample), scale]))
    gan = critic_gan(critic, num_classes=3)
    labels = tf.constant([0, 1, 2, 1], "int32")
    real = tf.random.normal((4, 2), seed=1)
    with tf.GradientTape() as tape:
        value = gradient_penalty(10.0)(gan, real, real + 1.0, labels)
    w = np.array([0.6, 0.8])
    assert np.isclose(float(value), 10.0 * np.mean(((np.array([1, 2, 3, 2]) * np.linalg.norm(w)) - 1) ** 2), rtol=1e-5)
    grad = tape.gradient(value, dense.kernel).numpy().ravel()
    factors = np.array([1.0, 2.0, 3.0, 2.0])
    expected = 10.0 * np.mean(2 * (factors - 1)[:, None] * factors[:, None] * w[None, :], axis=0)
    np.testing.assert_allclose(grad, expected, rtol=1e-4)


@pytest.mark.parametrize("name", sorted(MIXTURES))
def test_mixture_shapes_and_mode_statistics(name):
    data = load_dataset(name)
    assert (data.kind, data.element_shape, data.num_examples) == ("points", (2,), NUM_EXAMPLES)
    assert data.label_names == [str(i) for i in range(len(MIXTURES[name].centers))]
    element = next(iter(data.dataset))
    assert element["image"].dtype == tf.float32 and element["image"].shape == (2,)
    points, modes = sample_mixture(name)
    centers, std = MIXTURES[name]
    counts = np.bincount(modes)
    assert counts.min() > 0.9 * NUM_EXAMPLES / len(centers)
    offsets = points - centers[modes]
    assert np.abs(offsets.mean(axis=0)).max() < 1e-3
    assert np.isclose(offsets.std(), std, rtol=0.02)
    coverage = mode_coverage(points[:2500], centers, std)
    assert coverage.modes_covered == len(centers)
    assert abs(coverage.high_quality_fraction - (1 - np.exp(-4.5))) < 0.01, "within 3 std in 2-D: P(chi2_2 < 9)"
    batch = next(iter(training_batches(data, 16)))
    assert batch["image"].dtype == tf.float32 and np.abs(batch["image"].numpy()).max() > 1.5, "points pass through unscaled"


class PerfectGenerator:
    """Stands in for a GAN whose generator draws exactly from the mixture (or from one mode)."""

    conditional = False

    def __init__(self, name, one_mode=False):
        self.points, modes = sample_mixture(name, 2500, seed=5)
        if one_mode:
            self.points = np.repeat(MIXTURES[name].centers[:1], 2500, axis=0)
        self.offset = 0

    def generate(self, z, labels=None, training=False):
        chunk = self.points[self.offset : self.offset + len(z)]
        self.offset += len(z)
        return chunk


def test_evaluate_points_counts_modes_and_quality(tmp_path):
    config = resolve_config("gan", dataset="grid25", latent_dim=2).with_overrides(image_shape=[2])
    good = evaluate_points(PerfectGenerator("grid25"), config)
    assert good["modes_covered"] == good["modes_total"] == 25 and good["high_quality_fraction"] > 0.97
    collapsed = evaluate_points(PerfectGenerator("grid25", one_mode=True), config)
    assert collapsed == dict(modes_covered=1, modes_total=25, high_quality_fraction=1.0)
    path = plot_points(sample_mixture("grid25", 500)[0], PerfectGenerator("grid25").points, str(tmp_path / "scatter.png"))
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_point_run_writes_a_scatter_plot_and_mode_counts(tmp_path):
    result = CliRunner().invoke(
        cli, ["train", "gan", "--dataset", "ring8", "--steps", "3", "--batch-size", "8", "--latent-dim", "4",
              "--hidden", "8,8", "--quiet", "--out", str(tmp_path / "run")],
    )
    assert result.exit_code == 0, result.output
    run = tmp_path / "run"
    record = json.loads((run / "history.jsonl").read_text().splitlines()[-1])
    assert record["modes_total"] == 8 and 0 <= record["modes_covered"] <= 8 and 0 <= record["high_quality_fraction"] <= 1
    assert json.loads((run / "config.json").read_text())["hidden"] == [8, 8]
    for png in (run / "samples.png", run / "samples" / "epoch-0001.png"):
        assert png.read_bytes()[:4] == b"\x89PNG"
    points = tmp_path / "points.npy"
    assert CliRunner().invoke(cli, ["sample", str(run), "--n", "7", "--out", str(points)]).exit_code == 0
    assert np.load(points).shape == (7, 2) and np.load(points).dtype == np.float32
    bad = CliRunner().invoke(cli, ["train", "gan", "--dataset", "ring8", "--hidden", "8,x", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "hidden" in bad.output


def test_digits_check_reads_real_digits_and_rejects_wrong_labels():
    data = load_dataset("digits", image_size=16)
    examples = list(data.dataset.take(300).as_numpy_iterator())
    images = np.stack([e["image"] for e in examples]).astype("float32") / 127.5 - 1.0
    labels = np.array([e["label"] for e in examples])
    assert digits_check.label_accuracy(images, labels)["accuracy"] > 0.95
    assert digits_check.label_accuracy(images, (labels + 1) % 10)["accuracy"] < 0.1
    with pytest.raises(ConfigError, match="multiples of 8"):
        digits_check.to_digit_features(np.zeros((1, 12, 12, 1)))


def test_digits_confidence_tells_digits_from_noise():
    data = load_dataset("digits", image_size=16)
    images = np.stack([e["image"] for e in data.dataset.take(500).as_numpy_iterator()]).astype("float32") / 127.5 - 1.0
    real = digits_check.sample_confidence(images)
    assert real["confident_fraction"] > 0.8 and real["classes_seen"] == 10 and sum(real["class_counts"]) == 500
    assert 0.8 < real["real_confident_fraction"] <= 1.0
    noise = np.random.default_rng(0).uniform(-1, 1, images.shape).astype("float32")
    assert digits_check.sample_confidence(noise)["confident_fraction"] < 0.2


@pytest.mark.slow
def test_conditional_run_samples_one_label_from_the_cli(tmp_path):
    run = str(tmp_path / "cgan")
    result = CliRunner().invoke(
        cli, ["train", "cgan", "--arch", "dcgan", "--dataset", "digits", "--image-size", "16", "--width", "4",
              "--batch-size", "8", "--latent-dim", "8", "--steps", "2", "--quiet", "--out", run],
    )
    assert result.exit_code == 0, result.output
    out = str(tmp_path / "sevens.npy")
    assert CliRunner().invoke(cli, ["sample", run, "--label", "7", "--n", "5", "--out", out]).exit_code == 0
    assert np.load(out).shape == (5, 16, 16, 1)
    from gantk.training.run import load_run

    loaded = load_run(run)
    config, gan = loaded.config, loaded.gan
    result = digits_check.conditional_accuracy(gan, config, per_label=3)
    assert sorted(result["per_label"]) == list(range(10)) and 0 <= result["accuracy"] <= 1
    assert os.path.exists(os.path.join(run, "samples.png"))


@pytest.mark.slow
def test_bench_modes_runs_the_protocol_and_prints_the_published_rows(tmp_path):
    out = tmp_path / "modes.json"
    result = CliRunner().invoke(
        cli, ["bench", "modes", "--datasets", "ring8", "--variants", "gan", "--tricks", "label-smoothing",
              "--no-best", "--seeds", "1", "--steps", "2", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "| gan, seeds: 1 | " in result.output and "| gan + label-smoothing, seeds: 1 | " in result.output
    assert "PacGAN4 (PacGAN Table 1) | 7.8 / 8 | 95.9" in result.output
    saved = json.loads(out.read_text())
    assert [run["row"] for run in saved["runs"]] == ["gan", "gan + label-smoothing"]
    assert all(run["steps"] == 2 and run["modes_total"] == 8 for run in saved["runs"])
    bad = CliRunner().invoke(cli, ["bench", "modes", "--datasets", "moons", "--seeds", "1"])
    assert bad.exit_code == 2 and "ring8" in bad.output


def test_the_tuned_mode_row_uses_the_latent_mixture_and_the_weight_average_and_sets_r1_per_mixture():
    from gantk.bench.modes import for_dataset, rows, run_one

    name, variant, settings = rows([], best=True)[-1]
    ring, grid = for_dataset(settings, "ring8"), for_dataset(settings, "grid25")
    assert (ring["r1_penalty"], grid["r1_penalty"]) == (0.1, 1.0)
    assert ring["batch_size"] == grid["batch_size"] == 256
    assert "per_dataset" not in ring and ring["latent_mixture"] == 500
    assert ring["generator_ema"] == grid["generator_ema"] == 0.999
    gan, config, figures = run_one(variant, "grid25", 0, settings, steps=2)
    assert config.r1_penalty == 1.0 and config.lr_decay_steps == 2
    assert gan.generator.get_layer("latent_mixture").components == 500 and gan.average.decay == 0.999
    assert figures["modes_total"] == 25
