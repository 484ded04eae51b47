"""``shapes``: a bundled, procedural, captioned dataset of one coloured shape per RGB picture.

Every picture holds one anti-aliased shape drawn from named attributes: its kind, colour,
size (small or large), position on a 3x3 grid (with a little jitter) and background, plus an
unnamed random rotation. Each example carries the integer attribute labels and an English
caption (``gantk.data.captions``). The splits are fixed and drawn from fixed seeds; the
``HELD_OUT`` (colour, kind) pairs never appear in ``train`` and do appear in ``test``, so a
text-to-image model can be asked for combinations it has only seen described in parts.

Shapes are rendered once per image size into a bank of coverage masks (Pillow polygons at
``SUPERSAMPLE`` x the resolution, box-filtered down: anti-aliasing by supersampling), one per
kind, size and rotation step; a picture is its background with one mask alpha-blended in its
colour. A full split is cached as ``.npy`` under ``$GANTK_CACHE_DIR`` (default
``~/.cache/gantk``) in ``shapes/``; attributes and captions are redrawn from the seed.
"""

import math
import os

import numpy as np

from gantk.data.captions import (
    BACKGROUNDS, CAPTION_DRAWS, COLOURS, KINDS, POSITIONS, SIZES, make_caption,
)
from gantk.data.source import BundledSource, DatasetFacts
from gantk.data.summary import preprocessing
from gantk.files import atomic_path
from gantk.errors import DatasetError

VERSION = 1
"""Bumped whenever the pictures of a seed change, so an old cache is never read as new."""

ATTRIBUTES = ("kind", "colour", "size", "position", "background")
ATTRIBUTE_VALUES = {"kind": KINDS, "colour": COLOURS, "size": SIZES, "position": POSITIONS, "background": BACKGROUNDS}
DEFAULT_LABEL = "kind"

SPLITS = {"train": 50_000, "test": 10_000}
SPLIT_SEEDS = {"train": 17_001, "test": 17_002}
IMAGE_SIZES = (16, 32, 64, 128)

HELD_OUT = (
    ("red", "star"), ("blue", "star"),
    ("orange", "cross"), ("purple", "cross"),
    ("yellow", "circle"), ("pink", "circle"),
    ("green", "square"), ("red", "square"),
    ("cyan", "triangle"), ("green", "triangle"),
)
"""(colour, kind) pairs absent from ``train`` and present in ``test``: two per kind."""

PALETTE = {
    "red": (220, 30, 40), "orange": (245, 135, 20), "yellow": (240, 215, 30), "green": (30, 165, 60),
    "cyan": (20, 195, 215), "blue": (35, 70, 215), "purple": (135, 50, 185), "pink": (245, 115, 190),
}
RADIUS = {"small": 0.10, "large": 0.155}
"""Circumradius of a shape as a fraction of the image side."""
JITTER = 0.025
"""Largest shift of a shape from its grid cell's centre, as a fraction of the image side."""
ANGLES = 120
"""Rotation steps over a full turn (3 degrees each)."""
SUPERSAMPLE = 8


def _polygon(kind):
    """Vertices ``[V, 2]`` of a kind at circumradius 1 and rotation 0; ``None`` for the circle."""
    if kind == "square":
        turns = np.arange(4) / 4 + 1 / 8
        return 0.95 * np.stack([np.cos(2 * np.pi * turns), np.sin(2 * np.pi * turns)], 1)
    if kind == "triangle":
        turns = np.arange(3) / 3 - 1 / 4
        return np.stack([np.cos(2 * np.pi * turns), np.sin(2 * np.pi * turns)], 1)
    if kind == "star":
        turns = np.arange(10) / 10 - 1 / 4
        radii = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
        return radii[:, None] * np.stack([np.cos(2 * np.pi * turns), np.sin(2 * np.pi * turns)], 1)
    if kind == "cross":
        w = 0.3
        return np.array([(w, 1), (w, w), (1, w), (1, -w), (w, -w), (w, -1), (-w, -1), (-w, -w), (-1, -w), (-1, w), (-w, w), (-w, 1)], float)
    return None


