"""What every dataset loader returns: unbatched examples plus the facts that describe them."""

from dataclasses import dataclass, field


@dataclass
class ImageData:
    """Unbatched examples ``{"image": ..., "label": int32}`` and what describes them.

    ``image`` is uint8 ``[H, W, C]`` for pictures, or float32 ``[D]`` already in model units for
    point data (``kind == "points"``). ``label`` is present only when ``label_names`` is set.
    Sources that know more about each example add it in dataset order: ``attributes`` int32
    ``[N, A]`` numpy with ``attribute_names`` ``{attribute: [value names]}`` (A keys, in column
    order) and ``captions`` (N strings); ``split`` names the split that was loaded.
    """

    name: str
    dataset: object
    num_examples: int
    element_shape: tuple
    label_names: list = field(default=None)
    kind: str = "image"
    split: str = None
    attributes: object = None
    attribute_names: dict = None
    captions: list = None

    @property
    def num_classes(self):
        return len(self.label_names) if self.label_names else 0
