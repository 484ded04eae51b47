"""Negative data augmentation (Sinha et al. 2021): the negatives, and D's loss on them."""

import keras
import numpy as np
import tensorflow as tf

from gantk import losses
from gantk.nets.pyramid import downsample, upsample
from gantk.regularizers import negative_augmentation
from gantk.training.gan import GAN
from gantk.training.negative_augmentation import NegativeAugmentation

from helpers import Seeded

RNG = np.random.default_rng(0)


def test_blur_is_the_pyramids_low_pass():
    images = RNG.random((4, 16, 16, 3)).astype("float32")
    blurred = np.asarray(NegativeAugmentation("blur")(Seeded(), images))
    np.testing.assert_allclose(blurred, np.asarray(upsample(downsample(images))), atol=1e-6)
    square = np.zeros((1, 16, 16, 1), "float32")
    square[0, 4:12, 4:12] = 1.0
    edge = np.asarray(NegativeAugmentation("blur")(Seeded(), square))[0, 8, :, 0]
    assert edge[3] > 0.0 and edge[4] < 1.0 and edge[8] == 1.0


def test_mixup_blends_each_picture_with_the_next_within_a_quarter_and_three_quarters():
    images = RNG.random((32, 8, 8, 3)).astype("float32")
    mixed = np.asarray(NegativeAugmentation("mixup")(Seeded(), images))
    partner = np.roll(images, 1, axis=0)
    weights = [np.linalg.lstsq((x - p).reshape(-1, 1), (m - p).reshape(-1), rcond=None)[0][0] for x, p, m in zip(images, partner, mixed)]
    for x, p, m, w in zip(images, partner, mixed, weights):
        np.testing.assert_allclose(m, w * x + (1 - w) * p, atol=1e-5)
    assert 0.25 <= min(weights) and max(weights) <= 0.75 and max(weights) - min(weights) > 0.3


def test_each_sample_draws_one_kind_when_several_are_asked():
    images = RNG.random((64, 8, 8, 3)).astype("float32")
    both = np.asarray(NegativeAugmentation("blur,mixup")(Seeded(), images))
    blurred = np.asarray(upsample(downsample(images)))
    is_blur = np.all(np.isclose(both, blurred, atol=1e-6), axis=(1, 2, 3))
    assert 16 < is_blur.sum() < 48
    partner = np.roll(images, 1, axis=0)
    for x, p, m in zip(images[~is_blur], partner[~is_blur], both[~is_blur]):
        w = np.sum((m - p) * (x - p)) / np.sum((x - p) ** 2)
        np.testing.assert_allclose(m, w * x + (1 - w) * p, atol=1e-5)


def mean_critic():
    """D(x) = the mean of the picture's values: 8x8 grey pictures."""
    sample = keras.Input((8, 8, 1))
    return keras.Model(sample, keras.layers.Lambda(lambda x: keras.ops.mean(x, axis=(1, 2, 3))[:, None])(sample))


def test_the_penalty_is_the_weight_times_ds_fake_loss_on_the_negatives_of_the_real_batch():
    latent = keras.Input((2,))
    gan = GAN(keras.Model(latent, latent), mean_critic(), latent_dim=2, seed=3)
    real = RNG.normal(size=(16, 8, 8, 1)).astype("float32")
    fake = RNG.normal(size=(16, 8, 8, 1)).astype("float32")
    logits = np.mean(np.asarray(upsample(downsample(real))), axis=(1, 2, 3))
    expected = 2.5 * np.mean(np.logaddexp(0.0, logits))
    penalty = negative_augmentation(NegativeAugmentation("blur"), 2.5)(gan, tf.constant(real), tf.constant(fake))
    assert np.isclose(float(penalty), expected, rtol=1e-5)
    gan.loss_pair = losses.get("hinge")
    hinge = negative_augmentation(NegativeAugmentation("blur"), 2.5)(gan, tf.constant(real), tf.constant(fake))
    assert np.isclose(float(hinge), 2.5 * np.mean(np.maximum(0.0, 1.0 + logits)), rtol=1e-5)
