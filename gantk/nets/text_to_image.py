"""The GAN-CLS generator and discriminator (Reed et al. 2016, arXiv:1605.05396, section 4.1).

Both take a caption embedding phi(t) and compress it with a dense layer to ``COMPRESSED_DIM``
(128) units and LeakyReLU(0.2). G concatenates it with z and runs the DCGAN generator; D runs
the DCGAN discriminator's strided stages down to 4x4, replicates the compressed embedding over
the 4x4 map, concatenates it depth-wise, applies a 1x1 convolution with LeakyReLU and scores
the result (a dense logit over the 4x4 map: the paper's final 4x4 convolution). With
``projection`` D scores the 4x4 image features alone and adds the projection of the compressed
embedding onto them (Miyato & Koyama 2018, ``gantk.nets.conditioning.projection``) instead.
With ``classes`` D also reads the class of the image from its 4x4 features alone, the auxiliary
classifier of AC-GAN (Odena et al. 2017) and TAC-GAN (Dash et al. 2017): its output is then the
logit followed by ``classes`` class logits.
"""

import keras
from keras import layers

from gantk.nets.conditioning import add_projection
from gantk.nets.dcgan import batch_norm_layer, check_channels, dcgan_generator, downsampling, upsamplings
from gantk.nets.initializers import dcgan_kernel

COMPRESSED_DIM = 128


def compress(embedding, name):
    """phi(t) -> the 128-unit leaky-ReLU compression each network learns for itself."""
    x = layers.Dense(COMPRESSED_DIM, kernel_initializer=dcgan_kernel(), name=f"{name}_text")(embedding)
    return layers.LeakyReLU(0.2, name=f"{name}_text_lrelu")(x)


def text_generator(latent_dim, embedding_dim, image_shape, width=64, kernel_size=4, batch_norm=True, sync_bn=False, latent_prior=None, name="generator"):
    """``[z, phi(t)]`` -> image in [-1, 1]: the DCGAN generator on z concatenated with the compressed embedding."""
    z = keras.Input(shape=(int(latent_dim),), name="z")
    embedding = keras.Input(shape=(int(embedding_dim),), name="embedding")
    noise = z if latent_prior is None else latent_prior(z)
    joined = layers.Concatenate(name="z_and_text")([noise, compress(embedding, "g")])
    body = dcgan_generator(
        int(joined.shape[-1]), image_shape, width=width, kernel_size=kernel_size, batch_norm=batch_norm, sync_bn=sync_bn,
        name="image_generator",
    )
    return keras.Model([z, embedding], body(joined), name=name)


def text_discriminator(
    image_shape, embedding_dim, width=64, kernel_size=4, batch_norm=True, sync_bn=False, features=None, projection=False,
    classes=0, name="discriminator",
):
    """``[image, phi(t)]`` -> one logit: does the image look real and match the text?

    ``features`` optionally maps the flattened joint features before the logit (as in ``dcgan_discriminator``).
    """
    check_channels(image_shape[-1])
    doublings = upsamplings(image_shape[0])
    image = keras.Input(shape=tuple(image_shape), name="image")
    embedding = keras.Input(shape=(int(embedding_dim),), name="embedding")
    x = last = downsampling(image, doublings, width, kernel_size, batch_norm, sync_bn)
    text = compress(embedding, "d")
    if not projection:
        text_map = layers.Reshape((1, 1, COMPRESSED_DIM), name="text_pixel")(text)
        text_map = layers.UpSampling2D(size=(int(x.shape[1]), int(x.shape[2])), name="text_map")(text_map)
        x = layers.Concatenate(name="image_and_text")([x, text_map])
        x = layers.Conv2D(
            int(x.shape[-1]) - COMPRESSED_DIM, 1, use_bias=not batch_norm, kernel_initializer=dcgan_kernel(), name="joint"
        )(x)
        x = layers.LeakyReLU(0.2)(batch_norm_layer(x, batch_norm, "joint_bn", sync_bn))
    x = layers.Flatten()(x)
    if features is not None:
        x = features(x)
    logit = layers.Dense(1, kernel_initializer=dcgan_kernel(), dtype="float32", name="logit")(x)
    if projection:
        logit = add_projection(logit, last, text)
    if classes:
        class_logits = layers.Dense(int(classes), kernel_initializer=dcgan_kernel(), dtype="float32", name="class_logits")(
            layers.Flatten()(last)
        )
        logit = layers.Concatenate(dtype="float32", name="logit_and_classes")([logit, class_logits])
    return keras.Model([image, embedding], logit, name=name)
