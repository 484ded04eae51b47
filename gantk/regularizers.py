"""Discriminator regularizers: callables ``reg(gan, real, fake, labels) -> scalar``, weight included.

``GAN.discriminator_update`` adds each one to the discriminator loss inside its gradient tape,
so a regularizer may itself differentiate the discriminator (second-order gradients).
"""

import keras
import tensorflow as tf
from keras import ops


def replica_uniform(gan, batch_size):
    """This replica's share of one global U[0, 1) draw, as ``GAN.draw_latents`` does for noise."""
    context = tf.distribute.get_replica_context()
    replicas = context.num_replicas_in_sync if context else 1
    u = keras.random.uniform((batch_size * replicas,), seed=gan.seed_generator)
    if replicas == 1:
        return u
    start = context.replica_id_in_sync_group * batch_size
    return u[start : start + batch_size]


def gradient_penalty(weight=10.0, target=1.0):
    """``weight * E[(||grad_x D(x^)||_2 - target)^2]`` at x^ = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample.

    The two-sided penalty of WGAN-GP (Gulrajani et al. 2017, Algorithm 1, lambda = 10). The norm
    is taken over all of a sample's dimensions (pixels and channels, or point coordinates); a
    conditional critic is evaluated with the real samples' labels.
    """
    weight, target = float(weight), float(target)

    def penalty(gan, real, fake, labels=None):
        real = ops.cast(real, fake.dtype)
        eps = replica_uniform(gan, ops.shape(real)[0])
        eps = ops.reshape(eps, (-1,) + (1,) * (len(real.shape) - 1))
        mixed = eps * real + (1.0 - eps) * fake
        norms = ops.sqrt(squared_input_gradient_norms(gan, mixed, labels) + 1e-12)
        return weight * ops.mean(ops.square(norms - target))

    penalty.__name__ = "gradient_penalty"
    return penalty


def r1_penalty(weight=10.0):
    """``weight / 2 * E[||grad_x D(x)||_2^2]`` over the real batch, D being the discriminator's logit.

    The R1 regularizer of Mescheder, Geiger & Nowozin 2018 ("Which training methods for GANs do
    actually converge?", eq. 9): it penalises the discriminator for a non-zero gradient on the data,
    which makes simultaneous gradient descent converge locally, and keeps a discriminator that
    overfits a small dataset from turning its logit into a cliff around the training examples.
    """
    weight = float(weight)

    def penalty(gan, real, fake, labels=None):
        real = ops.cast(real, fake.dtype)
        return 0.5 * weight * ops.mean(squared_input_gradient_norms(gan, real, labels))

    penalty.__name__ = "r1_penalty"
    return penalty


def squared_input_gradient_norms(gan, inputs, labels=None):
    """||grad_x D(x)||_2^2 for each sample x of ``inputs`` (over all its dimensions), in float32.

    Computed inside the caller's tape, so a penalty built on it can be differentiated again.
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        logits = gan.discriminate(inputs, labels, training=True)
    grads = tape.gradient(logits, inputs)
    flat = ops.cast(ops.reshape(grads, (ops.shape(grads)[0], -1)), "float32")
    return ops.sum(ops.square(flat), axis=1)
