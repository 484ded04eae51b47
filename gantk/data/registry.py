"""The datasets bundled with gantk (no download), by name."""

from gantk.data import digits, mixtures

SOURCES = {source.name: source for source in (digits.SOURCE, *mixtures.SOURCES)}
