"""Data-dependent initialisation of weight-normalised networks before the first step (Salimans &
Kingma 2016, arXiv:1602.07868, section 3; the init pass of the code of Salimans et al. 2016).

The discriminator's ``WeightNormDense`` layers are set from the first batch of real examples the
run trains on, the generator's from as many latents ``latent_vectors`` draws from the run's seed,
so one seed gives one initialisation. The networks it serves (``ssgan``'s) take no label. A resumed
run skips it: the checkpoint holds the weights. Moving averages of either network start again from
the initialised weights.
"""

import numpy as np

from gantk.latents import latent_vectors
from gantk.nets.weight_norm import initialize_from_data, weight_norm_layers


def initialize_weight_norm(gan, first_batch, config):
    """Initialise ``gan``'s weight-normalised layers from ``first_batch`` (the run's first training
    batch, a dict with ``image``); does nothing for networks without such layers."""
    images = np.asarray(first_batch["image"])
    if weight_norm_layers(gan.discriminator):
        initialize_from_data(gan.discriminator, images)
    if weight_norm_layers(gan.generator):
        initialize_from_data(gan.generator, latent_vectors(len(images), config.latent_dim, config.seed))
    for average, source in ((getattr(gan, "classifier_average", None), gan.discriminator), (gan.average, gan.generator)):
        if average is not None:
            average.model.set_weights(source.get_weights())
