"""gantk's networks. Importing this package registers gantk's Keras layers, so that
``keras.saving.load_model`` reads any ``generator.keras`` gantk wrote."""

from gantk.nets import batch_norm, gaussian_codes, latent_mixture, tricks

__all__ = ["batch_norm", "gaussian_codes", "latent_mixture", "tricks"]
