"""gantk's networks. Importing this package registers gantk's Keras layers, so that
``keras.saving.load_model`` reads any ``generator.keras`` gantk wrote."""

from gantk.nets import (
    batch_norm, conditioning, gaussian_codes, latent_mixture, minibatch_discrimination, pyramid,
    spectral_norm, text, virtual_batch_norm, weight_norm,
)

__all__ = [
    "batch_norm", "conditioning", "gaussian_codes", "latent_mixture", "minibatch_discrimination", "pyramid",
    "spectral_norm", "text", "virtual_batch_norm", "weight_norm",
]
