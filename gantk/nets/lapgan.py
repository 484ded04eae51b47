"""The networks of LAPGAN (Denton, Chintala, Szlam & Fergus 2015, arXiv:1506.05751, section 4).

The coarsest level is an ordinary GAN of two densely connected nets (G: 2 hidden layers of 1200
units, D: 2 of 600 with dropout). Each finer level k has a convolutional G_k of 3 layers drawing
the residual h_k from its noise and the upsampled coarser image l_k, and a convolutional D_k of
2 layers judging h_k given l_k: D_k sees l_k + h_k (the paper adds them before the first
convolution) and l_k itself, so it can tell a residual that does not fit its condition. The
paper feeds z_k as a 4th colour plane; here each level's slice of the pyramid's one latent
vector is mapped to that plane by a learned linear layer, so the whole pyramid takes one vector.
A class label enters every level as a linear map reshaped to one plane, concatenated to the
first layer's maps (the paper's class-conditional CIFAR-10 model).
"""

import keras
from keras import layers

from gantk.nets.conditioning import label_input
from gantk.nets.dcgan import batch_norm_layer, check_channels
from gantk.nets.initializers import dcgan_kernel
from gantk.nets.mlp import mlp_discriminator, mlp_generator
from gantk.nets.pyramid import AddResidual, LatentSlice, Upsample


def _label_plane(label, num_classes, size, name):
    """The paper's class conditioning: a linear map of the one-hot label reshaped to one plane."""
    plane = layers.Embedding(num_classes, size * size, embeddings_initializer=dcgan_kernel(), name=f"{name}_label")(label)
    return layers.Reshape((size, size, 1), name=f"{name}_label_plane")(plane)


def _conv(x, filters, kernel_size, strides, batch_norm, name, sync_bn=False):
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding="same", use_bias=not batch_norm,
        kernel_initializer=dcgan_kernel(), name=name,
    )(x)
    return batch_norm_layer(x, batch_norm, f"{name}_bn", sync_bn)


def residual_generator(size, channels, noise_dim, width=64, kernel_size=5, batch_norm=True, num_classes=0, sync_bn=False):
    """G_k: [z_k, l_k (, label)] -> the residual h_k of one ``size`` x ``size`` level (linear output)."""
    check_channels(channels)
    noise = keras.Input((noise_dim,), name="z")
    low = keras.Input((size, size, channels), name="low")
    inputs = [noise, low]
    plane = layers.Dense(size * size, kernel_initializer=dcgan_kernel(), name="noise_plane")(noise)
    plane = layers.Reshape((size, size, 1), name="noise_to_plane")(plane)
    x = layers.Concatenate(name="low_and_noise")([low, plane])
    x = layers.ReLU()(_conv(x, width, kernel_size, 1, batch_norm, "conv1", sync_bn))
    if num_classes:
        label = label_input()
        inputs.append(label)
        x = layers.Concatenate(name="conv1_and_label")([x, _label_plane(label, num_classes, size, "conv1")])
    x = layers.ReLU()(_conv(x, width, kernel_size, 1, batch_norm, "conv2", sync_bn))
    x = layers.Conv2D(channels, kernel_size, padding="same", kernel_initializer=dcgan_kernel(), name="conv3")(x)
    residual = layers.Activation("linear", dtype="float32", name="residual")(x)
    return keras.Model(inputs, residual, name=f"generator_{size}")


def residual_discriminator(size, channels, width=64, kernel_size=5, batch_norm=True, num_classes=0, sync_bn=False):
    """D_k: [h_k, l_k (, label)] -> one logit per example."""
    check_channels(channels)
    residual = keras.Input((size, size, channels), name="residual")
    low = keras.Input((size, size, channels), name="low")
    inputs = [residual, low]
    image = layers.Add(name="image")([low, residual])
    x = layers.Concatenate(name="image_and_low")([image, low])
    x = layers.LeakyReLU(0.2)(_conv(x, width, kernel_size, 2, False, "down1"))
    if num_classes:
        label = label_input()
        inputs.append(label)
        x = layers.Concatenate(name="down1_and_label")([x, _label_plane(label, num_classes, size // 2, "down1")])
    x = layers.LeakyReLU(0.2)(_conv(x, 2 * width, kernel_size, 2, batch_norm, "down2", sync_bn))
    x = layers.Flatten()(x)
    logit = layers.Dense(1, kernel_initializer=dcgan_kernel(), dtype="float32", name="logit")(x)
    return keras.Model(inputs, logit, name=f"discriminator_{size}")


def coarsest_generator(size, channels, latent_dim, hidden=(1200, 1200), num_classes=0, latent_prior=None):
    return mlp_generator(
        latent_dim, (size, size, channels), hidden, num_classes=num_classes, latent_prior=latent_prior, name=f"generator_{size}"
    )


def coarsest_discriminator(size, channels, hidden=(600, 600), dropout=0.5, num_classes=0):
    return mlp_discriminator((size, size, channels), hidden, dropout=dropout, num_classes=num_classes, name=f"discriminator_{size}")


def compose(generators, latent_sizes, z, label=None, start=None, training=False):
    """Every level's image, coarsest first: I_k = u(I_{k+1}) + G_k(z_k, u(I_{k+1})), clipped to [-1, 1].

    With ``start``, an image of one level's size (a real low-resolution image), only the levels
    above it run, refining it; the list then begins with ``start``. Works on Keras symbolic
    tensors (to build the pyramid generator) and on arrays (to sample or refine).
    """
    offsets = [sum(latent_sizes[:k]) for k in range(len(latent_sizes) + 1)]
    extra = [label] if label is not None else []
    first = 0
    images = []
    if start is not None:
        sizes = [int(g.output.shape[1]) for g in generators]
        first = sizes.index(int(start.shape[1])) + 1
        images.append(start)
    for k in range(first, len(generators)):
        noise = LatentSlice(offsets[k], offsets[k + 1], name=f"z_{k}")(z)
        if k == 0:
            images.append(generators[0]([noise, *extra] if extra else noise, training=training))
            continue
        low = Upsample(name=f"upsample_{k}")(images[-1])
        residual = generators[k]([noise, low, *extra], training=training)
        images.append(AddResidual(name=f"level_{k}")([low, residual]))
    return images


def pyramid_generator(generators, latent_sizes, num_classes=0, name="generator"):
    """The pyramid as one generator: z (, label) -> the finest image, each level's noise a slice of z."""
    z = keras.Input((sum(latent_sizes),), name="z")
    label = label_input() if num_classes else None
    images = compose(generators, latent_sizes, z, label)
    return keras.Model([z, label] if num_classes else z, images[-1], name=name)


def pyramid_discriminator(discriminators, sizes, channels, num_classes=0):
    """Every level's D in one model: [I_K, h_{K-1}, l_{K-1}, ..., h_0, l_0 (, label)] -> one logit per level."""
    label = label_input() if num_classes else None
    extra = [label] if label is not None else []
    inputs, logits = [], []
    for k, (size, discriminator) in enumerate(zip(sizes, discriminators)):
        if k == 0:
            level = [keras.Input((size, size, channels), name=f"image_{size}")]
        else:
            level = [keras.Input((size, size, channels), name=f"residual_{size}"), keras.Input((size, size, channels), name=f"low_{size}")]
        inputs += level
        arguments = level + extra
        logits.append(discriminator(arguments if len(arguments) > 1 else arguments[0]))
    return keras.Model(inputs + extra, logits, name="discriminator")
