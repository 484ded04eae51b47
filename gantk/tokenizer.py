"""Captions to padded word ids, in numpy, the same in training, ``gantk sample`` and the exported runtime.

The rules (``RULES``, also written into an export's metadata): the caption is lower-cased, its
words are the maximal runs of the letters a-z, every other character separates words; word
``i`` of the vocabulary has id ``i + 1``; id 0 pads a caption to ``max_length`` words. The
vocabulary is every word of a run's training captions, sorted, so it is a pure function of the
training split. Only numpy is imported here, so the TensorFlow-free runtime tokenizes with
this very code.
"""

import re

import numpy as np

from gantk.errors import InputTypeError, InputValueError

RULES = "lowercase; words are runs of the letters a-z, any other character separates words; id = vocabulary index + 1, 0 pads"
MAX_LENGTH = 24
"""Words a caption may have (the shapes grammar's longest caption has 16)."""
PAD = 0
WORD = re.compile(r"[a-z]+")


def words(caption):
    """The words of ``caption`` under ``RULES``."""
    if not isinstance(caption, str):
        raise InputTypeError(f"Argument `caption` must be a string. Received: caption={caption!r} ({type(caption).__name__})")
    return WORD.findall(caption.lower())


def build_vocabulary(captions):
    """Every word of ``captions``, sorted."""
    return sorted({word for caption in captions for word in words(caption)})


class UnknownWordError(InputValueError):
    """A caption word the run never saw in training."""


def encode(captions, vocabulary, max_length=MAX_LENGTH):
    """int32 ``[len(captions), max_length]`` word ids of ``captions``, padded with 0.

    A caption with a word outside ``vocabulary``, with no word, or with more than ``max_length``
    words is refused with one sentence naming it (an unknown word lists the vocabulary).
    """
    if isinstance(captions, str):
        captions = [captions]
    index = {word: i + 1 for i, word in enumerate(vocabulary)}
    ids = np.full((len(captions), int(max_length)), PAD, np.int32)
    for row, caption in enumerate(captions):
        found = words(caption)
        if not found:
            raise InputValueError(f"Argument `caption` must contain at least one word. Received: caption={caption!r}")
        if len(found) > max_length:
            raise InputValueError(f"Argument `caption` must have at most {max_length} words. Received: {len(found)} words in {caption!r}")
        unknown = [word for word in found if word not in index]
        if unknown:
            raise UnknownWordError(
                f"Caption {caption!r} has the word {unknown[0]!r}, which the model never saw; "
                f"its vocabulary is: {' '.join(vocabulary)}."
            )
        ids[row, : len(found)] = [index[word] for word in found]
    return ids
