"""``gantk dataset``: dumps of shapes, digits, a folder and a tensorflow-datasets name read back
exactly; digits' fixed splits; bad input is one line and leaves no file."""

import json

import numpy as np
import pytest
import tensorflow_datasets as tfds
from click.testing import CliRunner
from PIL import Image

from gantk.cli.main import cli
from gantk.data import load_dataset
from gantk.data.arrays import to_arrays


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GANTK_CACHE_DIR", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_shapes_round_trip(tmp_path):
    from gantk.data.shapes import ATTRIBUTE_VALUES, shapes_arrays

    out = tmp_path / "dumps" / "shapes.npz"
    result = run("dataset", "shapes/colour", "--split", "test", "--n", 12, "--image-size", 16, "--out", out)
    assert result.exit_code == 0, result.output
    assert "12 examples (16x16x3) of shapes/colour, split test" in result.output
    images, attributes, captions = shapes_arrays("test", 16, n=12)
    with np.load(out) as dump:
        assert sorted(dump.files) == ["attribute_names", "attributes", "captions", "images", "label_names", "labels"]
        np.testing.assert_array_equal(dump["images"], images)
        assert dump["images"].dtype == np.uint8
        np.testing.assert_array_equal(dump["attributes"], attributes)
        np.testing.assert_array_equal(dump["labels"], attributes[:, 1])
        assert dump["label_names"].tolist() == list(ATTRIBUTE_VALUES["colour"])
        assert json.loads(str(dump["attribute_names"])) == {k: list(v) for k, v in ATTRIBUTE_VALUES.items()}
        assert dump["captions"].tolist() == captions
    preview = Image.open(tmp_path / "dumps" / "shapes.png")
    assert preview.mode == "RGB" and preview.size[0] >= 4 * 16
    assert sorted(p.name for p in (tmp_path / "dumps").iterdir()) == ["shapes.npz", "shapes.png"]


def test_digits_round_trip_of_the_test_split(tmp_path):
    out = tmp_path / "digits.npz"
    result = run("dataset", "digits", "--split", "test", "--out", out)
    assert result.exit_code == 0, result.output
    images, labels = to_arrays(load_dataset("digits", split="test"))
    with np.load(out) as dump:
        assert sorted(dump.files) == ["images", "label_names", "labels"]
        assert dump["images"].shape == (450, 32, 32, 1) and dump["images"].dtype == np.uint8
        np.testing.assert_array_equal(dump["images"], images)
        np.testing.assert_array_equal(dump["labels"], labels)
        assert dump["label_names"].tolist() == [str(d) for d in range(10)]
    assert (tmp_path / "digits.png").exists()


def test_digits_splits_are_the_probes_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    everything = load_dataset("digits", image_size=8)
    assert everything.num_examples == 1797 and everything.split == "all"
    assert load_dataset("digits", image_size=8, split="all").num_examples == 1797
    images, labels = to_arrays(everything)
    train_x, test_x, train_y, test_y = train_test_split(images, labels, test_size=0.25, random_state=0, stratify=labels)
    for split, x, y in (("train", train_x, train_y), ("test", test_x, test_y)):
        data = load_dataset("digits", image_size=8, split=split)
        got_x, got_y = to_arrays(data)
        assert data.num_examples == len(x) == {"train": 1347, "test": 450}[split]
        np.testing.assert_array_equal(got_x, x)
        np.testing.assert_array_equal(got_y, y)
    np.testing.assert_array_equal(labels, load_digits().target)


def test_default_splits_keep_digits_training_on_all_1797():
    from gantk.training.config import resolve_config

    assert resolve_config("dcgan", dataset="digits").split == "all"
    assert resolve_config("dcgan", dataset="digits", split="test").split == "test"
    assert resolve_config("dcgan", dataset="shapes").split == "train"
    assert resolve_config("dcgan", dataset="mnist").split == "train"


def test_folder_round_trip_with_labels(tmp_path):
    rng = np.random.default_rng(0)
    for label in ("a", "b"):
        (tmp_path / "pics" / label).mkdir(parents=True)
        Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(tmp_path / "pics" / label / "x.png")
    result = run("dataset", tmp_path / "pics", "--image-size", 16, "--out", tmp_path / "pics.npz")
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "pics.npz") as dump:
        assert dump["images"].shape == (2, 16, 16, 3) and dump["labels"].tolist() == [0, 1]
        assert dump["label_names"].tolist() == ["a", "b"]


def test_tensorflow_datasets_name(tmp_path):
    with tfds.testing.mock_data(num_examples=8):
        result = run("dataset", "mnist", "--n", 5, "--image-size", 16, "--out", tmp_path / "mnist.npz")
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "mnist.npz") as dump:
        assert dump["images"].shape == (5, 16, 16, 1) and len(dump["labels"]) == 5


@pytest.mark.parametrize("args, out, fragment", [
    (["digits", "--split", "valid"], "x.npz", "all, train, test"),
    (["shapes/shade"], "x.npz", "kind, colour, size, position, background"),
    (["shapes", "--n", "2", "--image-size", "48"], "x.npz", "image_size"),
    (["shapes", "--n", "2"], "x.txt", "must name a .npz file"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, args, out, fragment):
    result = run("dataset", *args, "--out", tmp_path / out)
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output
    assert list(tmp_path.glob("x.*")) == []


def test_a_digits_run_saved_before_splits_resumes_on_all_1797(tmp_path):
    from helpers import TINY

    from gantk.training.config import resolve_config
    from gantk.training.config import TrainConfig
    from gantk.training.run import train

    run_dir = str(tmp_path / "old")
    train(resolve_config("dcgan", steps=2, **TINY), run_dir=run_dir, progress=False, log=lambda *_: None)
    path = tmp_path / "old" / "config.json"
    saved = json.loads(path.read_text())
    assert (saved["split"], saved["num_examples"]) == ("all", 1797)
    path.write_text(json.dumps({**saved, "split": "train"}))
    assert TrainConfig.load(str(path)).split == "all"
    train(resolve_config("dcgan", steps=3, **TINY), run_dir=run_dir, resume=True, progress=False, log=lambda *_: None)
    resumed = json.loads(path.read_text())
    assert (resumed["split"], resumed["num_examples"]) == ("all", 1797)
    path.write_text(json.dumps({**saved, "split": "train", "num_examples": 1347}))
    assert TrainConfig.load(str(path)).split == "train"
