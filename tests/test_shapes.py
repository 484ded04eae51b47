"""The procedural ``shapes`` dataset: determinism, splits, held-out pairs, pixels that match their
attributes, captions that parse back, the label option, and training on it from the CLI."""

import itertools
import os

import numpy as np
import pytest
from click.testing import CliRunner

from gantk.data import captions, default_split, load_dataset, shapes
from gantk.errors import DatasetError


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("GANTK_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def small_splits(monkeypatch):
    """Whole splits of a few dozen pictures, so a test can build and cache a split in full."""
    monkeypatch.setitem(shapes.SPLITS, "train", 64)
    monkeypatch.setitem(shapes.SPLITS, "test", 48)


def test_same_seed_same_pictures_and_captions():
    first = shapes.shapes_arrays("test", 32, n=24)
    second = shapes.shapes_arrays("test", 32, n=24)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert first[2] == second[2]
    other = shapes.shapes_arrays("train", 32, n=24)
    assert not np.array_equal(first[1], other[1])


def test_a_cached_whole_split_starts_with_the_pictures_built_alone(small_splits, cache_dir, tmp_path):
    images, attributes, texts = shapes.shapes_arrays("train", 16)
    assert images.shape == (64, 16, 16, 3) and images.dtype == np.uint8
    cached = shapes.cache_path("train", 16)
    assert os.path.exists(cached) and cached.startswith(str(cache_dir))
    assert not [name for name in os.listdir(os.path.dirname(cached)) if name.endswith(".tmp")]
    alone = shapes.shapes_arrays("train", 16, n=10, cache_dir=str(tmp_path / "elsewhere"))
    np.testing.assert_array_equal(alone[0], images[:10])
    np.testing.assert_array_equal(alone[1], attributes[:10])
    assert alone[2] == texts[:10]
    assert not os.path.exists(tmp_path / "elsewhere")
    np.testing.assert_array_equal(shapes.shapes_arrays("train", 16)[0], images)


def test_split_sizes_and_image_sizes():
    assert shapes.SPLITS["train"] >= 50_000 and shapes.SPLITS["test"] >= 10_000
    for split, count in shapes.SPLITS.items():
        attributes, angles, jitter, draws = shapes.draw_layout(split)
        assert attributes.shape == (count, len(shapes.ATTRIBUTES)) and attributes.dtype == np.int32
        assert len(angles) == len(jitter) == len(draws) == count
        for column, name in enumerate(shapes.ATTRIBUTES):
            assert set(attributes[:, column]) == set(range(len(shapes.ATTRIBUTE_VALUES[name])))
    for size in shapes.IMAGE_SIZES:
        assert shapes.shapes_arrays("test", size, n=3)[0].shape == (3, size, size, 3)
    with pytest.raises(DatasetError, match="image_size"):
        shapes.shapes_arrays("test", 48, n=3)
    with pytest.raises(DatasetError, match="split"):
        shapes.shapes_arrays("valid", 32, n=3)


def test_held_out_pairs_never_in_train_always_in_test():
    assert len(shapes.HELD_OUT) >= 10 and len(set(shapes.HELD_OUT)) == len(shapes.HELD_OUT)
    held = {(captions.COLOURS.index(c), captions.KINDS.index(k)) for c, k in shapes.HELD_OUT}
    train = set(map(tuple, shapes.draw_layout("train")[0][:, [1, 0]].tolist()))
    test = set(map(tuple, shapes.draw_layout("test")[0][:, [1, 0]].tolist()))
    assert not held & train
    assert held <= test
    assert train | held == set(itertools.product(range(len(captions.COLOURS)), range(len(captions.KINDS))))


def shape_pixels(image, background, threshold=60):
    return np.abs(image.astype(int) - background.astype(int)).sum(-1) > threshold


def kind_from_pixels(shape):
    """A kind read from a large shape's mask: its fill of the enclosing disc and of its convex hull."""
    from scipy.spatial import ConvexHull

    ys, xs = np.nonzero(shape)
    radius = np.sqrt(((ys - ys.mean()) ** 2 + (xs - xs.mean()) ** 2).max()) + 0.5
    fill = shape.sum() / (np.pi * radius**2)
    hull = ConvexHull(np.stack([ys, xs], 1).astype(float))
    convexity = shape.sum() / (hull.volume + hull.area / 2 + np.pi / 4)
    if convexity < 0.8:
        return "star" if fill < 0.5 else "cross"
    return "circle" if fill > 0.82 else "square" if fill > 0.55 else "triangle"


def test_pixels_agree_with_attributes():
    size = 64
    images, attributes, _ = shapes.shapes_arrays("test", size, n=120)
    backgrounds = shapes.background_bank(size)
    palette = np.asarray([shapes.PALETTE[c] for c in captions.COLOURS], float)
    areas = {0: [], 1: []}
    for image, (kind, colour, small_or_large, position, background) in zip(images, attributes):
        shape = shape_pixels(image, backgrounds[background])
        assert shape.sum() > 10
        assert (image[~shape] == backgrounds[background][~shape]).mean() > 0.97
        core = shape & (np.abs(image.astype(int) - palette[colour]).sum(-1) < 30)
        mean = image[core if core.sum() >= 4 else shape].mean(0)
        assert np.argmin(((palette - mean) ** 2).sum(1)) == colour
        ys, xs = np.nonzero(shape)
        row, column = int(ys.mean() // (size / 3)), int(xs.mean() // (size / 3))
        assert 3 * row + column == position
        areas[small_or_large].append(shape.sum())
        if small_or_large == 1:
            difference = np.abs(image.astype(int) - backgrounds[background].astype(int)).sum(-1)
            assert kind_from_pixels(difference > difference.max() / 2) == captions.KINDS[kind]
    assert max(areas[0]) < min(areas[1])


def test_captions_parse_back_to_the_attributes():
    for split in shapes.SPLITS:
        _, attributes, texts = shapes.shapes_arrays(split, 16, n=300)
        assert len(set(texts)) > 250
        for row, text in zip(attributes, texts):
            parsed = captions.parse_caption(text)
            assert [shapes.ATTRIBUTE_VALUES[a].index(parsed[a]) for a in shapes.ATTRIBUTES] == row.tolist(), text


def test_every_template_and_synonym_is_used_and_read():
    seen = set()
    for template in range(len(captions.TEMPLATES)):
        for draw in range(6):
            text = captions.make_caption(3, 5, 0, 2, 1, [template] + [draw] * (captions.CAPTION_DRAWS - 1))
            assert captions.parse_caption(text) == dict(kind="star", colour="blue", size="small", position="top right", background="black")
            seen.add(text)
    assert len(seen) >= 3 * len(captions.TEMPLATES)
    assert captions.make_caption(0, 1, 1, 4, 0, [0] * captions.CAPTION_DRAWS) == "A large orange circle in the centre on a white background"
    with pytest.raises(DatasetError, match="names no"):
        captions.parse_caption("a red thing")


def test_label_option_and_loader_api():
    data = load_dataset("shapes/colour", image_size=16, split="test", n=12)
    assert data.name == "shapes/colour" and data.split == "test" and data.num_examples == 12
    assert data.label_names == list(captions.COLOURS)
    example = next(iter(data.dataset))
    assert set(example) == {"image", "label"} and example["image"].shape == (16, 16, 3)
    labels = np.stack([e["label"] for e in data.dataset.as_numpy_iterator()])
    np.testing.assert_array_equal(labels, data.attributes[:, 1])
    assert list(data.attribute_names) == list(shapes.ATTRIBUTES) and len(data.captions) == 12
    default = load_dataset("shapes", image_size=16, split="test", n=12)
    assert default.label_names == list(captions.KINDS)
    np.testing.assert_array_equal(np.stack([e["label"] for e in default.dataset.as_numpy_iterator()]), data.attributes[:, 0])
    gray = load_dataset("shapes/position", image_size=16, channels=1, split="test", n=4)
    assert gray.element_shape == (16, 16, 1) and gray.label_names[0] == "top left"
    assert default_split("shapes") == default_split("shapes/size") == "train"
    with pytest.raises(DatasetError, match="shade"):
        load_dataset("shapes/shade", n=2)
    with pytest.raises(DatasetError, match="split"):
        load_dataset("shapes", split="all", n=2)


def test_train_dcgan_on_shapes_from_the_cli(small_splits, tmp_path):
    from gantk.cli.main import cli

    run_dir = tmp_path / "run"
    result = CliRunner().invoke(cli, [
        "train", "dcgan", "--dataset", "shapes", "--image-size", "16", "--width", "8", "--batch-size", "8",
        "--steps", "2", "--latent-dim", "8", "--quiet", "--out", str(run_dir),
    ])
    assert result.exit_code == 0, result.output
    import json

    config = json.loads((run_dir / "config.json").read_text())
    assert config["dataset"] == "shapes" and config["split"] == "train"
    assert config["image_shape"] == [16, 16, 3] and config["label_names"] == list(captions.KINDS)


def test_cache_keys_of_label_configs_are_names_not_paths(tmp_path):
    from gantk.evaluation.extractors import dataset_key

    assert dataset_key("shapes/colour", "test", 32, 3) == "shapes_colour-test-32x32x3"
    assert dataset_key(str(tmp_path), "train", 32, 3).startswith(f"{tmp_path.name}-")
