"""A registered GAN variant: its networks, loss pair, regularizers and optimisation defaults."""

from dataclasses import dataclass, field
from typing import Callable

from gantk.errors import ConfigError

REGISTRY = {}


def no_regularizers(config):
    return []


@dataclass(frozen=True)
class Recipe:
    """How to build one GAN variant from a ``TrainConfig``.

    ``defaults`` overrides ``TrainConfig``'s field defaults for this variant (the paper's settings);
    the user's options override both. A family whose update differs names its ``model`` (a key of
    ``gantk.training.models.MODELS``: a ``GAN`` subclass, built with ``model_options(config)`` as
    extra keyword arguments), and may cut
    the loaded data with ``prepare_data(config, data)`` and batch it with ``batches``
    (default ``gantk.data.pipeline.training_batches``).
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
    model: str = "gan"
    model_options: Callable = lambda config: {}
    prepare_data: Callable = None
    batches: Callable = None
    classifier: bool = False
    """Whether the run's discriminator classifies (``gantk classify``, accuracy in ``gantk evaluate``)."""


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
