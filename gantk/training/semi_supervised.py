"""The semi-supervised GAN of Salimans et al. 2016 (arXiv:1606.03498, section 5).

The discriminator is a K-class classifier; generated images form class K + 1, whose logit is fixed
at 0. So D(x) = Z(x) / (Z(x) + 1) with Z(x) = sum_k exp(l_k(x)), i.e. the real/fake logit is
logsumexp_k l_k(x), and the usual real/fake objective (the run's loss pair) applies to it. The
discriminator minimises supervised_weight * L_supervised (cross-entropy of the K classes on the
labelled batch) plus adversarial_weight * L_unsupervised (real/fake on the unlabelled and generated
batches), plus, when their weights are set, two terms on the unlabelled batch: the entropy of D's
class distribution (entropy minimisation, Grandvalet & Bengio 2005) and the squared gap between its
class probabilities on two noisy passes (the Pi-model of Laine & Aila 2017, arXiv:1610.02242).
adversarial_weight 0, with those two terms off, trains the same network on the labelled images alone. The
generator's update is ``GAN``'s: feature matching (section 3.1) by default. With ``classifier_ema``
a moving average of the discriminator's weights (``gantk.training.weight_average``) is the network
that classifies outside training: in ``gantk evaluate``, ``gantk classify`` and the export.
"""

import keras
import tensorflow as tf
from keras import ops

from gantk.training.gan import GAN
from gantk.training.weight_average import WeightAverage
from gantk.training.workers import reducible_logs


def real_fake_logit(class_logits):
    """log Z = logsumexp of the K class logits: the logit of D(x) = Z / (Z + 1)."""
    return ops.logsumexp(class_logits, axis=-1, keepdims=True)


def class_entropy(class_logits):
    """Mean entropy of the K-class distributions softmax(``class_logits``)."""
    return -ops.mean(ops.sum(ops.softmax(class_logits) * ops.log_softmax(class_logits), axis=-1))


def consistency_gap(class_logits, target_logits):
    """Mean squared gap between the class probabilities of two passes, the second a fixed target (Pi-model)."""
    target = ops.stop_gradient(ops.softmax(target_logits))
    return ops.mean(ops.sum(ops.square(ops.softmax(class_logits) - target), axis=-1))


def supervised_loss(class_logits, labels):
    """Mean cross-entropy of the K classes against integer ``labels``."""
    return ops.mean(keras.losses.sparse_categorical_crossentropy(labels, class_logits, from_logits=True))


class SemiSupervisedGAN(GAN):
    """A GAN whose discriminator also classifies; batches carry ``labeled_image`` and ``labeled_label``."""

    def __init__(
        self, *args, supervised_weight=1.0, adversarial_weight=1.0, entropy_weight=0.0, consistency_weight=0.0,
        classifier_ema=None, **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.supervised_weight = float(supervised_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.entropy_weight = float(entropy_weight)
        self.consistency_weight = float(consistency_weight)
        self.classifier_average = (
            None if classifier_ema is None else WeightAverage(self.discriminator, classifier_ema, "discriminator_ema")
        )
        self.supervised_tracker = keras.metrics.Mean(name="supervised_loss")
        self.accuracy_tracker = keras.metrics.Mean(name="labeled_accuracy")

    @property
    def metrics(self):
        return [*super().metrics, self.supervised_tracker, self.accuracy_tracker]

    @property
    def inference_classifier(self):
        """The network that classifies outside training and is exported: the weight average when there is one."""
        return self.discriminator if self.classifier_average is None else self.classifier_average.model

    def classify(self, images, training=False):
        """The K class logits of ``images``: of the trained discriminator in training, else of ``inference_classifier``."""
        return (self.discriminator if training else self.inference_classifier)(images, training=training)

    def discriminate(self, images, labels=None, training=False):
        return real_fake_logit(self.classify(images, training=training))

    def train_step(self, data):
        images, labeled, targets = data["image"], data["labeled_image"], data["labeled_label"]
        for step in range(self.d_steps):
            real = images[step :: self.d_steps]
            d_loss, real_logits, fake_logits, supervised, accuracy = self.discriminator_update(
                real, labeled[step :: self.d_steps], targets[step :: self.d_steps]
            )
        if self.classifier_average is not None:
            self.classifier_average.update(self.discriminator)
        g_loss = self.generator_update(real, None)
        if self.average is not None:
            self.average.update(self.generator)
        for tracker, value in (
            (self.d_loss_tracker, d_loss), (self.g_loss_tracker, g_loss), (self.supervised_tracker, supervised),
            (self.accuracy_tracker, accuracy), (self.d_real_tracker, ops.mean(ops.sigmoid(real_logits))),
            (self.d_fake_tracker, ops.mean(ops.sigmoid(fake_logits))),
        ):
            tracker.update_state(value)
        return reducible_logs({metric.name: metric.result() for metric in self.metrics})

    def discriminator_update(self, real, labeled, targets):
        z = self.draw_latents(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = self.generate(z, training=True)
            class_logits = self.classify(self.perturb(labeled), training=True)
            real_class_logits = self.classify(self.perturb(real), training=True)
            real_logits = real_fake_logit(real_class_logits)
            fake_logits = self.discriminate(self.perturb(fake), training=True)
            supervised = supervised_loss(class_logits, targets)
            loss = self.supervised_weight * supervised + self.adversarial_weight * self.loss_pair.discriminator(
                real_logits, fake_logits, self.real_target
            )
            loss = loss + self.unlabeled_penalties(real, real_class_logits)
            for regularizer in self.regularizers:
                loss = loss + regularizer(self, real, fake, None)
            scaled = self.d_optimizer.scale_loss(self.replica_share(loss))
        self.apply_discriminator_gradients(tape, scaled)
        hits = ops.cast(ops.equal(ops.argmax(class_logits, axis=-1), ops.cast(targets, "int64")), "float32")
        return loss, real_logits, fake_logits, supervised, ops.mean(hits)

    def unlabeled_penalties(self, real, real_class_logits):
        """The optional terms on the unlabelled batch: its class entropy and the Pi-model's consistency gap."""
        penalty = 0.0
        if self.entropy_weight:
            penalty = penalty + self.entropy_weight * class_entropy(real_class_logits)
        if self.consistency_weight:
            second_pass = self.classify(self.perturb(real), training=True)
            penalty = penalty + self.consistency_weight * consistency_gap(real_class_logits, second_pass)
        return penalty
