"""tensorflow-datasets datasets prepared offline from the user's files: CelebA and MNIST in their real formats."""

import os
import shutil

import numpy as np
import pytest

from fake_tfds_files import CELEB_A_FILES, write_celeb_a, write_mnist
from gantk.data import load_dataset
from gantk.data.prepare import prepare_dataset
from gantk.errors import DatasetError


@pytest.fixture(scope="module")
def celeb_a_files(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("celeb_a_files"))
    write_celeb_a(folder, marked=True)
    return folder


@pytest.fixture(scope="module")
def celeb_a_data_dir(tmp_path_factory, celeb_a_files):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    prepare_dataset("celeb_a", celeb_a_files, data_dir=data_dir, skip_checksums=True, progress=False)
    return data_dir


def test_missing_files_are_each_named_with_the_folder_searched(tmp_path, celeb_a_files):
    partial = tmp_path / "partial"
    shutil.copytree(celeb_a_files, partial)
    os.remove(partial / "identity_CelebA.txt")
    os.remove(partial / "list_landmarks_align_celeba.txt")
    with pytest.raises(DatasetError) as error:
        prepare_dataset("celeb_a", str(partial), data_dir=str(tmp_path / "tfds"), skip_checksums=True, progress=False)
    message = str(error.value)
    assert "identity_CelebA.txt" in message and "list_landmarks_align_celeba.txt" in message
    assert str(partial) in message and "found 3 of 5" in message
    assert "img_align_celeba.zip," not in message.split("not in")[1], "present files are not listed as missing"
    assert not os.path.exists(tmp_path / "tfds" / "celeb_a" / "2.1.0"), "nothing half-prepared"


def test_checksum_mismatches_are_one_error_listing_every_file(tmp_path, celeb_a_files):
    with pytest.raises(DatasetError) as error:
        prepare_dataset("celeb_a", celeb_a_files, data_dir=str(tmp_path), progress=False)
    message = str(error.value)
    assert "5 file(s)" in message and "--skip-checksums" in message
    assert all(name in message for name in CELEB_A_FILES)
    assert "1.34 GiB" in message, "the expected size of the real img_align_celeba.zip"


def test_prepare_refuses_a_missing_manual_folder(tmp_path):
    with pytest.raises(DatasetError, match="manual_dir.*nowhere"):
        prepare_dataset("celeb_a", str(tmp_path / "nowhere"), data_dir=str(tmp_path))


def test_prepared_celeb_a_has_its_splits_and_dcgans_centre_crop(celeb_a_data_dir):
    data = load_dataset("celeb_a", data_dir=celeb_a_data_dir)
    assert data.num_examples == 6 and data.element_shape == (64, 64, 3)
    assert data.summary["source"] == "tensorflow-datasets" and data.summary["version"] == "2.1.0"
    assert data.summary["preprocessing"]["crop"] == "centre 108x108"
    assert load_dataset("celeb_a", data_dir=celeb_a_data_dir, split="validation").num_examples == 2
    image = next(data.dataset.as_numpy_iterator())["image"].astype(int)
    red = image[..., 0]
    assert red.max() < 90, "nothing outside the 108-pixel crop may show"
    centre = image[16:48, 16:48]
    assert (centre[..., 1] > 150).all() and (centre[..., 2] < 90).all(), "green inside"
    for edge in (image[0], image[-1], image[:, 0], image[:, -1]):
        assert (edge[:, 2] > 150).all() and (edge[:, 1] < 90).all(), "the blue band of the crop's border is the edge"
    in_order = [example["image"] for example in data.dataset.as_numpy_iterator()]
    streamed = [example["image"] for example in data.stream(3).as_numpy_iterator()]
    assert sorted(map(bytes, streamed)) == sorted(map(bytes, in_order)), "training's stream: the same crops, resized alike"


def test_training_finds_manual_files_in_the_data_dir_before_any_network_check(tmp_path, celeb_a_files):
    """Files in DATA_DIR/downloads/manual are used; here they fail tfds' checksums, said in one error."""
    shutil.copytree(celeb_a_files, tmp_path / "downloads" / "manual")
    with pytest.raises(DatasetError, match=r"5 file\(s\) in .*downloads/manual differ.*--skip-checksums"):
        load_dataset("celeb_a", data_dir=str(tmp_path))


def test_no_files_and_no_downloads_says_how_to_prepare(tmp_path):
    with pytest.raises(DatasetError) as error:
        load_dataset("mnist", data_dir=str(tmp_path), download=False)
    message = str(error.value)
    assert "downloads are turned off" in message and f"gantk prepare mnist --manual-dir DIR --data-dir {tmp_path}" in message


@pytest.mark.slow
def test_mnist_prepared_from_its_idx_files(tmp_path):
    """A download-based dataset: the four .gz files under their URL basenames in the manual folder."""
    write_mnist(str(tmp_path / "files"))
    builder = prepare_dataset("mnist", str(tmp_path / "files"), data_dir=str(tmp_path / "tfds"), skip_checksums=True, progress=False)
    assert builder.info.splits["train"].num_examples == 60_000
    data = load_dataset("mnist", image_size=16, data_dir=str(tmp_path / "tfds"), split="test")
    assert data.num_examples == 10_000 and data.label_names == [str(d) for d in range(10)]
    for example in data.dataset.take(20).as_numpy_iterator():
        assert abs(int(np.median(example["image"])) - 20 * int(example["label"])) <= 1
