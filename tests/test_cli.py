"""The command line: train, sample and list on good input; one clear line and exit 2 on bad input."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gantk.cli.main import cli

TINY_FLAGS = ["--image-size", "16", "--width", "4", "--batch-size", "8", "--latent-dim", "8", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_user_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output


def test_list_names_variants_and_datasets():
    result = run("list")
    assert result.exit_code == 0, result.output
    assert "dcgan" in result.output and "digits" in result.output and "celeb_a" in result.output


def test_list_names_each_shapes_label_form_and_the_registry_takes_each():
    from gantk.data import registered
    from gantk.data.shapes import ATTRIBUTE_VALUES

    lines = [line.split() for line in run("list").output.splitlines() if line.strip().startswith("shapes/")]
    assert [words[0] for words in lines] == [f"shapes/{attribute}" for attribute in ATTRIBUTE_VALUES]
    for words in lines:
        attribute = words[0].split("/")[1]
        assert registered(words[0])[1] == attribute
        assert ATTRIBUTE_VALUES[attribute][-1] in " ".join(words)


def test_train_then_sample_png_and_npy(tmp_path):
    run_dir = tmp_path / "run"
    result = run("train", "dcgan", "--dataset", "digits", "--steps", 3, "--out", run_dir, *TINY_FLAGS)
    assert result.exit_code == 0, result.output
    assert (run_dir / "samples.png").exists() and (run_dir / "generator.keras").exists()

    result = run("sample", run_dir, "--n", 6, "--seed", 2, "--out", tmp_path / "grid.png")
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "grid.png").size[0] >= 16 * 3

    assert run("sample", run_dir, "--n", 6, "--seed", 2, "--out", tmp_path / "a.npy").exit_code == 0
    assert run("sample", run_dir, "--n", 6, "--seed", 2, "--out", tmp_path / "b.npy").exit_code == 0
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert a.shape == (6, 16, 16, 1) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    run("sample", run_dir, "--n", 6, "--seed", 3, "--out", tmp_path / "c.npy")
    assert not np.array_equal(a, np.load(tmp_path / "c.npy"))


def test_resume_from_the_cli(tmp_path):
    run_dir = tmp_path / "run"
    assert run("train", "dcgan", "--steps", 2, "--out", run_dir, *TINY_FLAGS).exit_code == 0
    result = run("train", "dcgan", "--steps", 4, "--out", run_dir, "--resume", "--quiet")
    assert result.exit_code == 0, result.output
    assert "Resuming" in result.output and (run_dir / "checkpoints" / "ckpt-00000004.npz").exists()


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["train", "nogan"], ["Unknown GAN variant 'nogan'", "dcgan"]),
        (["train", "dcgan", "--dataset", "no_such_data"], ["Unknown dataset 'no_such_data'"]),
        (["train", "dcgan", "--image-size", "24"], ["power of two", "image_size=24"]),
        (["train", "dcgan", "--resume"], ["--resume needs --out"]),
        (["sample", "no/such/run"], ["Run directory 'no/such/run' does not exist"]),
    ],
)
def test_user_errors_are_one_line_with_status_2(args, fragments):
    assert_user_error(run(*args), *fragments)


def test_empty_folder_is_a_user_error(tmp_path):
    assert_user_error(run("train", "dcgan", "--dataset", tmp_path, "--steps", 1), "holds no image files")


def test_a_folder_of_images_trains(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "images").mkdir()
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)).save(tmp_path / "images" / f"{i}.png")
    result = run("train", "dcgan", "--dataset", tmp_path / "images", "--steps", 1, "--out", tmp_path / "run", *TINY_FLAGS)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "samples.png").exists()
