"""Weight initialisation from the DCGAN paper (Radford et al. 2015, section 4)."""

import keras


def dcgan_kernel(seed=None):
    """Zero-centred normal with standard deviation 0.02 for every convolution and dense kernel."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02, seed=seed)


def dcgan_gamma(seed=None):
    """BatchNorm scale drawn around 1 with standard deviation 0.02, as in the reference DCGAN code."""
    return keras.initializers.RandomNormal(mean=1.0, stddev=0.02, seed=seed)
