"""Named datasets that need no download: name -> ``Source`` (a loader and what it accepts)."""

from typing import Callable, NamedTuple


class Source(NamedTuple):
    """A bundled dataset.

    ``loader(image_size, channels, [split], [config], [n]) -> ImageData``: ``split`` is passed when
    ``splits`` names them (the first is the default), ``config`` (tensorflow-datasets' ``name/config``
    syntax) when ``configs`` does (the first is the default), ``n`` (build only the first ``n``
    examples) when ``takes_n``.
    """

    loader: Callable
    splits: tuple = ()
    configs: tuple = ()
    takes_n: bool = False


SOURCES = {}

BUILTIN_MODULES = ("gantk.data.digits", "gantk.data.mixtures", "gantk.data.shapes")
"""Modules that register their sources when imported; loaded on first use of the registry."""


def register_source(name, loader, splits=(), configs=(), takes_n=False):
    SOURCES[name] = Source(loader, tuple(splits), tuple(configs), takes_n)
    return loader


def builtin_sources():
    import importlib

    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    return SOURCES
