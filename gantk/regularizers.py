"""Discriminator regularizers: callables ``reg(gan, real, fake, labels) -> scalar``, weight included.

The gradient penalty of WGAN-GP, R1, balanced consistency regularization, negative data augmentation,
and historical averaging (which keeps state: its running mean).

``GAN.discriminator_update`` adds each one to the discriminator loss inside its gradient tape,
so a regularizer may itself differentiate the discriminator (second-order gradients).
"""

import keras
import tensorflow as tf
from keras import ops

from gantk.replicas import replica_slice


def gradient_penalty(weight=10.0, target=1.0):
    """``weight * E[(||grad_x D(x^)||_2 - target)^2]`` at x^ = eps x + (1 - eps) G(z), eps ~ U[0, 1] per sample.

    The two-sided penalty of WGAN-GP (Gulrajani et al. 2017, Algorithm 1, lambda = 10). The norm
    is taken over all of a sample's dimensions (pixels and channels, or point coordinates); a
    conditional critic is evaluated with the real samples' labels.
    """
    weight, target = float(weight), float(target)

    def penalty(gan, real, fake, labels=None):
        real = ops.cast(real, fake.dtype)
        eps = replica_slice(lambda n: keras.random.uniform((n,), seed=gan.seed_generator), ops.shape(real)[0])
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
        return r1_term(weight, squared_input_gradient_norms(gan, real, labels))

    penalty.__name__ = "r1_penalty"
    return penalty


def r1_term(weight, squared_norms):
    """``weight / 2`` times the batch mean of ||grad_x D(x)||^2 at the real samples (Mescheder et al. 2018, eq. 9)."""
    return 0.5 * weight * ops.mean(squared_norms)


def balanced_consistency(transform, weight=10.0):
    """``weight * (E[(D(x) - D(T(x)))^2] + E[(D(G(z)) - D(T(G(z))))^2])``, T = ``transform(gan, images)``.

    Balanced consistency regularization (bCR) of Zhao, Zhang, Chen, Singh & Zhang 2021 ("Improved
    Consistency Regularization for Generative Adversarial Networks", arXiv:2002.04724, Algorithm 1,
    lambda_real = lambda_fake = 10), which extends the consistency regularization of Zhang, Zhang,
    Odena & Lee 2020 (arXiv:1910.12027) from the real images to the generated ones: D's logit must
    not change when a picture is mirrored left to right (with probability 1/2) or shifted by up to
    1/8 of its side, so D judges what is drawn rather than where its pixels sit; penalising the
    generated images too keeps D from taking the transformation itself for a sign of the real data.
    The runs' T is DiffAugment's flip and translation (zero fill), drawn per sample
    (``gantk.training.tricks``); the gradient flows through both logits of each pair.
    """
    weight = float(weight)

    def penalty(gan, real, fake, labels=None):
        real = ops.cast(real, fake.dtype)
        gaps = []
        for images in (real, fake):
            plain = gan.discriminate(images, labels, training=True)
            moved = gan.discriminate(transform(gan, images), labels, training=True)
            gaps.append(ops.mean(ops.square(ops.cast(plain, "float32") - ops.cast(moved, "float32"))))
        return weight * (gaps[0] + gaps[1])

    penalty.__name__ = "balanced_consistency"
    return penalty


def negative_augmentation(transform, weight=1.0):
    """``weight`` times D's loss for scoring ``transform(gan, x)`` of the real batch as generated.

    Negative data augmentation (Sinha et al. 2021, "Negative Data Augmentation", arXiv:2102.05113):
    the discriminator separates the data from the mixture lambda p_G + (1 - lambda) p_NDA of generated
    pictures and real ones pushed off the data's support; with the fake half of D's loss
    weighted 1 and this term ``weight``, lambda = 1 / (1 + weight) up to the scale of D's loss. The
    negatives pass through what D sees of every picture (DiffAugment, instance noise), and a
    conditional D scores them with their real pictures' labels.
    """
    weight = float(weight)

    def penalty(gan, real, fake, labels=None):
        negatives = transform(gan, ops.cast(real, fake.dtype))
        logits = gan.discriminate(gan.perturb(negatives), labels, training=True)
        return weight * gan.loss_pair.fake_loss(ops.cast(logits, "float32"))

    penalty.__name__ = "negative_augmentation"
    return penalty


def squared_input_gradient_norms(gan, inputs, labels=None):
    """||grad_x D(x)||_2^2 for each sample x of ``inputs`` (over all its dimensions), in float32.

    Computed inside the caller's tape, so a penalty built on it can be differentiated again.
    """
    return squared_gradient_norms(lambda x: gan.discriminate(x[0], labels, training=True), [inputs])[0]


def squared_gradient_norms(logits_of, inputs):
    """For each tensor of the list ``inputs``, the per-sample ||grad||_2^2 of ``logits_of(inputs)``'s sum, in float32.

    ``logits_of`` may return several logit tensors (one per pyramid level); their gradients add.
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        logits = logits_of(inputs)
    grads = tape.gradient(logits, inputs)
    return [ops.sum(ops.square(ops.cast(ops.reshape(g, (ops.shape(g)[0], -1)), "float32")), axis=1) for g in grads]


class HistoricalAveraging:
    """A discriminator regularizer ``weight * ||theta - (1/t) sum_{i<=t} theta[i]||^2``.

    ``theta`` is every trainable variable of ``discriminator``; ``theta[i]`` is its value at the
    i-th earlier discriminator update, so the average is over past parameters and the first
    update is not penalised. Each call returns the penalty for the current parameters and then
    adds them to the running mean. The mean and the count are non-trainable variables
    (``variables``), saved in checkpoints so that a resumed run continues the same average.
    Pulling the parameters towards their own history damps the oscillations of gradient descent
    in a game that has no minimum to settle in.
    """

    def __init__(self, weight, discriminator):
        self.weight = float(weight)
        self.tracked = list(discriminator.trainable_variables)
        self.means = [
            keras.Variable(ops.zeros(v.shape), dtype="float32", trainable=False, aggregation="only_first_replica",
                           name=f"historical_mean_{i}")
            for i, v in enumerate(self.tracked)
        ]
        self.count = keras.Variable(0.0, dtype="float32", trainable=False, aggregation="only_first_replica",
                                    name="historical_count")

    @property
    def variables(self):
        return [*self.means, self.count]

    def penalty(self):
        """The penalty for the current parameters against the stored mean, without updating it."""
        seen = ops.cast(self.count > 0, "float32")
        distance = sum(ops.sum(ops.square(ops.cast(v, "float32") - m)) for v, m in zip(self.tracked, self.means))
        return self.weight * seen * distance

    def __call__(self, gan, real, fake, labels):
        penalty = self.penalty()
        count = ops.convert_to_tensor(self.count)
        for variable, mean in zip(self.tracked, self.means):
            value = ops.stop_gradient(ops.cast(variable, "float32"))
            mean.assign(mean + (value - mean) / (count + 1.0))
        self.count.assign(count + 1.0)
        return penalty
