"""What every dataset loader returns, and what a bundled dataset declares before it loads."""

from dataclasses import dataclass, field
from typing import Callable


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
    summary: dict = field(default=None)
    """Where the examples came from and how they were made, filled by each source: ``source`` (bundled,
    folder, tensorflow-datasets) with its own facts, and ``preprocessing``; see ``gantk.data.summary``."""
    stream: Callable = None
    """For examples decoded from files as they are read: ``stream(seed)`` gives one epoch of them in an
    order that is a pure function of the int64 ``seed`` tensor, with no shuffle buffer of decoded
    examples to fill first; training shuffles with it instead of a buffer. None for data held in
    memory, and for any copy cut to other examples."""

    @property
    def num_classes(self):
        return len(self.label_names) if self.label_names else 0


@dataclass(frozen=True)
class DatasetFacts:
    """What a dataset is, known before it loads: image or point data, its channels and default size.

    ``channels`` is None when the data decides (a folder is read as RGB unless told otherwise);
    ``point_dim`` is the length of a point of point data; ``captioned``, whether its examples have
    captions (the text-to-image variants need them).
    """

    kind: str = "image"
    channels: int = None
    image_size: int = 64
    point_dim: int = None
    captioned: bool = False


@dataclass(frozen=True)
class BundledSource:
    """A dataset that ships with gantk: its facts and ``load(image_size, channels, **extra) -> ImageData``.

    ``split`` is passed when ``splits`` names them (the first is the default), ``config``
    (tensorflow-datasets' ``name/config`` syntax) when ``configs`` does (the first is the
    default), ``n`` (build only the first ``n`` examples) when ``takes_n``.
    """

    name: str
    summary: str
    facts: DatasetFacts
    load: Callable
    splits: tuple = ()
    configs: tuple = ()
    takes_n: bool = False
    config_labels: dict = None
    """``{config: [class names]}`` when each configuration labels the examples differently."""
