"""English captions of the ``shapes`` dataset from a small grammar, and their parser.

Each caption names all five attributes of a picture (size, colour, kind, position on the 3x3
grid, background) in one of ``len(TEMPLATES)`` templates with different word orders, and draws
synonyms for sizes, kinds, positions and backgrounds ("a small red circle in the top left on
white", "top left: a little red disc against a white background"), so that a text encoder has
to read the words rather than memorise a handful of sentences (the role captions play for
GAN-CLS, Reed et al. 2016). ``parse_caption`` reads any caption back into the attribute values.
"""

import re

from gantk.errors import DatasetError
from gantk.latents import grid_labels

KINDS = ("circle", "square", "triangle", "star", "cross")
COLOURS = ("red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink")
SIZES = ("small", "large")
ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "centre", "right")
POSITIONS = tuple(f"{row} {column}" for row in ROWS for column in COLUMNS)
BACKGROUNDS = ("white", "black", "striped", "checked")

SIZE_WORDS = {"small": ("small", "little", "tiny"), "large": ("large", "big", "huge")}
KIND_WORDS = {
    "circle": ("circle", "disc", "disk"),
    "square": ("square",),
    "triangle": ("triangle",),
    "star": ("star",),
    "cross": ("cross", "plus sign"),
}
COLOUR_WORDS = {colour: (colour,) for colour in COLOURS} | {"purple": ("purple", "violet")}
ROW_WORDS = {"top": ("top", "upper"), "bottom": ("bottom", "lower")}
BACKGROUND_PHRASES = {
    "white": ("on a white background", "on white", "against a white background"),
    "black": ("on a black background", "on black", "against a black background"),
    "striped": ("on a striped background", "on stripes", "against grey stripes"),
    "checked": ("on a checked background", "on a checkerboard", "against light checks"),
}
BACKGROUND_WORDS = {
    "white": ("white",), "black": ("black",), "striped": ("striped", "stripes"),
    "checked": ("checked", "checkerboard", "checks"),
}

TEMPLATES = (
    "{a} {size} {colour} {kind} {where} {background}",
    "{spot}: {a} {size} {colour} {kind} {background}",
    "{Background}, {a} {size} {colour} {kind} {where}",
    "there is {a} {size} {colour} {kind} {where} {background}",
    "{a_kind} {kind}, {size} and {colour}, {where} {background}",
    "{Where} {background} there is {a} {size} {colour} {kind}",
)
"""Word orders; ``{spot}`` is a bare position ("top left", "centre"), ``{where}`` a phrase."""

CAPTION_DRAWS = 7


def article(word):
    return "an" if word[0] in "aeiou" else "a"


def cell_phrases(row, column, bare=False):
    """Every phrase for a grid cell: "in the upper left corner", "on the right", "in the middle"."""
    column_word = column if column != "centre" else None
    phrases = []
    for row_word in ROW_WORDS.get(row, (None,)):
        if bare:
            options = {
                (True, True): (f"{row_word} {column_word}",),
                (True, False): (row_word, f"{row_word} centre"),
                (False, True): (column_word, f"{column_word} side"),
                (False, False): ("centre", "center", "middle"),
            }
        else:
            options = {
                (True, True): (f"in the {row_word} {column_word}", f"at the {row_word} {column_word}", f"in the {row_word} {column_word} corner"),
                (True, False): (f"at the {row_word}", f"in the {row_word} centre", f"in the {row_word} middle"),
                (False, True): (f"on the {column_word}", f"on the {column_word} side", f"in the middle {column_word}"),
                (False, False): ("in the centre", "in the middle", "in the center"),
            }
        phrases.extend(options[row_word is not None, column_word is not None])
    return tuple(phrases)


WHERE = tuple(cell_phrases(*position.split(" ")) for position in POSITIONS)
SPOT = tuple(tuple(p[0].upper() + p[1:] for p in cell_phrases(*position.split(" "), bare=True)) for position in POSITIONS)
BACKGROUND_OPTIONS = tuple(BACKGROUND_PHRASES[b] for b in BACKGROUNDS)
CAPITALISED_BACKGROUNDS = tuple(tuple(p[0].upper() + p[1:] for p in BACKGROUND_PHRASES[b]) for b in BACKGROUNDS)
SIZE_OPTIONS = tuple(SIZE_WORDS[s] for s in SIZES)
COLOUR_OPTIONS = tuple(COLOUR_WORDS[c] for c in COLOURS)
KIND_OPTIONS = tuple(KIND_WORDS[k] for k in KINDS)


