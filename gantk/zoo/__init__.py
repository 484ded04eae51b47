"""The GAN variants: one small module each, registering a ``Recipe``.

A new variant is a new module listed in ``VARIANT_MODULES``; the tests train every registered
variant for two steps, so it is tested the moment it exists.
"""

import importlib

from gantk.zoo.recipe import Recipe, get, names, register

VARIANT_MODULES = ("gantk.zoo.dcgan", "gantk.zoo.gan", "gantk.zoo.cgan", "gantk.zoo.wgan", "gantk.zoo.wgan_gp", "gantk.zoo.ssgan", "gantk.zoo.autoencoders")


def load_variants():
    for module in VARIANT_MODULES:
        importlib.import_module(module)


__all__ = ["Recipe", "get", "names", "register", "load_variants"]
