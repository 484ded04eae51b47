"""The shapes judge: outliers that show no single shape, a cached judge, and `gantk shapes-check`."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gantk.data import shapes
from gantk.evaluation import shapes_check
from gantk.errors import ConfigError


@pytest.fixture(autouse=True)
def small_judge(tmp_path, monkeypatch):
    """A judge trained on a few hundred pictures for one epoch, cached under a fresh folder."""
    monkeypatch.setenv("GANTK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(shapes_check, "TRAIN_EXAMPLES", 256)
    monkeypatch.setattr(shapes_check, "TEST_EXAMPLES", 64)
    monkeypatch.setattr(shapes_check, "EPOCHS", 1)
    monkeypatch.setattr(shapes_check, "JUDGES", {})
    monkeypatch.setitem(shapes.SPLITS, "train", 64)
    monkeypatch.setitem(shapes.SPLITS, "test", 64)


def test_outliers_keep_the_range_and_shuffled_tiles_keep_the_pixels():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (5, 16, 16, 3)).astype(np.float32)
    out = shapes_check.outliers(images, 60, np.random.default_rng(1))
    assert out.shape == (60, 16, 16, 3) and out.min() >= -1 and out.max() <= 1
    sorted_inputs = [np.sort(image.ravel()) for image in images]
    shuffled = [o for o in out if any(np.allclose(np.sort(o.ravel()), s) for s in sorted_inputs)]
    assert any(not any(np.allclose(o, image) for image in images) for o in shuffled)


def test_the_judge_is_trained_once_cached_and_reads_every_attribute(tmp_path):
    pictures, attributes, _ = shapes.shapes_arrays("test", 16, n=20)
    first = shapes_check.read_attributes(pictures, log=lambda *_: None)
    assert set(first) == set(shapes.ATTRIBUTES)
    for name, probabilities in first.items():
        assert probabilities.shape == (20, len(shapes.ATTRIBUTE_VALUES[name]))
        assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    info = json.loads(next((tmp_path / "cache" / "shapes-judge").glob("*/judge.json")).read_text())
    assert set(info["accuracy"]) == set(shapes.ATTRIBUTES) and 0 <= info["real_clean_share"] <= 1
    shapes_check.JUDGES.clear()
    trained = []
    again = shapes_check.read_attributes(pictures, log=trained.append)
    assert trained == [] and all(np.allclose(first[k], again[k], atol=1e-6) for k in first)
    assert set(shapes_check.attribute_accuracy(pictures, attributes, log=print)) == set(shapes.ATTRIBUTES)


def test_the_judge_refuses_images_it_cannot_read():
    with pytest.raises(ConfigError, match="square RGB"):
        shapes_check.read_attributes(np.zeros((4, 16, 16, 1), np.float32))
    with pytest.raises(ConfigError, match="pixels"):
        shapes_check.read_attributes(np.zeros((4, 24, 24, 3), np.float32))


def test_the_clean_share_is_the_samples_read_as_one_kind_and_one_colour():
    """Four samples: sure of both, sure of the kind only, of the colour only, of neither."""
    def sure(n, index, sure_rows):
        rows = np.full((4, n), 1.0 / n)
        rows[sure_rows] = np.eye(n)[index]
        return rows

    probabilities = {"kind": sure(5, 2, [0, 1]), "colour": sure(8, 4, [0, 2])}
    read = shapes_check.read_masks(probabilities)
    assert read["kind"].tolist() == [True, True, False, False] and read["colour"].tolist() == [True, False, True, False]
    assert shapes_check.clean_mask(probabilities).tolist() == [True, False, False, False]


def run_cli(*args):
    from gantk.cli.main import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def test_shapes_check_reads_a_shapes_run_and_refuses_a_digits_run(tmp_path):
    tiny = ["--image-size", "16", "--batch-size", "8", "--steps", "2", "--latent-dim", "8", "--quiet"]
    assert run_cli("train", "cgan", "--dataset", "shapes/colour", *tiny, "--out", tmp_path / "shapes").exit_code == 0
    result = run_cli("shapes-check", tmp_path / "shapes", "--per-label", "3")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout[result.stdout.index("{"):])
    assert 0 <= figures["clean_share"] <= 1 and 0 <= figures["colour_accuracy"] <= 1
    assert set(figures["read_share"]) == {"kind", "colour"}
    assert figures["clean_share"] <= min(figures["read_share"].values())
    for name, values in shapes.ATTRIBUTE_VALUES.items():
        assert list(figures[f"samples_per_{name}"]) == list(values)
        assert sum(figures[f"samples_per_{name}"].values()) == 3 * len(shapes.ATTRIBUTE_VALUES["colour"])
    assert run_cli("train", "dcgan", "--dataset", "digits", "--width", "8", *tiny, "--out", tmp_path / "digits").exit_code == 0
    refused = run_cli("shapes-check", tmp_path / "digits")
    assert refused.exit_code == 2 and "needs an RGB run on the shapes dataset" in refused.output
