"""What every dataset loader returns: unbatched examples plus the facts that describe them."""

from dataclasses import dataclass, field


@dataclass
class ImageData:
    """Unbatched examples ``{"image": ..., "label": int32}`` and what describes them.

    ``image`` is uint8 ``[H, W, C]`` for pictures, or float32 ``[D]`` already in model units for
    point data (``kind == "points"``). ``label`` is present only when ``label_names`` is set.
    """

    name: str
    dataset: object
    num_examples: int
    element_shape: tuple
    label_names: list = field(default=None)
    kind: str = "image"
    summary: dict = field(default=None)
    """Where the examples came from and how they were made, filled by each source: ``source`` (bundled,
    folder, tensorflow-datasets) with its own facts, and ``preprocessing``; see ``gantk.data.summary``."""

    @property
    def num_classes(self):
        return len(self.label_names) if self.label_names else 0
