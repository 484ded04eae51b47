"""From a variant name and options to a compiled ``GAN`` model."""

import keras
import tensorflow as tf

from gantk import zoo
from gantk.training import tricks
from gantk.training.diff_augment import diff_augment
from gantk.data.pipeline import tensorflow_seed
from gantk.nets.info_code import info_code
from gantk.training.models import MODELS
from gantk.training.jit import resolve_jit_compile
from gantk.training.lapgan import build_lapgan
from gantk.training.optimizers import make_optimizers
from gantk.training.precision import dtype_policy, loss_scaled
from gantk.training.top_k import top_k
from gantk.training.weight_average import WeightAverage


def seed_everything(seed):
    """Seed Python, numpy, Keras and TensorFlow so that one seed gives one run.

    TensorFlow's global seed is ``gantk.data.pipeline.tensorflow_seed(seed)``, the one the
    training batches' shuffle uses.
    """
    keras.utils.set_random_seed(int(seed))
    tf.random.set_seed(tensorflow_seed(seed))


def build_gan(config):
    """Networks, loss pair and regularizers of ``config.variant``, with the run's tricks
    (``gantk.training.tricks``) and, with ``generator_ema``, a moving average of the generator's
    weights; call under the strategy scope."""
    recipe = zoo.get(config.variant)
    if recipe.build_levels is not None:
        return build_lapgan(config, recipe.build_levels(config))
    generator, discriminator = tricks.apply_to_networks(
        config, recipe.build_generator(config), recipe.build_discriminator(config)
    )
    decay = config.generator_ema
    return MODELS[recipe.model](
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        loss=config.loss,
        d_steps=config.d_steps,
        regularizers=[*recipe.regularizers(config), *tricks.regularizers(config, discriminator)],
        label_smoothing=config.label_smoothing,
        clip_discriminator=config.clip_discriminator,
        num_classes=config.num_classes if recipe.conditional else 0,
        seed=config.seed,
        instance_noise=tricks.instance_noise(config),
        augment=diff_augment(config),
        average=WeightAverage(generator, decay) if decay is not None else None,
        top_k=top_k(config),
        **recipe.model_options(config),
        **({"info_code": info_code(config, generator)} if config.info_code else {}),
    )


def build_compiled_gan(config):
    """``build_gan`` under the run's dtype policy, with loss-scaled optimizers for float16 and XLA as configured."""
    with dtype_policy(config.precision):
        gan = build_gan(config)
    d_optimizer, g_optimizer = (loss_scaled(optimizer, config.precision) for optimizer in make_optimizers(config))
    gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer, jit_compile=resolve_jit_compile(config.jit_compile))
    return gan
