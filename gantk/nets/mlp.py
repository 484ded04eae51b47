"""Multilayer-perceptron generator and discriminator (Goodfellow et al. 2014, section 5).

The original GAN uses MLPs for both networks with dropout in the discriminator; the
conditional GAN (Mirza & Osindero 2014, section 4.1) concatenates the one-hot label to the
input of both. Images are flattened on the way into the discriminator and the generator's
output is reshaped to the image and squashed by tanh; 2-D points keep a linear output.
"""

import math

import keras
from keras import layers

from gantk.errors import ConfigError
from gantk.nets.conditioning import label_input, one_hot
from gantk.nets.weight_norm import WeightNormDense


def check_hidden(hidden):
    if not hidden or any(not isinstance(units, int) or units < 1 for units in hidden):
        raise ConfigError(f"Argument `hidden` must be a list of positive layer sizes, e.g. [256, 256]. Received: hidden={hidden!r}")
    return list(hidden)


def _with_label(x, num_classes, inputs, name):
    if not num_classes:
        return x
    label = label_input()
    inputs.append(label)
    return layers.Concatenate(name=name)([x, one_hot(label, num_classes)])


def dense(units, weight_norm, name, **kwargs):
    """A ``Dense`` layer, or a ``WeightNormDense`` one (Salimans & Kingma 2016) with ``weight_norm``."""
    return WeightNormDense(units, name=name, **kwargs) if weight_norm else layers.Dense(units, name=name, **kwargs)


def mlp_generator(
    latent_dim, output_shape, hidden=(256, 256), num_classes=0, latent_prior=None, name="generator", batch_norm=False,
    weight_norm=False, sync_bn=False,
):
    """z (and a label, when ``num_classes``) -> a sample of ``output_shape``.

    A 1-D ``output_shape`` is point data with a linear output; an (H, W, C) shape is an image
    in [-1, 1] (tanh). ``latent_prior`` optionally maps z first (e.g. ``LatentMixture``).
    ``batch_norm`` normalises every hidden layer before its activation, without a learned scale,
    and ``weight_norm`` makes every layer a ``WeightNormDense``: the generator of Salimans et al.
    2016 (MNIST, code release) has both, batch norm inside and weight norm on the output layer.
    """
    hidden = check_hidden(hidden)
    z = keras.Input(shape=(latent_dim,), name="z")
    inputs = [z]
    x = _with_label(z if latent_prior is None else latent_prior(z), num_classes, inputs, "z_and_label")
    for index, units in enumerate(hidden, start=1):
        x = dense(units, weight_norm, f"dense{index}")(x)
        if batch_norm:
            x = layers.BatchNormalization(scale=False, synchronized=sync_bn, name=f"batch_norm{index}")(x)
        x = layers.LeakyReLU(0.2, name=f"act{index}")(x)
    is_image = len(output_shape) > 1
    x = dense(math.prod(output_shape), weight_norm, "output")(x)
    if is_image:
        x = layers.Reshape(tuple(output_shape), name="to_image")(x)
    sample = layers.Activation("tanh" if is_image else "linear", dtype="float32", name="image")(x)
    return keras.Model(inputs if num_classes else z, sample, name=name)


def mlp_discriminator(
    input_shape, hidden=(256, 256), dropout=0.5, num_classes=0, features=None, name="discriminator", outputs=1, noise=0.0,
    input_noise=None, logit_noise=0.0, weight_norm=False,
):
    """A sample (and a label, when ``num_classes``) -> ``outputs`` logits per example (one for a GAN).

    ``dropout`` is applied after every hidden layer (Goodfellow et al. 2014); ``features``
    optionally maps the last hidden layer to more features before the logit (e.g. minibatch
    discrimination). ``noise`` adds Gaussian noise of that standard deviation, in training only, to
    every hidden layer but the last, and ``input_noise`` (default ``noise``) to the input (the
    semi-supervised discriminator of Salimans et al. 2016: 0.3 on the input, 0.5 inside);
    ``logit_noise`` adds it to the last hidden layer, in front of the logit layer, as that
    discriminator does (``logit_noise`` layer: feature matching reads the features before it).
    ``weight_norm`` makes every layer a ``WeightNormDense`` (the paper's discriminator).
    """
    hidden = check_hidden(hidden)
    if not 0.0 <= float(dropout) < 1.0:
        raise ConfigError(f"Argument `dropout` must be in [0, 1). Received: dropout={dropout!r}")
    sample = keras.Input(shape=tuple(input_shape), name="image")
    inputs = [sample]
    x = layers.Flatten(name="flatten")(sample) if len(input_shape) > 1 else sample
    x = _with_label(x, num_classes, inputs, "sample_and_label")
    for index, units in enumerate(hidden, start=1):
        std = (noise if input_noise is None else input_noise) if index == 1 else noise
        if std:
            x = layers.GaussianNoise(float(std), name=f"noise{index}")(x)
        x = dense(units, weight_norm, f"dense{index}")(x)
        x = layers.LeakyReLU(0.2, name=f"act{index}")(x)
        if dropout:
            x = layers.Dropout(float(dropout), name=f"dropout{index}")(x)
    if features is not None:
        x = features(x)
    if logit_noise:
        x = layers.GaussianNoise(float(logit_noise), name="logit_noise")(x)
    logit = dense(outputs, weight_norm, "logit", dtype="float32")(x)
    return keras.Model(inputs if num_classes else sample, logit, name=name)
