"""The LAPGAN ``keras.Model``: one conditional GAN per level of a Laplacian pyramid, trained in one step.

Denton et al. 2015 (arXiv:1506.05751), section 3.2: the real batch is turned into its Gaussian
pyramid; the coarsest level is an ordinary GAN on the coarsest images; each finer level k is a
conditional GAN whose real samples are the residuals h_k = I_k - u(d(I_k)) given
l_k = u(d(I_k)), and whose generator draws residuals from its own noise and l_k.

All levels train in the one ``train_step``: no gradient crosses levels (every level's condition
comes from the real image, never from a coarser generator), so updating them together is the
paper's independent training of each level, while one step, one checkpoint and one resume cover
the whole pyramid and ``tf.distribute`` splits every level's batch the same way. Each role has
one optimizer over every level's variables, which is the same as one optimizer per level since
Adam, RMSProp and SGD update each weight from its own gradient and step count; the checkpoint
holds every level's slots. ``generator`` is the whole pyramid as one Keras model (one latent
vector, each level's noise a slice), so sampling and export treat it as any generator.

InfoGAN's code (``info_code``, ``gantk.nets.info_code``) belongs to the coarsest level, which
draws the layout the finer levels refine: its G reads the category from z's first coordinate
(the first of its slice), its D carries the code head, and the code's cross-entropy joins that
level's losses.
"""

import tensorflow as tf
from keras import metrics, ops

from gantk.nets.info_code import info_code
from gantk.nets.lapgan import compose, pyramid_discriminator, pyramid_generator
from gantk.nets.pyramid import gaussian_pyramid, upsample
from gantk.regularizers import r1_term, squared_gradient_norms
from gantk.training.gan import GAN
from gantk.training.top_k import top_k
from gantk.training.weight_average import WeightAverage


