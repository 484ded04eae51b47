"""The projection discriminator (Miyato & Koyama 2018): the term, where the condition enters, training, refusals."""

import keras
import numpy as np
import pytest

from gantk.errors import ConfigError
from gantk.nets.conditioning import projection
from gantk.nets.dcgan import dcgan_discriminator
from gantk.nets.spectral_norm import SpectralNorm
from gantk.nets.text_to_image import text_discriminator
from gantk.training.build import build_compiled_gan

from helpers import tiny_config, trained_briefly

RNG = np.random.default_rng(0)


def test_the_term_is_the_condition_projected_onto_the_summed_features():
    features, condition = keras.Input((4, 4, 6)), keras.Input((3,))
    model = keras.Model([features, condition], projection(features, condition))
    phi = RNG.standard_normal((5, 4, 4, 6)).astype("float32")
    y = RNG.standard_normal((5, 3)).astype("float32")
    v = model.get_layer("projection_embedding").kernel.numpy()
    expected = np.sum((y @ v) * phi.sum(axis=(1, 2)), axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(model([phi, y])), expected, rtol=1e-5, atol=1e-5)


def without_projection(model):
    embedding = model.get_layer("projection_embedding")
    embedding.kernel.assign(np.zeros(embedding.kernel.shape, "float32"))
    return model


def test_the_label_reaches_a_projection_discriminator_only_through_the_projection():
    model = dcgan_discriminator((16, 16, 3), width=4, batch_norm=False, num_classes=5, projection=True)
    assert "image_and_label" not in [layer.name for layer in model.layers]
    images = RNG.standard_normal((2, 16, 16, 3)).astype("float32")
    first, second = model([images, np.array([0, 1])]), model([images, np.array([3, 4])])
    assert not np.allclose(np.asarray(first), np.asarray(second))
    without_projection(model)
    np.testing.assert_allclose(np.asarray(model([images, np.array([0, 1])])), np.asarray(model([images, np.array([3, 4])])))


def test_the_caption_reaches_a_projection_text_discriminator_only_through_the_projection():
    model = text_discriminator((16, 16, 3), 10, width=4, batch_norm=False, projection=True)
    assert not {"image_and_text", "joint"} & {layer.name for layer in model.layers}
    images = RNG.standard_normal((2, 16, 16, 3)).astype("float32")
    captions = RNG.standard_normal((2, 2, 10)).astype("float32")
    first, second = model([images, captions[0]]), model([images, captions[1]])
    assert not np.allclose(np.asarray(first), np.asarray(second))
    without_projection(model)
    np.testing.assert_allclose(np.asarray(model([images, captions[0]])), np.asarray(model([images, captions[1]])))


def test_a_conditional_gan_with_a_spectrally_normalised_projection_discriminator_trains():
    config, data = tiny_config("cgan", arch="dcgan", projection=True, spectral_norm=True)
    gan = build_compiled_gan(config)
    assert isinstance(gan.discriminator.get_layer("projection_embedding"), SpectralNorm)
    trained_briefly(gan, config, data)


def test_projection_needs_a_convolutional_conditional_discriminator():
    with pytest.raises(ConfigError, match="set --arch dcgan"):
        build_compiled_gan(tiny_config("cgan", projection=True)[0])
    with pytest.raises(ConfigError, match="projection"):
        tiny_config("dcgan", projection=True)
