"""Data-dependent initialisation of weight-normalised networks before the first step (Salimans &
Kingma 2016, arXiv:1602.07868, section 3; the init pass of the code of Salimans et al. 2016).

The discriminator's ``WeightNormDense`` layers are set from the first batch of real examples the
run trains on, the generator's from a batch of latents drawn from the run's seed, so one seed gives
one initialisation. A resumed run skips it: the checkpoint holds the weights. Moving averages of
either network start again from the initialised weights.
"""

import numpy as np

from gantk.nets.weight_norm import initialize_from_data, weight_norm_layers


def generator_inputs(generator, count, latent_dim, seed, num_classes):
    rng = np.random.default_rng(seed)
    latents = rng.standard_normal((count, latent_dim)).astype("float32")
    if len(generator.inputs) == 1:
        return latents
    return [latents, rng.integers(0, num_classes, size=(count,)).astype("int32")]


def initialize_weight_norm(gan, first_batch, config):
    """Initialise ``gan``'s weight-normalised layers from ``first_batch`` (the run's first training
    batch, a dict with ``image``); does nothing for networks without such layers."""
    images = np.asarray(first_batch["image"])
    if weight_norm_layers(gan.discriminator):
        inputs = images if len(gan.discriminator.inputs) == 1 else [images, np.asarray(first_batch["label"])]
        initialize_from_data(gan.discriminator, inputs)
    if weight_norm_layers(gan.generator):
        inputs = generator_inputs(gan.generator, len(images), config.latent_dim, config.seed, config.num_classes or 1)
        initialize_from_data(gan.generator, inputs)
    for average, source in ((getattr(gan, "classifier_average", None), gan.discriminator), (gan.average, gan.generator)):
        if average is not None:
            average.model.set_weights(source.get_weights())