def patch_size(image_size):
    """Side of the square patch that holds the largest shape at ``image_size``: even, with a margin."""
    return 2 * math.ceil(RADIUS["large"] * image_size + 1)


def mask_bank(image_size):
    """Coverage in [0, 1], float32 ``[kinds, sizes, ANGLES, P, P]``, each shape centred in its patch."""
    from PIL import Image, ImageDraw

    side = patch_size(image_size)
    big = side * SUPERSAMPLE
    bank = np.zeros((len(KINDS), len(SIZES), ANGLES, side, side), np.float32)
    for k, kind in enumerate(KINDS):
        polygon = _polygon(kind)
        for s, size in enumerate(SIZES):
            radius = RADIUS[size] * image_size * SUPERSAMPLE
            for a in range(ANGLES if polygon is not None else 1):
                canvas = Image.new("L", (big, big), 0)
                draw = ImageDraw.Draw(canvas)
                if polygon is None:
                    r = 0.8 * radius
                    draw.ellipse((big / 2 - r, big / 2 - r, big / 2 + r, big / 2 + r), fill=255)
                else:
                    angle = 2 * np.pi * a / ANGLES
                    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
                    points = big / 2 + radius * polygon @ rotation.T
                    draw.polygon([tuple(p) for p in points], fill=255)
                small = canvas.resize((side, side), Image.Resampling.BOX)
                bank[k, s, a] = np.asarray(small, np.float32) / 255.0
            if polygon is None:
                bank[k, s, 1:] = bank[k, s, 0]
    return bank


