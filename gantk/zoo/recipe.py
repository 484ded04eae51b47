"""A registered GAN variant: its networks, loss pair, regularizers and optimisation defaults."""

from dataclasses import dataclass, field
from typing import Callable

from gantk.errors import ConfigError

REGISTRY = {}


def no_regularizers(config):
    return []


@dataclass(frozen=True)
class Levels:
    """A pyramid's networks per level, coarsest first, each level's latent size and the classes fed to them."""

    generators: list
    discriminators: list
    latent_sizes: list
    num_classes: int = 0


@dataclass(frozen=True)
class Recipe:
    """How to build one GAN variant from a ``TrainConfig``.

    ``defaults`` overrides ``TrainConfig``'s field defaults for this variant (the paper's settings);
    the user's options override both.
    """

    name: str
    summary: str
    paper: str
    build_generator: Callable
    build_discriminator: Callable
    defaults: dict = field(default_factory=dict)
    regularizers: Callable = no_regularizers
    conditional: bool = False
    data_kind: str = "image"
    default_dataset: str = "digits"
    build_levels: Callable = None
    """A pyramid variant: ``TrainConfig`` -> ``Levels``, trained by ``gantk.training.lapgan.LAPGAN``."""


def register(recipe):
    REGISTRY[recipe.name] = recipe
    return recipe


def get(name):
    from gantk import zoo

    zoo.load_variants()
    if name not in REGISTRY:
        raise ConfigError(f"Unknown GAN variant {name!r}: choose one of {', '.join(sorted(REGISTRY))}.")
    return REGISTRY[name]


def names():
    from gantk import zoo

    zoo.load_variants()
    return sorted(REGISTRY)
