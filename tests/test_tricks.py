"""The NIPS 2016 tutorial tricks (Goodfellow 2016; Salimans et al. 2016): math, serialization, training, resume."""

import json
import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from gantk import losses
from gantk.training import tricks
from gantk.cli.main import cli
from gantk.data import load_dataset
from gantk.data.pipeline import training_batches
from gantk.errors import ConfigError
from gantk.latents import latent_vectors
from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator
from gantk.nets.mlp import mlp_generator
from gantk.nets.minibatch_discrimination import MinibatchDiscrimination
from gantk.nets.virtual_batch_norm import DropReference, ReferenceBatch, VirtualBatchNormalization
from gantk.regularizers import HistoricalAveraging
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.checkpoint import latest_checkpoint
from gantk.training.run import train, with_data
from gantk.training.top_k import TopK

from helpers import TINY, tiny_config, tiny_settings, trained_briefly

RNG = np.random.default_rng(0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_one_sided_label_smoothing_changes_the_real_gradient_by_the_formula():
    real = tf.constant(RNG.standard_normal((6, 1)).astype("float32"))
    fake = tf.constant(RNG.standard_normal((6, 1)).astype("float32"))
    for target in (1.0, 0.9):
        with tf.GradientTape() as tape:
            tape.watch([real, fake])
            loss = losses.get("non-saturating").discriminator(real, fake, target)
        d_real, d_fake = tape.gradient(loss, [real, fake])
        np.testing.assert_allclose(d_real.numpy(), (sigmoid(real.numpy()) - target) / 6, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(d_fake.numpy(), sigmoid(fake.numpy()) / 6, rtol=1e-5, atol=1e-7)


def tiny_gan(variant="dcgan", **overrides):
    config = resolve_config(variant, **tiny_settings(variant, **overrides))
    data = load_dataset(config.dataset, image_size=config.image_size)
    config = with_data(config, data)
    return config, data, build_compiled_gan(config)


def test_label_smoothing_moves_the_logit_bias_by_learning_rate_times_one_tenth():
    """One SGD step: d(loss)/d(bias) = mean(D(x) - target) + mean(D(G(z))), so 0.9 instead of 1 shifts it by 0.1."""
    lr = 0.05
    settings = dict(optimizer="sgd", d_learning_rate=lr, g_learning_rate=lr)
    _, data, plain = tiny_gan(**settings)
    _, _, smoothed = tiny_gan(label_smoothing=0.9, **settings)
    for a, b in zip(plain.generator.variables + plain.discriminator.variables,
                    smoothed.generator.variables + smoothed.discriminator.variables):
        b.assign(a.numpy())
    real = next(iter(training_batches(data, 8, seed=0)))["image"]
    bias_before = plain.discriminator.get_layer("logit").bias.numpy().copy()
    plain.discriminator_update(real, None)
    smoothed.discriminator_update(real, None)
    moved_plain = plain.discriminator.get_layer("logit").bias.numpy() - bias_before
    moved_smoothed = smoothed.discriminator.get_layer("logit").bias.numpy() - bias_before
    np.testing.assert_allclose(moved_smoothed - moved_plain, [-lr * 0.1], rtol=1e-3)


def minibatch_reference(x, kernel, num_kernels, kernel_dim):
    m = (x @ kernel).reshape(len(x), num_kernels, kernel_dim)
    out = np.zeros((len(x), num_kernels))
    for i in range(len(x)):
        for j in range(len(x)):
            if i != j:
                out[i] += np.exp(-np.abs(m[i] - m[j]).sum(axis=-1))
    return np.concatenate([x, out], axis=1)


def test_minibatch_discrimination_matches_the_papers_formula():
    x = RNG.standard_normal((5, 7)).astype("float32")
    layer = MinibatchDiscrimination(num_kernels=4, kernel_dim=3)
    y = np.asarray(layer(x))
    assert y.shape == (5, 7 + 4)
    np.testing.assert_allclose(y, minibatch_reference(x, layer.kernel.numpy(), 4, 3), rtol=1e-5, atol=1e-6)
    identical = np.repeat(x[:1], 3, axis=0)
    np.testing.assert_allclose(np.asarray(layer(identical))[:, 7:], 2.0, rtol=1e-6)


def vbn_reference(x, size, gamma, beta, epsilon):
    axes = tuple(range(1, x.ndim - 1))
    mean, mean_sq = x.mean(axis=axes), (x ** 2).mean(axis=axes)
    ref_mean, ref_mean_sq = mean[:size].mean(axis=0), mean_sq[:size].mean(axis=0)
    out = np.empty_like(x)
    for i in range(len(x)):
        if i < size:
            m, s = ref_mean, ref_mean_sq
        else:
            m, s = (mean[i] + size * ref_mean) / (size + 1), (mean_sq[i] + size * ref_mean_sq) / (size + 1)
        out[i] = (x[i] - m) / np.sqrt(s - m ** 2 + epsilon) * gamma + beta
    return out


def test_virtual_batch_normalization_matches_the_reference_statistics_formula():
    size = 4
    x = (RNG.standard_normal((size + 3, 5, 5, 2)) * 3 + 1).astype("float32")
    layer = VirtualBatchNormalization(size, gamma_initializer="random_normal", beta_initializer="random_normal")
    y = np.asarray(layer(x))
    expected = vbn_reference(x.astype("float64"), size, layer.gamma.numpy(), layer.beta.numpy(), layer.epsilon)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    alone = np.asarray(layer(np.concatenate([x[:size], x[-1:]])))
    np.testing.assert_allclose(alone[-1], y[-1], rtol=1e-5, atol=1e-5)


def test_a_virtual_batch_norm_generator_treats_examples_independently():
    generator = tricks.with_virtual_batch_norm(dcgan_generator(8, (16, 16, 1), width=4), 6)
    names = [layer.name for layer in generator.layers]
    assert "project_bn_virtual" in names and not any(isinstance(layer, keras.layers.BatchNormalization) for layer in generator.layers)
    tricks.set_generator_reference(generator, seed=3)
    reference = [layer for layer in generator.layers if isinstance(layer, ReferenceBatch)][0].reference.numpy()
    np.testing.assert_array_equal(reference, latent_vectors(6, 8, 4))
    z = RNG.standard_normal((5, 8)).astype("float32")
    batch = np.asarray(generator(z, training=True))
    assert batch.shape == (5, 16, 16, 1)
    np.testing.assert_allclose(np.asarray(generator(z[2:3], training=False))[0], batch[2], rtol=1e-4, atol=1e-5)
    mlp = tricks.with_virtual_batch_norm(mlp_generator(8, (2,), hidden=[16, 16]), 6)
    assert [layer.name for layer in mlp.layers if isinstance(layer, VirtualBatchNormalization)] == ["dense1_virtual", "dense2_virtual"]


def test_minibatch_discrimination_goes_before_the_logit_of_any_discriminator():
    base = dcgan_discriminator((16, 16, 1), width=4)
    discriminator = tricks.insert_before_logit(base, MinibatchDiscrimination(6, 2, name="minibatch_discrimination"))
    assert [layer.name for layer in discriminator.layers][-2:] == ["minibatch_discrimination", "logit"]
    assert isinstance(discriminator.layers[-3], keras.layers.Flatten)
    assert discriminator.get_layer("down1") is base.get_layer("down1")
    assert discriminator.get_layer("logit").kernel.shape == (base.get_layer("logit").kernel.shape[0] + 6, 1)
    with pytest.raises(ConfigError, match="Dense\\(1\\) logit"):
        tricks.insert_before_logit(dcgan_generator(8, (16, 16, 1), width=4), MinibatchDiscrimination(2, 2))


def test_trick_layers_survive_a_keras_save_and_load(tmp_path):
    inputs = keras.Input((6,))
    x = ReferenceBatch(3, name="reference")(inputs)
    x = keras.layers.Dense(5)(x)
    x = VirtualBatchNormalization(3)(x)
    x = DropReference(3)(x)
    model = keras.Model(inputs, MinibatchDiscrimination(4, 2)(x))
    model.get_layer("reference").set_reference(RNG.standard_normal((3, 6)))
    path = str(tmp_path / "tricks.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = RNG.standard_normal((4, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)
    np.testing.assert_array_equal(loaded.get_layer("reference").reference.numpy(), model.get_layer("reference").reference.numpy())


class Holder:
    """A stand-in network: only ``trainable_variables`` is read."""

    def __init__(self, values):
        self.trainable_variables = [keras.Variable(v) for v in values]


def test_historical_averaging_penalises_the_distance_to_the_mean_of_past_parameters():
    thetas = [[RNG.standard_normal((3, 2)), RNG.standard_normal(4)] for _ in range(4)]
    network = Holder(thetas[0])
    regularizer = HistoricalAveraging(0.5, network)
    for t, theta in enumerate(thetas):
        for variable, value in zip(network.trainable_variables, theta):
            variable.assign(value)
        expected = 0.0
        if t:
            means = [np.mean([past[k] for past in thetas[:t]], axis=0) for k in range(2)]
            expected = 0.5 * sum(np.sum((theta[k] - means[k]) ** 2) for k in range(2))
        assert np.isclose(float(regularizer(None, None, None, None)), expected, rtol=1e-5)
    assert float(regularizer.count.numpy()) == 4


def test_instance_noise_is_annealed_linearly_to_zero():
    noise = tricks.InstanceNoise(0.4, steps=10)
    assert [round(float(noise.current_std(t)), 6) for t in (0, 5, 10, 20)] == [0.4, 0.2, 0.0, 0.0]
    _, _, gan = tiny_gan(instance_noise=0.4, instance_noise_steps=10)
    images = tf.zeros((256, 16, 16, 1))
    assert abs(float(tf.math.reduce_std(gan.perturb(images))) - 0.4) < 0.01
    gan.g_optimizer.iterations.assign(10)
    assert float(tf.reduce_max(tf.abs(gan.perturb(images)))) == 0.0


def test_top_k_keeps_the_samples_d_scores_highest_while_the_share_decays_to_nu():
    keep = TopK(0.5, decay_steps=10)
    assert [round(float(keep.fraction(step)), 4) for step in (0, 10, 1000)] == [1.0, 0.99, 0.5]
    logits = tf.constant([[0.1], [3.0], [-1.0], [2.0], [0.5], [1.0]])
    mask, k = keep.kept(logits[:, 0], 0)
    assert mask.numpy().tolist() == [1.0] * 6 and float(k) == 6
    mask, k = keep.kept(logits[:, 0], 1000)
    assert mask.numpy().tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0] and float(k) == 3
    mask, k = TopK(0.01, 1).kept(tf.constant([1.0, 2.0, 2.0]), 1000)
    assert mask.numpy().tolist() == [0.0, 1.0, 0.0] and float(k) == 1
    best = tf.constant([[3.0], [2.0], [1.0]])
    for name in ("minimax", "non-saturating", "wasserstein", "hinge", "least-squares"):
        pair = losses.get(name)
        assert float(keep.loss(pair.generator_terms, logits, 1000)) == pytest.approx(float(pair.generator(best)), rel=1e-6), name
    _, _, gan = tiny_gan(top_k=0.5, top_k_steps=1)
    gan.g_optimizer.iterations.assign(1000)
    assert float(gan.adversarial_loss(logits)) == pytest.approx(float(gan.loss_pair.generator(best)))


def test_top_k_compiles_one_xla_program_for_every_k():
    keep = TopK(0.5, decay_steps=1)

    def loss(logits, step):
        return keep.loss(losses.get("non-saturating").generator_terms, logits, step)

    compiled = tf.function(loss, jit_compile=True)
    logits = tf.random.stateless_normal((8, 1), seed=(1, 2))
    programs = {compiled.experimental_get_compiler_ir(logits, tf.constant(step, tf.int64))(stage="hlo") for step in (0, 10, 70)}
    assert len(programs) == 1
    assert float(compiled(logits, tf.constant(70, tf.int64))) == pytest.approx(float(loss(logits, 70)))


@pytest.mark.parametrize("variant", ["lapgan", "gan-int", "wgan-gp"])
def test_top_k_reaches_the_pyramid_the_text_and_the_critic_steps(variant):
    config, data = tiny_config(variant, top_k=0.5, top_k_steps=1)
    gan = build_compiled_gan(config)
    assert gan.top_k.nu == 0.5
    trained_briefly(gan, config, data)


@pytest.mark.parametrize("variant", ["cgan", "ssgan", "gan-int"])
@pytest.mark.parametrize("option, value", [("balanced_consistency", 10.0), ("negative_augmentation", "blur,mixup")])
def test_image_regularizers_reach_the_conditional_semi_supervised_and_text_discriminators(variant, option, value):
    config, data = tiny_config(variant, **{option: value})
    gan = build_compiled_gan(config)
    assert [regularizer.__name__ for regularizer in gan.regularizers][-1] == option
    trained_briefly(gan, config, data)


@pytest.mark.parametrize("option, value", [("balanced_consistency", 10.0), ("negative_augmentation", "blur")])
@pytest.mark.parametrize("variant, settings, message", [
    ("lapgan", dict(dataset="digits", image_size=16), "The lapgan variant does not take option `{}`"),
    ("gan", dict(dataset="ring8"), "Option `{}` is for images, and dataset 'ring8' holds points"),
    ("vae", dict(dataset="digits"), "The vae variant does not take option `{}`"),
])
def test_image_regularizers_are_refused_where_no_discriminator_sees_images(option, value, variant, settings, message):
    with pytest.raises(ConfigError, match=re.escape(message.format(option))):
        resolve_config(variant, **{option: value}, **settings)


def test_trick_options_are_checked():
    for options, message in [
        ({"virtual_batch_norm": "critic"}, "must be one of generator"),
        ({"historical_averaging": -1}, "must be a positive number"),
        ({"r1_penalty": "strong"}, "must be a positive number"),
        ({"balanced_consistency": 0}, "must be a positive number"),
        ({"minibatch_discrimination": True, "minibatch_kernels": 0}, "positive integer"),
        ({"top_k": 1.5}, "top_k"),
        ({"top_k_steps": 5}, "Option `top_k_steps` needs `top_k`"),
        ({"negative_augmentation": "jigsaw"}, "must be blur, mixup or blur,mixup. Received: negative_augmentation=.jigsaw."),
        ({"negative_weight": 2.0}, "Option `negative_weight` needs `negative_augmentation`"),
        ({"negative_augmentation": "blur", "negative_weight": 0}, "must be a positive number"),
        ({"top_k": 0.5, "loss": "feature-matching"}, "the feature-matching loss compares a batch's mean features; choose another `loss`"),
    ]:
        with pytest.raises(ConfigError, match=message):
            tiny_gan(**options)


ALL_TRICKS = {
    "minibatch_discrimination": True,
    "minibatch_kernels": 8,
    "minibatch_kernel_dim": 3,
    "historical_averaging": 0.01,
    "virtual_batch_norm": "both",
    "reference_batch_size": 8,
    "instance_noise": 0.1,
    "instance_noise_steps": 4,
    "r1_penalty": 1.0,
    "balanced_consistency": 10.0,
    "negative_augmentation": "blur,mixup",
    "negative_weight": 2.0,
    "diff_augment": "color,translation,cutout",
    "top_k": 0.5,
    "top_k_steps": 1,
}


@pytest.mark.parametrize("option", [
    "minibatch_discrimination", "historical_averaging", "virtual_batch_norm", "instance_noise", "r1_penalty", "balanced_consistency",
    "negative_augmentation", "diff_augment", "top_k",
])
def test_each_trick_trains_two_steps(option):
    options = {key: value for key, value in ALL_TRICKS.items() if key.startswith(option)}
    config, data, gan = tiny_gan(**options, reference_batch_size=8, label_smoothing=0.9)
    tricks.choose_real_reference(gan, data, config)
    history = gan.fit(training_batches(data, config.batch_size, seed=0), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    assert all(np.isfinite(values[-1]) for values in history.history.values())


def checkpoint_arrays(run_dir):
    with np.load(latest_checkpoint(run_dir)) as stored:
        return {key: stored[key] for key in stored.files}


def quiet_train(config, run_dir, resume=False):
    return train(config, run_dir=str(run_dir), resume=resume, progress=False, log=lambda *_: None)


@pytest.mark.slow
def test_all_tricks_together_resume_exactly(tmp_path):
    quiet_train(resolve_config("dcgan", steps=4, **ALL_TRICKS, **TINY), tmp_path / "straight")
    quiet_train(resolve_config("dcgan", steps=2, **ALL_TRICKS, **TINY), tmp_path / "split")
    quiet_train(resolve_config("dcgan", steps=4, **TINY), tmp_path / "split", resume=True)
    straight, split = checkpoint_arrays(tmp_path / "straight"), checkpoint_arrays(tmp_path / "split")
    assert straight.keys() == split.keys() and int(split["step"]) == 4
    averages = sorted(key for key in split if key.startswith("regularizers/"))
    assert averages and float(split[averages[-1]]) == 4.0, "the historical average counts the four D updates"
    for key in straight:
        np.testing.assert_allclose(split[key], straight[key], rtol=1e-5, atol=1e-6, err_msg=key)
    config = json.load(open(tmp_path / "split" / "config.json"))
    assert config["virtual_batch_norm"] == "both"
    data = load_dataset("digits", image_size=16)
    first = next(iter(training_batches(data, 8, seed=0)))["image"].numpy()
    reference_key = next(k for k in split if k.startswith("discriminator/") and split[k].shape == (8, 16, 16, 1))
    np.testing.assert_array_equal(split[reference_key], first)


def test_the_cli_flags_are_stored_in_the_runs_config(tmp_path):
    run_dir = tmp_path / "cli"
    result = CliRunner().invoke(cli, [
        "train", "dcgan", "--dataset", "digits", "--image-size", "16", "--width", "4", "--batch-size", "8",
        "--latent-dim", "8", "--steps", "1", "--quiet", "--out", str(run_dir), "--label-smoothing", "0.9",
        "--minibatch-discrimination", "--historical-averaging", "0.01", "--virtual-batch-norm", "--instance-noise", "0.1",
        "--r1-penalty", "2", "--balanced-consistency", "5", "--diff-augment", "translation,cutout", "--top-k", "0.75", "--top-k-steps", "50",
        "--negative-augmentation", "mixup", "--negative-weight", "0.5",
    ])
    assert result.exit_code == 0, result.output
    config = json.load(open(os.path.join(run_dir, "config.json")))
    assert config["label_smoothing"] == 0.9
    minibatch = ("minibatch_discrimination", "minibatch_kernels", "minibatch_kernel_dim")
    assert [config[k] for k in minibatch] == [True, 100, 5]
    assert {k: config[k] for k in ("historical_averaging", "virtual_batch_norm", "instance_noise", "r1_penalty", "diff_augment", "top_k")} == {
        "historical_averaging": 0.01,
        "virtual_batch_norm": "generator",
        "instance_noise": 0.1,
        "r1_penalty": 2.0,
        "diff_augment": "translation,cutout",
        "top_k": 0.75,
    }
    assert config["top_k_steps"] == 50 and config["balanced_consistency"] == 5.0
    assert config["negative_augmentation"] == "mixup" and config["negative_weight"] == 0.5
    bad = CliRunner().invoke(cli, ["train", "dcgan", "--virtual-batch-norm", "critic"])
    assert bad.exit_code == 2 and "critic" in bad.output
