"""DCGAN generator and discriminator (Radford, Metz & Chintala 2015).

The generator projects z to a 4x4 map and doubles height and width with strided transposed
convolutions, BatchNorm and ReLU, ending in tanh; the discriminator halves them with strided
convolutions and LeakyReLU(0.2), BatchNorm on every layer but the first, no pooling. With
``width=128`` at 64x64 the layer sizes are the paper's: 4x4x1024, 8x8x512, 16x16x256,
32x32x128, 64x64x3.
"""

import math

import keras
from keras import layers

from gantk.errors import ConfigError
from gantk.nets.batch_norm import FusedBatchNormalization
from gantk.nets.conditioning import add_projection, label_input, label_map, one_hot
from gantk.nets.initializers import dcgan_gamma, dcgan_kernel
from gantk.options import CONVOLUTIONAL_MIN_SIZE

MIN_SIZE, MAX_SIZE = CONVOLUTIONAL_MIN_SIZE, 128


def upsamplings(image_size):
    """Number of doublings from 4x4 to ``image_size``; it must be a power of two from 16 to 128."""
    if not (isinstance(image_size, int) and MIN_SIZE <= image_size <= MAX_SIZE and image_size & (image_size - 1) == 0):
        raise ConfigError(
            f"Argument `image_size` must be a power of two from {MIN_SIZE} to {MAX_SIZE}. Received: image_size={image_size}"
        )
    return int(math.log2(image_size)) - 2


def check_channels(channels):
    if channels not in (1, 3):
        raise ConfigError(f"Argument `channels` must be 1 or 3. Received: channels={channels}")


def batch_norm_layer(x, batch_norm, name, sync_bn=False):
    """BatchNorm with statistics of each replica's batch (fused kernel), or of the global batch when ``sync_bn``."""
    if not batch_norm:
        return x
    return FusedBatchNormalization(
        momentum=0.9, epsilon=1e-5, gamma_initializer=dcgan_gamma(), synchronized=bool(sync_bn), name=name
    )(x)


def dcgan_generator(
    latent_dim, image_shape, width=128, kernel_size=4, batch_norm=True, num_classes=0, name="generator", sync_bn=False,
    latent_prior=None,
):
    """z (and a label, when ``num_classes``) -> image in [-1, 1] of ``image_shape`` (H, W, C).

    ``latent_prior`` optionally maps z first (e.g. ``LatentMixture``)."""
    size, _, channels = image_shape
    check_channels(channels)
    doublings = upsamplings(size)
    z = keras.Input(shape=(latent_dim,), name="z")
    inputs, x = [z], z if latent_prior is None else latent_prior(z)
    if num_classes:
        label = label_input()
        inputs.append(label)
        x = layers.Concatenate(name="z_and_label")([x, one_hot(label, num_classes)])
    filters = width * 2 ** (doublings - 1)
    x = layers.Dense(4 * 4 * filters, use_bias=not batch_norm, kernel_initializer=dcgan_kernel(), name="project")(x)
    x = layers.Reshape((4, 4, filters))(x)
    x = layers.ReLU()(batch_norm_layer(x, batch_norm, "project_bn", sync_bn))
    for level in range(1, doublings):
        filters //= 2
        x = layers.Conv2DTranspose(
            filters, kernel_size, strides=2, padding="same", use_bias=not batch_norm,
            kernel_initializer=dcgan_kernel(), name=f"up{level}",
        )(x)
        x = layers.ReLU()(batch_norm_layer(x, batch_norm, f"up{level}_bn", sync_bn))
    x = layers.Conv2DTranspose(
        channels, kernel_size, strides=2, padding="same", kernel_initializer=dcgan_kernel(), name=f"up{doublings}"
    )(x)
    image = layers.Activation("tanh", dtype="float32", name="image")(x)
    return keras.Model(inputs if num_classes else z, image, name=name)


def downsampling(x, doublings, width, kernel_size=4, batch_norm=True, sync_bn=False):
    """The discriminator's stages: ``doublings`` strided convolutions down to 4x4, LeakyReLU(0.2), BatchNorm after the first."""
    filters = width
    for level in range(1, doublings + 1):
        x = layers.Conv2D(
            filters, kernel_size, strides=2, padding="same", use_bias=not (batch_norm and level > 1),
            kernel_initializer=dcgan_kernel(), name=f"down{level}",
        )(x)
        if level > 1:
            x = batch_norm_layer(x, batch_norm, f"down{level}_bn", sync_bn)
        x = layers.LeakyReLU(0.2)(x)
        filters *= 2
    return x


def dcgan_discriminator(
    image_shape, width=128, kernel_size=4, batch_norm=True, num_classes=0, name="discriminator", features=None, sync_bn=False,
    outputs=1, projection=False,
):
    """Image (and a label, when ``num_classes``) -> ``outputs`` logits per example (one for a GAN).

    ``features`` optionally maps the flattened last feature map to more features before the
    logit (used by tricks such as minibatch discrimination). The label enters as a map
    concatenated to the image, or with ``projection`` as a projection onto the last feature map
    (``gantk.nets.conditioning.projection``).
    """
    size, _, channels = image_shape
    check_channels(channels)
    doublings = upsamplings(size)
    image = keras.Input(shape=tuple(image_shape), name="image")
    inputs, x = [image], image
    if num_classes:
        label = label_input()
        inputs.append(label)
        if not projection:
            x = layers.Concatenate(name="image_and_label")([image, label_map(label, num_classes, size, size)])
    last = downsampling(x, doublings, width, kernel_size, batch_norm, sync_bn)
    x = layers.Flatten()(last)
    if features is not None:
        x = features(x)
    logit = layers.Dense(outputs, kernel_initializer=dcgan_kernel(), dtype="float32", name="logit")(x)
    if num_classes and projection:
        logit = add_projection(logit, last, one_hot(label, num_classes))
    return keras.Model(inputs if num_classes else image, logit, name=name)