def background_bank(image_size):
    """The backgrounds as uint8 ``[len(BACKGROUNDS), S, S, 3]``: plain white, plain black, light stripes, light checks."""
    y, x = np.mgrid[0:image_size, 0:image_size]
    period = max(2, image_size // 8)
    stripes = ((x + y) // max(1, period // 2)) % 2 == 0
    checks = ((x // period) + (y // period)) % 2 == 0
    out = np.zeros((len(BACKGROUNDS), image_size, image_size, 3), np.uint8)
    out[BACKGROUNDS.index("white")] = 245
    out[BACKGROUNDS.index("black")] = 25
    out[BACKGROUNDS.index("striped")] = np.where(stripes[..., None], (238, 238, 238), (200, 200, 205))
    out[BACKGROUNDS.index("checked")] = np.where(checks[..., None], (244, 236, 220), (212, 224, 236))
    return out


def allowed_pairs(split):
    """``[(colour index, kind index)]`` a split draws from: all pairs, less ``HELD_OUT`` for ``train``."""
    held = {(COLOURS.index(c), KINDS.index(k)) for c, k in HELD_OUT}
    pairs = [(c, k) for c in range(len(COLOURS)) for k in range(len(KINDS))]
    return [p for p in pairs if split != "train" or p not in held]


def check_split(split):
    if split not in SPLITS:
        raise DatasetError(f"Argument `split` of dataset 'shapes' must be one of {', '.join(SPLITS)}. Received: split={split!r}")


def draw_layout(split):
    """Everything random about a split except pixels, drawn at once from the split's seed.

    Returns ``(attributes int32 [N, 5] in ATTRIBUTES order, angle steps [N], jitter [N, 2] in
    [-1, 1], caption draws [N, CAPTION_DRAWS])``; independent of the image size.
    """
    check_split(split)
    return random_layout(SPLITS[split], np.random.default_rng(SPLIT_SEEDS[split]), allowed_pairs(split))


def random_layout(count, rng, pairs):
    """``draw_layout``'s arrays for ``count`` pictures drawn with ``rng``, (colour, kind) from ``pairs``."""
    pairs = np.asarray(pairs, np.int32)[rng.integers(0, len(pairs), count)]
    attributes = np.stack([
        pairs[:, 1],
        pairs[:, 0],
        rng.integers(0, len(SIZES), count),
        rng.integers(0, len(POSITIONS), count),
        rng.integers(0, len(BACKGROUNDS), count),
    ], 1).astype(np.int32)
    angles = rng.integers(0, ANGLES, count)
    jitter = rng.uniform(-1.0, 1.0, (count, 2))
    draws = rng.integers(0, 2**31 - 1, (count, CAPTION_DRAWS))
    return attributes, angles, jitter, draws


def render(attributes, angles, jitter, image_size, out=None, chunk=512, threads=2):
    """uint8 ``[N, S, S, 3]`` pictures of the given attributes, rotations and jitters (into ``out`` if given).

    Each chunk of ``chunk`` pictures is drawn in a scratch buffer: filled with its backgrounds, then
    all its patches' pixels are gathered, blended and scattered back at once (patch pixels outside
    a picture go to a spare pixel at the buffer's end). Chunks run on ``threads`` threads; numpy
    releases the GIL in these array operations.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    if image_size not in IMAGE_SIZES:
        raise DatasetError(f"Argument `image_size` of dataset 'shapes' must be one of {IMAGE_SIZES}. Received: image_size={image_size!r}")
    side = patch_size(image_size)
    masks = mask_bank(image_size)
    backgrounds = background_bank(image_size).reshape(len(BACKGROUNDS), -1, 3)
    colours = np.asarray([PALETTE[c] for c in COLOURS], np.float32)
    rows, columns = np.divmod(attributes[:, 3], 3)
    cell = image_size / 3
    lefts = np.rint((columns + 0.5) * cell + jitter[:, 0] * JITTER * image_size - side / 2).astype(np.int64)
    tops = np.rint((rows + 0.5) * cell + jitter[:, 1] * JITTER * image_size - side / 2).astype(np.int64)
    offsets = np.arange(side)
    pixels = image_size * image_size
    if out is None:
        out = np.empty((len(attributes), image_size, image_size, 3), np.uint8)
    local = threading.local()

    def draw(start):
        if not hasattr(local, "scratch"):
            local.scratch = np.empty((chunk * pixels + 1, 3), np.uint8)
        part = slice(start, start + chunk)
        kind, colour, size, _, background = attributes[part].T
        count = len(kind)
        spare = count * pixels
        np.take(backgrounds, background, axis=0, out=local.scratch[:spare].reshape(count, pixels, 3))
        view = local.scratch[: spare + 1].view("V3").reshape(-1)
        ys = (tops[part, None] + offsets)[:, :, None]
        xs = (lefts[part, None] + offsets)[:, None, :]
        index = np.arange(count)[:, None, None] * pixels + ys * image_size + xs
        inside = (ys >= 0) & (ys < image_size) & (xs >= 0) & (xs < image_size)
        index = np.where(inside, index, spare).reshape(-1)
        region = np.take(view, index).view(np.uint8).reshape(count, side, side, 3).astype(np.float32)
        alpha = masks[kind, size, angles[part]][..., None]
        region += alpha * (colours[colour][:, None, None, :] - region)
        np.put(view, index, np.rint(region).astype(np.uint8).reshape(-1, 3).view("V3").reshape(-1))
        out[part] = local.scratch[:spare].reshape(count, image_size, image_size, 3)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(draw, range(0, len(attributes), chunk)))
    return out


def cache_path(split, image_size, cache_dir=None):
    from gantk.files import default_cache_dir

    name = f"shapes-v{VERSION}-{split}{SPLITS[split]}-{image_size}x{image_size}x3.npy"
    return os.path.join(cache_dir or default_cache_dir(), "shapes", name)


def split_images(split, image_size, n=None, cache_dir=None):
    """The pictures of ``split`` (its first ``n``): read from the cache, else rendered.

    A whole split is rendered straight into a temporary ``.npy`` beside the cache file, then
    renamed, so a cache file is always complete. Cached pictures come back memory-mapped.
    """
    attributes, angles, jitter, _ = draw_layout(split)
    path = cache_path(split, image_size, cache_dir)
    if not os.path.exists(path):
        if n is not None:
            return render(attributes[:n], angles[:n], jitter[:n], image_size)
        with atomic_path(path) as temporary:
            out = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.uint8, shape=(len(attributes), image_size, image_size, 3))
            render(attributes, angles, jitter, image_size, out=out)
            out.flush()
            del out
    images = np.load(path, mmap_mode="r")
    return images if n is None else np.array(images[:n])


def shapes_arrays(split="train", image_size=64, n=None, cache_dir=None):
    """``(images uint8 [N, S, S, 3], attributes int32 [N, 5], captions [N])`` of the first ``n`` (all) of a split."""
    check_split(split)
    if n is not None and not 0 < int(n) <= SPLITS[split]:
        raise DatasetError(f"Argument `n` must be from 1 to {SPLITS[split]} for the {split} split of 'shapes'. Received: n={n!r}")
    attributes, _, _, draws = draw_layout(split)
    count = SPLITS[split] if n is None else int(n)
    images = split_images(split, image_size, None if n is None else count, cache_dir)
    captions = [make_caption(*row, row_draws) for row, row_draws in zip(attributes[:count].tolist(), draws[:count].tolist())]
    return images, attributes[:count], captions


def load_shapes(split="train", image_size=64, channels=3, label=DEFAULT_LABEL, n=None, cache_dir=None):
    """The ``shapes`` split as ``ImageData``: examples ``{"image", "label"}``, label = the ``label`` attribute.

    ``attributes``, ``attribute_names`` and ``captions`` ride along on the ``ImageData``.
    """
    import tensorflow as tf

    from gantk.data.source import ImageData

    if label not in ATTRIBUTES:
        raise DatasetError(f"The label of dataset 'shapes' must be one of {', '.join(ATTRIBUTES)} (as in shapes/colour). Received: {label!r}")
    if channels not in (None, 1, 3):
        raise DatasetError(f"Argument `channels` must be 1 or 3. Received: channels={channels!r}")
    images, attributes, captions = shapes_arrays(split, image_size, n, cache_dir)
    if channels == 1:
        images = np.rint(images @ np.array([0.299, 0.587, 0.114], np.float32))[..., None].astype(np.uint8)
    labels = attributes[:, ATTRIBUTES.index(label)]
    return ImageData(
        name="shapes" if label == DEFAULT_LABEL else f"shapes/{label}",
        dataset=tf.data.Dataset.from_tensor_slices({"image": images, "label": labels}),
        num_examples=len(labels),
        element_shape=images.shape[1:],
        label_names=list(ATTRIBUTE_VALUES[label]),
        split=split,
        attributes=attributes,
        attribute_names={name: list(values) for name, values in ATTRIBUTE_VALUES.items()},
        captions=captions,
        summary={
            "source": "bundled",
            "origin": f"gantk's procedural shapes, split {split}, labelled by {label}",
            "preprocessing": preprocessing(crop="none (drawn at the size)", size=image_size, channels=channels),
        },
    )


SOURCE = BundledSource(
    name="shapes",
    summary="procedural captioned shapes, RGB, 5 kinds x 8 colours (shapes/ATTRIBUTE picks the label); splits train, test",
    facts=DatasetFacts(kind="image", channels=3, image_size=64, captioned=True),
    load=lambda image_size, channels, split, config, n=None: load_shapes(
        split=split, image_size=image_size, channels=channels or 3, label=config, n=n
    ),
    splits=tuple(SPLITS),
    configs=ATTRIBUTES,
    takes_n=True,
    config_labels={name: list(values) for name, values in ATTRIBUTE_VALUES.items()},
)
