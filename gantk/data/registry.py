"""The datasets bundled with gantk (no download), by name."""

from gantk.data import digits, mixtures, shapes

SOURCES = {source.name: source for source in (digits.SOURCE, shapes.SOURCE, *mixtures.SOURCES)}
