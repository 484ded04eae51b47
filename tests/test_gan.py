"""The GAN model: every registered variant trains, losses match their formulas, replicas agree."""

import numpy as np
import pytest
import tensorflow as tf

from gantk import losses, zoo
from gantk.data.pipeline import training_batches
from gantk.errors import ConfigError
from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator
from gantk.training.build import build_compiled_gan

from helpers import tiny_batches, tiny_config


def test_dcgan_has_the_papers_layer_sizes_at_64():
    generator = dcgan_generator(100, (64, 64, 3), width=128)
    shapes = [tuple(layer.output.shape[1:]) for layer in generator.layers if layer.name.startswith(("project_bn", "up"))]
    assert shapes == [(4, 4, 1024), (8, 8, 512), (8, 8, 512), (16, 16, 256), (16, 16, 256), (32, 32, 128), (32, 32, 128), (64, 64, 3)]
    discriminator = dcgan_discriminator((64, 64, 3), width=128)
    assert [layer.output.shape[-1] for layer in discriminator.layers if layer.name.startswith("down") and "_bn" not in layer.name] == [128, 256, 512, 1024]
    assert "down1_bn" not in [layer.name for layer in discriminator.layers]
    z = np.random.default_rng(0).standard_normal((2, 100)).astype("float32")
    images = np.asarray(generator(z))
    assert images.shape == (2, 64, 64, 3) and np.abs(images).max() <= 1.0


@pytest.mark.parametrize("size", [8, 24, 256])
def test_image_size_must_be_a_power_of_two_in_range(size):
    with pytest.raises(ConfigError, match="power of two from 16 to 128"):
        dcgan_generator(100, (size, size, 3))


LOGITS = np.array([[-2.0], [0.5], [3.0]], dtype="float32")


def test_losses_match_their_formulas():
    real, fake = LOGITS, -LOGITS
    d = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    expected_d = -np.mean(np.log(d(real))) - np.mean(np.log(1 - d(fake)))
    assert np.isclose(float(losses.get("non-saturating").discriminator(real, fake)), expected_d, rtol=1e-5)
    assert np.isclose(float(losses.get("minimax").generator(fake)), np.mean(np.log(1 - d(fake))), rtol=1e-5)
    assert np.isclose(float(losses.get("non-saturating").generator(fake)), -np.mean(np.log(d(fake))), rtol=1e-5)
    smoothed = -np.mean(0.9 * np.log(d(real)) + 0.1 * np.log(1 - d(real))) - np.mean(np.log(1 - d(fake)))
    assert np.isclose(float(losses.get("minimax").discriminator(real, fake, 0.9)), smoothed, rtol=1e-5)
    assert np.isclose(float(losses.get("wasserstein").discriminator(real, fake)), np.mean(fake) - np.mean(real))
    assert np.isclose(float(losses.get("hinge").discriminator(real, fake)), np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake)))
    assert np.isclose(float(losses.get("least-squares").generator(fake)), 0.5 * np.mean((fake - 1) ** 2))


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_fake_loss_is_the_fake_half_of_the_discriminator_loss(name):
    """D's loss on two fake batches differs by the difference of their fake losses, the real batch fixed."""
    pair = losses.get(name)
    other = LOGITS[::-1] * 2.0 + 0.5
    difference = float(pair.discriminator(LOGITS, other)) - float(pair.discriminator(LOGITS, LOGITS))
    assert np.isclose(difference, float(pair.fake_loss(other)) - float(pair.fake_loss(LOGITS)), atol=1e-6)
    assert float(pair.fake_loss(np.full((3, 1), 0.5, "float32"))) < float(pair.fake_loss(np.full((3, 1), 1.0, "float32")))


def test_unknown_loss_and_bad_smoothing():
    with pytest.raises(ConfigError, match="Argument `loss` must be one of"):
        losses.get("fancy")
    with pytest.raises(ConfigError, match="Label smoothing needs"):
        losses.get("wasserstein").check_smoothing(0.9)


@pytest.mark.parametrize("variant", zoo.names())
def test_every_variant_trains_two_steps(variant):
    config, data = tiny_config(variant)
    gan = build_compiled_gan(config)
    history = gan.fit(tiny_batches(config, data), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    assert int(gan.d_optimizer.iterations.numpy()) == 2 * config.d_steps
    assert set(history.history) == {metric.name for metric in gan.metrics}
    for values in history.history.values():
        assert np.isfinite(values[-1])


def copy_state(source, target):
    for a, b in zip(source.generator.variables + source.discriminator.variables, target.generator.variables + target.discriminator.variables):
        b.assign(a.numpy())
    target.seed_generator.state.assign(source.seed_generator.state.numpy())


def test_one_step_on_two_replicas_equals_one_step_on_one_device():
    config, data = tiny_config("dcgan", batch_norm=False, optimizer="sgd", d_learning_rate=0.05, g_learning_rate=0.05)
    batch = next(iter(training_batches(data, config.batch_size, seed=0)))
    one_batch = tf.data.Dataset.from_tensors(batch)
    single = build_compiled_gan(config)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        mirrored = build_compiled_gan(config)
    copy_state(single, mirrored)
    before = [v.numpy() for v in single.generator.trainable_variables + single.discriminator.trainable_variables]
    logs_single = single.fit(one_batch, epochs=1, verbose=0, shuffle=False).history
    logs_mirrored = mirrored.fit(one_batch, epochs=1, verbose=0, shuffle=False).history
    after_single = single.generator.trainable_variables + single.discriminator.trainable_variables
    after_mirrored = mirrored.generator.trainable_variables + mirrored.discriminator.trainable_variables
    moved = max(float(np.abs(a.numpy() - b).max()) for a, b in zip(after_single, before))
    assert moved > 1e-4, "the step must change the weights for the comparison to mean anything"
    for a, b in zip(after_single, after_mirrored):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, rtol=1e-5, err_msg=a.path)
    assert np.isclose(logs_single["d_loss"][-1], logs_mirrored["d_loss"][-1], rtol=1e-5)
