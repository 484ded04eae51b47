"""Hard negative captions: a caption with one attribute word swapped for another value's word.

A batch of random (image, caption) pairs rarely holds two captions that differ in one attribute
alone, so the in-batch contrastive loss is met by reading the easy attributes and gives the hard
one (the shapes' kind) almost no gradient. NegCLIP (Yuksekgonul et al. 2023, "When and why
vision-language models behave like bags-of-words", arXiv:2210.01936) adds to each image's
softmax captions edited to be wrong in one place; here the edit is a word swap through the
caption grammar's attribute words (``gantk.data.captions.ATTRIBUTE_WORDS``): "a small red
circle" -> "a small red star", -> "a small blue circle", ... A caption that names no value of an
attribute ("in the middle" names no row), and a vocabulary without an attribute's words (captions
not from the grammar), give no negative for it: the loss is then the plain in-batch one.
"""

import numpy as np

from gantk.data.captions import ATTRIBUTE_WORDS


class CaptionNegatives:
    """The word-swap tables of one vocabulary (``gantk.tokenizer``: word ``i`` has id ``i + 1``)."""

    def __init__(self, vocabulary):
        index = {word: i + 1 for i, word in enumerate(vocabulary)}
        self.attributes = []
        self.group_of = np.full(len(vocabulary) + 1, -1, np.int32)
        self.value_of = np.zeros(len(vocabulary) + 1, np.int32)
        self.replacements = []
        """Per attribute, each value's first word id: the word a swap writes."""
        for name, table in ATTRIBUTE_WORDS:
            values = [[index[phrase.split()[0]] for phrase in phrases if phrase.split()[0] in index] for phrases in table.values()]
            values = [ids for ids in values if ids]
            if len(values) < 2:
                continue
            for value, ids in enumerate(values):
                self.group_of[ids] = len(self.attributes)
                self.value_of[ids] = value
            self.attributes.append(name)
            self.replacements.append([ids[0] for ids in values])

    @property
    def count(self):
        """Attributes a caption can be made wrong in (negatives per caption)."""
        return len(self.attributes)

    def value_counts(self):
        return [len(ids) for ids in self.replacements]

    def swap(self, tokens, attribute, offset):
        """``(tokens with attribute's word moved ``offset`` values on, [N] bool: the caption named that attribute)``.

        ``offset`` (an int or ``[N]`` ints) is taken modulo the attribute's value count; 1 to count - 1 always change it.
        """
        from keras import ops

        tokens = ops.cast(tokens, "int32")
        named = ops.equal(ops.take(self.group_of, tokens), attribute)
        value = ops.max(ops.where(named, ops.take(self.value_of, tokens), 0), axis=1)
        count = len(self.replacements[attribute])
        swapped = ops.take(np.asarray(self.replacements[attribute], np.int32), (value + offset) % count)
        return ops.where(named, ops.expand_dims(swapped, 1), tokens), ops.any(named, axis=1)

    def draw(self, tokens, seed):
        """``(negatives [N, count, L], valid [N, count])``: for each caption, each attribute moved to a random other value."""
        import keras
        from keras import ops

        negatives, valid = [], []
        n = ops.shape(tokens)[0]
        for attribute, count in enumerate(self.value_counts()):
            offset = keras.random.randint((n,), 1, count, seed=seed, dtype="int32")
            swapped, named = self.swap(tokens, attribute, offset)
            negatives.append(swapped)
            valid.append(named)
        return ops.stack(negatives, axis=1), ops.stack(valid, axis=1)

    def embed(self, text_encoder, tokens, seed):
        """``(embeddings [N, count, D], valid [N, count])`` of ``draw``'s negatives by the frozen ``text_encoder``."""
        from keras import ops

        swapped, valid = self.draw(tokens, seed)
        n, count, length = ops.shape(swapped)
        embeddings = text_encoder(ops.reshape(swapped, (n * count, length)), training=False)
        return ops.reshape(embeddings, (n, count, ops.shape(embeddings)[-1])), valid
