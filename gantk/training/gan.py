"""The one GAN ``keras.Model``: a custom ``train_step`` with k discriminator updates per generator update.

Implements the minibatch algorithm of Goodfellow et al. 2014 (Algorithm 1) for any loss pair,
with regularizers composed as a list, optional weight clipping (Arjovsky et al. 2017) and an
optional moving average of the generator's weights (``gantk.training.weight_average``) and
optional InfoGAN code (``gantk.nets.info_code``) and top-k generator updates (``gantk.training.top_k``). Under
``tf.distribute`` the batch a step receives is the global batch; every objective is divided by
the replica count here and nowhere else, since gradients are summed across replicas.
"""

import keras
import tensorflow as tf
from keras import ops

from gantk import losses
from gantk.replicas import replica_context, replica_slice
from gantk.training.workers import reducible_logs


def feature_model(discriminator):
    """``discriminator`` up to the input of its ``logit`` layer, or of the noise layer in front of it
    (``logit_noise``: the features are the last hidden layer itself), sharing its weights."""
    names = {layer.name for layer in discriminator.layers}
    end = discriminator.get_layer("logit_noise" if "logit_noise" in names else "logit")
    return keras.Model(discriminator.inputs, end.input, name="discriminator_features")


class GAN(keras.Model):
    """Adversarial training of ``generator`` against ``discriminator``.

    Each step takes ``d_steps`` fresh real batches (the step's input holds ``d_steps`` times the
    batch size; sub-batch ``i`` is every ``d_steps``-th example from ``i``), updates the
    discriminator once on each, then updates the generator once.
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        loss="non-saturating",
        d_steps=1,
        regularizers=(),
        label_smoothing=None,
        clip_discriminator=None,
        num_classes=0,
        seed=0,
        instance_noise=None,
        augment=None,
        average=None,
        info_code=None,
        top_k=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.loss_pair = losses.get(loss)
        self.d_steps = int(d_steps)
        self.regularizers = list(regularizers)
        self.real_target = 1.0 if label_smoothing is None else float(label_smoothing)
        self.loss_pair.check_smoothing(self.real_target)
        self.clip_discriminator = clip_discriminator
        self.num_classes = int(num_classes)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.instance_noise = instance_noise
        self.augment = augment
        self.average = average
        self.info_code = info_code
        self.top_k = top_k
        self.feature_extractor = feature_model(discriminator) if self.loss_pair.matches_features else None
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.code_tracker = keras.metrics.Mean(name="code_loss") if info_code is not None else None

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Attach both optimizers and build their slots now, under the current strategy's scope."""
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        """Skip Keras's build-from-a-batch under a strategy once ``compile`` has built everything.

        That build takes one batch off the iterator (shifting the seeded batch order) and fails on
        dict batches under ``MultiWorkerMirroredStrategy`` (its ``reduce`` takes no nested values).
        """
        if self.generator.built and self.discriminator.built and self.d_optimizer.built and self.g_optimizer.built:
            self.built = True
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]
        return trackers if self.code_tracker is None else [*trackers, self.code_tracker]

    @property
    def conditional(self):
        return self.num_classes > 0

    def call(self, inputs, training=False):
        """A batch dict -> discriminator logits of its images; latents (and labels) -> generated images.

        ``fit`` under a distribution strategy calls the model once on a data batch to build it.
        """
        if isinstance(inputs, dict):
            labels = inputs.get("label") if self.conditional else None
            return self.discriminate(inputs["image"], labels, training=training)
        return self.generator(inputs, training=training)

    @property
    def inference_generator(self):
        """The generator that samples, is saved and is exported: the weight average when there is one."""
        return self.generator if self.average is None else self.average.model

    def generate(self, z, labels=None, training=False):
        """Images of ``z`` (and ``labels``): from the trained generator in training, else from ``inference_generator``."""
        generator = self.generator if training else self.inference_generator
        return generator([z, labels] if self.conditional else z, training=training)

    def discriminator_outputs(self, images, labels=None, training=False):
        inputs = [images, ops.cast(labels, "int32")] if self.conditional else images
        return self.discriminator(inputs, training=training)

    def split_code(self, outputs):
        """(the real-or-fake logits, the InfoGAN code head's logits) of a discriminator's ``outputs``
        (``gantk.nets.info_code.with_code_head`` puts the logit first); without a code, (``outputs``, None)."""
        if self.info_code is None:
            return outputs, None
        return outputs[:, :1], outputs[:, 1:]

    def discriminate(self, images, labels=None, training=False):
        """D's real-or-fake logits of ``images`` (without the InfoGAN code's logits)."""
        return self.split_code(self.discriminator_outputs(images, labels, training))[0]

    def discriminate_with_code(self, images, labels=None, training=False):
        """(D's logits, the InfoGAN code head's logits) of ``images`` from one pass; without a code,
        (``discriminate``'s logits, None)."""
        if self.info_code is None:
            return self.discriminate(images, labels, training), None
        return self.split_code(self.discriminator_outputs(images, labels, training))

    def code_loss(self, z, code_logits):
        """InfoGAN's lambda * cross-entropy of the code read from G(z) (0 without a code)."""
        return 0.0 if self.info_code is None else self.info_code.loss(z, code_logits)

    def draw_latents(self, batch_size):
        """This replica's share of one global draw, so N replicas see the noise one device would."""
        return replica_slice(lambda n: keras.random.normal((n, self.latent_dim), seed=self.seed_generator), batch_size)

    def perturb(self, images):
        """What the discriminator sees in training: ``images``, augmented (DiffAugment) and with instance noise when enabled."""
        if self.augment is not None:
            images = self.augment(self, images)
        return images if self.instance_noise is None else self.instance_noise(self, images)

    def global_mean(self, values):
        """The mean of ``values`` over the global batch, all replicas included, with its gradient.

        Every replica then holds the same mean; with ``replica_share`` the summed gradients are those
        of one device on the global batch (the all-reduce's gradient is an all-reduce of gradients).
        """
        mean = ops.mean(values, axis=0)
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return mean
        return context.all_reduce(tf.distribute.ReduceOp.SUM, mean) / context.num_replicas_in_sync

    def replica_share(self, loss):
        """Scale a per-replica mean so the summed gradients equal those of the global batch mean."""
        return loss / replica_context()[0]

    def conditions(self, data):
        """What a batch conditions both networks on: its labels for a conditional GAN, else None."""
        return data.get("label") if self.conditional else None

    def train_step(self, data):
        images = data["image"]
        labels = self.conditions(data)
        for step in range(self.d_steps):
            real = images[step :: self.d_steps]
            real_labels = labels[step :: self.d_steps] if labels is not None else None
            d_loss, real_logits, fake_logits = self.discriminator_update(real, real_labels)
        fake_labels = labels[:: self.d_steps] if labels is not None else None
        g_loss = self.generator_update(images[:: self.d_steps], fake_labels)
        if self.average is not None:
            self.average.update(self.generator)
        self.track(d_loss, g_loss, real_logits, fake_logits)
        return reducible_logs({metric.name: metric.result() for metric in self.metrics})

    def read_logits(self, logits):
        """The mean of D's output: a probability of 'real' for the cross-entropy losses, else the raw score."""
        return ops.mean(ops.sigmoid(logits) if self.loss_pair.probability else logits)

    def track(self, d_loss, g_loss, real_logits, fake_logits):
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(self.read_logits(real_logits))
        self.d_fake_tracker.update_state(self.read_logits(fake_logits))

    def discriminator_update(self, real, labels):
        z = self.draw_latents(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            fake = self.generate(z, labels, training=True)
            loss, real_logits, fake_logits = self.discriminator_objective(real, fake, labels, z)
            for regularizer in self.regularizers:
                loss = loss + regularizer(self, real, fake, labels)
            scaled = self.d_optimizer.scale_loss(self.replica_share(loss))
        self.apply_discriminator_gradients(tape, scaled)
        return loss, real_logits, fake_logits

    def discriminator_objective(self, real, fake, labels, z=None):
        """(D's loss, its logits on ``real``, on ``fake``) for one discriminator update; ``fake`` is G(``z``)."""
        real_logits = self.discriminate(self.perturb(real), labels, training=True)
        fake_logits, code_logits = self.discriminate_with_code(self.perturb(fake), labels, training=True)
        loss = self.loss_pair.discriminator(real_logits, fake_logits, self.real_target) + self.code_loss(z, code_logits)
        return loss, real_logits, fake_logits

    def apply_discriminator_gradients(self, tape, scaled_loss):
        """One discriminator optimizer step, then weight clipping when enabled (Arjovsky et al. 2017)."""
        variables = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(scaled_loss, variables), variables)
        if self.clip_discriminator:
            for variable in variables:
                variable.assign(ops.clip(variable, -self.clip_discriminator, self.clip_discriminator))

    def features(self, images, labels=None, training=False):
        """The discriminator's last hidden layer (the input of its ``logit`` layer) on ``images``."""
        inputs = [images, ops.cast(labels, "int32")] if self.conditional else images
        return self.feature_extractor(inputs, training=training)

    def generator_update(self, real, labels):
        """One generator step on a fresh noise batch the size of ``real`` (whose features a feature-matching loss uses)."""
        z = self.draw_latents(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            loss = self.generator_objective(real, self.generate(z, labels, training=True), labels, z)
            scaled = self.g_optimizer.scale_loss(self.replica_share(loss))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(scaled, variables), variables)
        return loss

    def adversarial_loss(self, logits):
        """G's loss on D's ``logits`` of its samples: all of them, or those top-k training keeps."""
        if self.top_k is not None:
            return self.top_k.loss(self.loss_pair.generator_terms, logits, self.g_optimizer.iterations)
        return self.loss_pair.generator(logits)

    def generator_objective(self, real, fake, labels, z=None):
        """G's loss for ``fake`` = G(``z``) made for ``labels`` (feature matching compares it with ``real``)."""
        if self.loss_pair.matches_features:
            return self.loss_pair.generator(
                self.global_mean(self.features(self.perturb(real), labels, training=True)),
                self.global_mean(self.features(self.perturb(fake), labels, training=True)),
            )
        logits, code_logits = self.discriminate_with_code(self.perturb(fake), labels, training=True)
        loss = self.adversarial_loss(logits)
        if self.info_code is None:
            return loss
        code_loss = self.code_loss(z, code_logits)
        self.code_tracker.update_state(code_loss)
        return loss + code_loss