class LAPGAN(GAN):
    """Adversarial training of every level of a Laplacian pyramid generator.

    Args:
        generators: per level, coarsest first: an image generator, then residual generators.
        discriminators: per level: an image discriminator, then residual discriminators.
        latent_sizes: per level, the size of its slice of the latent vector.
        channels: image channels.
        r1_penalty: gamma of an R1 penalty on every level's D at its real samples (the coarsest
            images, the residuals h_k), as ``gantk.regularizers.r1_penalty`` on a single D.
        kwargs: as for ``GAN`` (loss, d_steps, label smoothing, clipping, num_classes, seed, average).
    """

    def __init__(self, generators, discriminators, latent_sizes, channels, num_classes=0, average=None, r1_penalty=None, **kwargs):
        self.r1_penalty = r1_penalty
        self.sizes = [int(g.output.shape[1]) for g in generators]
        self.latent_sizes = [int(n) for n in latent_sizes]
        generator = pyramid_generator(generators, self.latent_sizes, num_classes)
        discriminator = pyramid_discriminator(discriminators, self.sizes, channels, num_classes)
        average = average(generator) if callable(average) else average
        super().__init__(generator, discriminator, sum(self.latent_sizes), num_classes=num_classes, average=average, **kwargs)
        self.level_trackers = [
            (metrics.Mean(name=f"d_loss_{size}"), metrics.Mean(name=f"g_loss_{size}")) for size in self.sizes
        ]

    @property
    def metrics(self):
        return super().metrics + [tracker for pair in self.level_trackers for tracker in pair]

    def level_generators(self, inference=True):
        """G_K, ..., G_0 of the generator that samples (``inference``) or of the one being trained."""
        generator = self.inference_generator if inference else self.generator
        return [generator.get_layer(f"generator_{size}") for size in self.sizes]

    def levels(self, z, labels=None, start=None):
        """Every level's image for latents ``z`` in inference mode, coarsest first (from ``start`` when given)."""
        label = ops.convert_to_tensor(labels, "int32") if self.conditional else None
        images = compose(self.level_generators(), self.latent_sizes, ops.convert_to_tensor(z), label, start=start)
        return [ops.convert_to_numpy(image) for image in images]

    def call(self, inputs, training=False):
        if isinstance(inputs, dict):
            labels = inputs.get("label") if self.conditional else None
            samples, lows = self.real_levels(inputs["image"])
            return self.discriminator(self.discriminator_inputs(samples, lows, labels), training=training)
        return self.generator(inputs, training=training)

    def real_levels(self, images):
        """(real samples per level: I_K, then the residuals h_k; the conditions l_k, None for the coarsest)."""
        pyramid = gaussian_pyramid(ops.cast(images, "float32"), len(self.sizes))
        lows = [None] + [upsample(coarser) for coarser in pyramid[:-1]]
        samples = [pyramid[0]] + [image - low for image, low in zip(pyramid[1:], lows[1:])]
        return samples, lows

    def discriminator_inputs(self, samples, lows, labels):
        flat = [samples[0]]
        for sample, low in zip(samples[1:], lows[1:]):
            flat += [sample, low]
        return flat + ([ops.cast(labels, "int32")] if labels is not None else [])

    def level_logits_with_code(self, samples, lows, labels):
        """(every level's D logits on ``samples`` in training mode, as a list, one level included;
        the InfoGAN code logits of the coarsest level's D, or None without a code)."""
        logits = self.discriminator(self.discriminator_inputs(samples, lows, labels), training=True)
        coarsest, *finer = logits if isinstance(logits, (list, tuple)) else [logits]
        coarsest, code_logits = self.split_code(coarsest)
        return [coarsest, *finer], code_logits

    def level_logits(self, samples, lows, labels):
        """Every level's D logits on ``samples`` in training mode, as a list (one level included)."""
        return self.level_logits_with_code(samples, lows, labels)[0]

    def fake_levels(self, z, lows, labels, training):
        """Each level's generated sample for the real conditions ``lows``: G_K(z_K), then G_k(z_k, l_k)."""
        extra = [ops.cast(labels, "int32")] if labels is not None else []
        generators = self.level_generators(inference=not training)
        start = 0
        fakes = []
        for generator, size, low in zip(generators, self.latent_sizes, lows):
            noise = z[:, start : start + size]
            start += size
            if low is None:
                fakes.append(generator([noise, *extra] if extra else noise, training=training))
            else:
                fakes.append(generator([noise, low, *extra], training=training))
        return fakes

    def track(self, d_losses, g_losses, real_logits, fake_logits):
        """The summed losses and the mean D outputs over the levels, then every level's losses."""
        every = lambda logits: ops.concatenate([ops.reshape(x, (-1,)) for x in logits])  # noqa: E731
        super().track(sum(d_losses), sum(g_losses), every(real_logits), every(fake_logits))
        for (d_tracker, g_tracker), d_loss, g_loss in zip(self.level_trackers, d_losses, g_losses):
            d_tracker.update_state(d_loss)
            g_tracker.update_state(g_loss)

    def discriminator_update(self, real, labels):
        samples, lows = self.real_levels(real)
        z = self.draw_latents(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            fakes = self.fake_levels(z, lows, labels, training=True)
            real_logits = self.level_logits(samples, lows, labels)
            fake_logits, code_logits = self.level_logits_with_code(fakes, lows, labels)
            losses = [
                self.loss_pair.discriminator(r, f, self.real_target) for r, f in zip(real_logits, fake_logits)
            ]
            losses[0] = losses[0] + self.code_loss(z, code_logits)
            if self.r1_penalty:
                norms = squared_gradient_norms(
                    lambda x: self.level_logits(x, lows, labels), samples
                )
                losses = [loss + r1_term(self.r1_penalty, norm) for loss, norm in zip(losses, norms)]
            scaled = self.d_optimizer.scale_loss(self.replica_share(sum(losses)))
        self.apply_discriminator_gradients(tape, scaled)
        return losses, real_logits, fake_logits

    def generator_update(self, real, labels):
        _, lows = self.real_levels(real)
        z = self.draw_latents(ops.shape(real)[0])
        with tf.GradientTape() as tape:
            fakes = self.fake_levels(z, lows, labels, training=True)
            fake_logits, code_logits = self.level_logits_with_code(fakes, lows, labels)
            losses = [self.adversarial_loss(logits) for logits in fake_logits]
            if self.info_code is not None:
                code_loss = self.code_loss(z, code_logits)
                self.code_tracker.update_state(code_loss)
                losses[0] = losses[0] + code_loss
            scaled = self.g_optimizer.scale_loss(self.replica_share(sum(losses)))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(scaled, variables), variables)
        return losses


def build_lapgan(config, levels):
    """The ``LAPGAN`` of ``config`` over a recipe's ``Levels``, with a generator average when ``generator_ema`` is set."""
    decay = config.generator_ema
    return LAPGAN(
        levels.generators, levels.discriminators, levels.latent_sizes, config.image_shape[-1],
        loss=config.loss, d_steps=config.d_steps, label_smoothing=config.label_smoothing,
        clip_discriminator=config.clip_discriminator, num_classes=levels.num_classes, seed=config.seed,
        r1_penalty=config.r1_penalty,
        average=(lambda generator: WeightAverage(generator, decay)) if decay is not None else None,
        info_code=info_code(config, levels.generators[0]) if config.info_code else None,
        top_k=top_k(config),
    )
