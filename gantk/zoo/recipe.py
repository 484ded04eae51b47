"""A GAN variant: its networks, loss pair, regularizers and optimisation defaults."""

from dataclasses import dataclass, field
from typing import Callable


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

    ``defaults`` overrides the option schema's defaults for this variant (the paper's settings);
    the user's options override both. ``takes`` names the variant-specific options
    (``gantk.options``) this variant accepts. ``data_kind`` is ``"image"``, ``"points"`` or ``"any"``.
    A family whose update differs names its ``model`` (a key of ``gantk.training.models.MODELS``: a
    ``GAN`` subclass, built with ``model_options(config)`` as extra keyword arguments), and may cut
    the loaded data with ``prepare_data(config, data)`` and batch it with ``batches`` (default
    ``gantk.data.pipeline.training_batches``).
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
    takes: tuple = ()
    default_arch: str = None
    """The networks an image run builds when ``arch`` is unset: ``"mlp"`` or ``"dcgan"``
    (``gantk.zoo.architectures``); ``None`` for a variant whose networks are its own, which then
    takes neither ``arch`` nor the MLP options."""
    build_levels: Callable = None
    """A pyramid variant: ``TrainConfig`` -> ``Levels``, trained by ``gantk.training.lapgan.LAPGAN``."""
    model: str = "gan"
    model_options: Callable = lambda config: {}
    prepare_data: Callable = None
    batches: Callable = None
    captioned: bool = False
    """Whether the run trains on captions (``gantk.tokenizer``): the run records their ``vocabulary`` and samples by caption."""
    refuses: tuple = ()
    """Shared options this variant cannot build with: each is refused, when given, in one sentence
    ending with ``refusal`` (why)."""
    refusal: str = ""
    check: Callable = None
    """Refuses a config this variant cannot build, from its settings alone: ``resolve_config`` calls it
    before any data loads."""
    classifier: bool = False
    """Whether the run's discriminator classifies (``gantk classify``, accuracy in ``gantk evaluate``)."""