def make_caption(kind, colour, size, position, background, draws):
    """One caption for attribute indices (into ``KINDS``, ``COLOURS``, ...).

    ``draws`` holds ``CAPTION_DRAWS`` non-negative random integers that choose the template and
    every synonym, so the same draws give the same caption.
    """
    sizes, colours, kinds = SIZE_OPTIONS[size], COLOUR_OPTIONS[colour], KIND_OPTIONS[kind]
    wheres, spots = WHERE[position], SPOT[position]
    backgrounds = BACKGROUND_OPTIONS[background]
    size_word, kind_word = sizes[draws[1] % len(sizes)], kinds[draws[3] % len(kinds)]
    where = wheres[draws[5] % len(wheres)]
    text = TEMPLATES[draws[0] % len(TEMPLATES)].format(
        a=article(size_word), a_kind=article(kind_word), size=size_word, colour=colours[draws[2] % len(colours)],
        kind=kind_word, where=where, Where=where[0].upper() + where[1:], spot=spots[draws[6] % len(spots)],
        background=backgrounds[draws[4] % len(backgrounds)],
        Background=CAPITALISED_BACKGROUNDS[background][draws[4] % len(backgrounds)],
    )
    return text[0].upper() + text[1:]


def _find(words, text, attribute):
    """The one key of ``words`` ({value: phrases}) whose phrases occur in ``text``; None when none does."""
    found = {value for value, phrases in words.items() for phrase in phrases if re.search(rf"\b{phrase}\b", text)}
    if len(found) > 1:
        raise DatasetError(f"Caption {text!r} names more than one {attribute}: {sorted(found)}.")
    return found.pop() if found else None


def parse_caption(text):
    """``{"kind", "colour", "size", "position", "background"}`` -> value names read from a caption."""
    words = text.lower()
    parsed = {
        "kind": _find(KIND_WORDS, words, "kind"),
        "colour": _find(COLOUR_WORDS, words, "colour"),
        "size": _find(SIZE_WORDS, words, "size"),
        "background": _find(BACKGROUND_WORDS, words, "background"),
    }
    missing = [name for name, value in parsed.items() if value is None]
    if missing:
        raise DatasetError(f"Caption {text!r} names no {', '.join(missing)}; a shapes caption names all five attributes.")
    row = _find(ROW_WORDS, words, "row") or "middle"
    column = _find({"left": ("left",), "right": ("right",)}, words, "column") or "centre"
    parsed["position"] = f"{row} {column}"
    return parsed


ATTRIBUTE_WORDS = (
    ("kind", KIND_WORDS), ("colour", COLOUR_WORDS), ("size", SIZE_WORDS),
    ("row", {row: words for row, words in ROW_WORDS.items()}), ("column", {"left": ("left",), "right": ("right",)}),
    ("background", BACKGROUND_WORDS),
)
"""The features of ``attribute_table``: one per value; the middle row and the centre column are no feature."""


def attribute_table(vocabulary):
    """float32 ``[len(vocabulary) + 1, F]``: row ``id`` marks the attribute value word ``id`` names (row 0 pads).

    Summed over a caption's words and clipped to 1 it gives the caption's attributes as one-hots
    (the middle row and the centre column as all zeros); a phrase ("plus sign") counts by its first word.
    """
    import numpy as np

    features = [(attribute, value, phrases) for attribute, table in ATTRIBUTE_WORDS for value, phrases in table.items()]
    table = np.zeros((len(vocabulary) + 1, len(features)), np.float32)
    index = {word: i + 1 for i, word in enumerate(vocabulary)}
    for column, (_, _, phrases) in enumerate(features):
        for phrase in phrases:
            word = phrase.split()[0]
            if word in index:
                table[index[word], column] = 1.0
    return table


PREVIEW = (
    (0, 0, 1, 4, 0), (1, 5, 0, 0, 1), (2, 3, 1, 8, 2), (3, 2, 0, 2, 3),
    (4, 6, 1, 6, 0), (0, 2, 1, 4, 1), (3, 0, 0, 3, 0), (4, 1, 1, 5, 2),
)
"""(kind, colour, size, position, background) indices of the preview captions; five of them (green
triangle, purple cross, yellow circle, red star, orange cross) are held-out pairs of ``gantk.data.shapes.HELD_OUT``."""


def preview_captions():
    """The captions a text-to-image run's sample grids show, one row each, in the first template."""
    return [make_caption(*attributes, [0] * CAPTION_DRAWS) for attributes in PREVIEW]


def preview_grid_captions(n):
    """``n`` preview captions for a sample grid: each caption on ``n / 8`` consecutive images, as ``grid_labels`` spreads labels."""
    preview = preview_captions()
    return [preview[i] for i in grid_labels(n, len(preview))]
