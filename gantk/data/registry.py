"""Named datasets that need no download: name -> loader(image_size, channels) -> ImageData."""

SOURCES = {}

BUILTIN_MODULES = ("gantk.data.digits", "gantk.data.mixtures")
"""Modules that register their sources when imported; loaded on first use of the registry."""


def register_source(name, loader):
    SOURCES[name] = loader
    return loader


def builtin_sources():
    import importlib

    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    return SOURCES
