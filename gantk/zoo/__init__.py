"""The GAN variants: one small module each, defining its ``RECIPE``.

A new variant is a new module whose recipe is listed in ``RECIPES``; the tests train every
variant for two steps, so it is tested the moment it exists. Importing the zoo loads no
TensorFlow: a recipe's network builders import Keras when they are called.
"""

from gantk.errors import ConfigError
from gantk.zoo import autoencoders, cgan, dcgan, gan, gan_cls, lapgan, ssgan, wgan, wgan_gp
from gantk.zoo.recipe import Recipe

RECIPES = {
    recipe.name: recipe
    for recipe in (dcgan.RECIPE, gan.RECIPE, cgan.RECIPE, wgan.RECIPE, wgan_gp.RECIPE, lapgan.RECIPE,
                   ssgan.RECIPE, autoencoders.VAE, autoencoders.AE, gan_cls.RECIPE, gan_cls.GAN_INT)
}


def get(name):
    if name not in RECIPES:
        raise ConfigError(f"Unknown GAN variant {name!r}: choose one of {', '.join(sorted(RECIPES))}.")
    return RECIPES[name]


def names():
    return sorted(RECIPES)


__all__ = ["Recipe", "RECIPES", "get", "names"]
