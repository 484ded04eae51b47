"""Datasets: bundled digits, a folder of images, tensorflow-datasets (mocked), and resumable batches."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
import tensorflow as tf
from PIL import Image

from gantk.data import load_dataset
from gantk.data import prepare
from gantk.data.pipeline import training_batches
from gantk.data.resize import square_uint8
from gantk.errors import DatasetError
from gantk.training.build import seed_everything


def first(data, n=None):
    examples = list(data.dataset.take(n or data.num_examples).as_numpy_iterator())
    return np.stack([e["image"] for e in examples]), [e.get("label") for e in examples]


def test_digits_are_bundled_labelled_and_resized():
    data = load_dataset("digits", image_size=16)
    assert data.num_examples == 1797 and data.label_names == [str(d) for d in range(10)]
    images, labels = first(data, 50)
    assert images.shape == (50, 16, 16, 1) and images.dtype == np.uint8
    assert images.max() > 200 and images.min() == 0
    assert set(labels) <= set(range(10))


def box_weights(side, size):
    """``[size, side]``: each output pixel's share of every input pixel its square covers."""
    edges = np.arange(size + 1) * side / size
    starts, ends = edges[:-1, None], edges[1:, None]
    pixels = np.arange(side)[None]
    return np.clip(np.minimum(ends, pixels + 1) - np.maximum(starts, pixels), 0, None) * size / side


def test_a_shrinking_resize_averages_the_area_each_pixel_covers():
    image = np.random.default_rng(0).integers(0, 256, (108, 108, 3)).astype(np.uint8)
    weights = box_weights(108, 64)
    expected = np.einsum("hH,HWc,wW->hwc", weights, image.astype(float), weights)
    resized = square_uint8(image, 64, 3).numpy().astype(float)
    assert np.abs(resized - np.round(expected)).max() <= 1
    np.testing.assert_array_equal(square_uint8(image[None], 64, 3).numpy()[0], resized)


def test_a_growing_resize_is_bilinear():
    image = np.arange(64, dtype=np.uint8).reshape(8, 8, 1) * 4
    grown = square_uint8(image, 32, 1).numpy()
    bilinear = tf.image.resize(image[None].astype(np.float32), (32, 32), method="bilinear", antialias=True)[0]
    np.testing.assert_array_equal(grown, np.round(bilinear.numpy()).astype(np.uint8))


def test_digits_in_three_channels():
    assert load_dataset("digits", image_size=32, channels=3).element_shape == (32, 32, 3)


def make_folder(root):
    rng = np.random.default_rng(0)
    (root / "cats").mkdir(parents=True)
    (root / "dogs" / "deep").mkdir(parents=True)
    Image.fromarray(rng.integers(0, 255, (40, 30, 3), dtype=np.uint8)).save(root / "cats" / "rgb.png")
    Image.fromarray(rng.integers(0, 255, (20, 20), dtype=np.uint8)).save(root / "cats" / "gray.jpg")
    Image.fromarray(rng.integers(0, 255, (24, 24, 4), dtype=np.uint8), "RGBA").save(root / "dogs" / "alpha.png")
    Image.fromarray(rng.integers(0, 255, (16, 16), dtype=np.uint8)).convert("P").save(root / "dogs" / "deep" / "palette.gif")
    Image.fromarray(rng.integers(0, 255, (16, 32, 3), dtype=np.uint8)).save(root / "dogs" / "wide.bmp")
    (root / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    (root / "dogs" / "notes.txt").write_text("not an image")


def test_folder_of_mixed_images(tmp_path):
    make_folder(tmp_path)
    with pytest.warns(UserWarning, match=r"Skipped 1 image file.*unreadable.*broken.png"):
        data = load_dataset(str(tmp_path), image_size=16, channels=3)
    assert data.num_examples == 5
    assert data.label_names == ["cats", "dogs"]
    images, labels = first(data)
    assert images.shape == (5, 16, 16, 3) and images.dtype == np.uint8
    assert labels == [0, 0, 1, 1, 1]


def test_a_png_and_a_jpeg_of_a_folder_are_cropped_and_resized_alike(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (50, 44, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    Image.fromarray(pixels).save(tmp_path / "b.jpg", quality=100)
    images, _ = first(load_dataset(str(tmp_path), image_size=16, channels=3))
    decoded_jpeg = tf.io.decode_jpeg((tmp_path / "b.jpg").read_bytes(), channels=3)
    np.testing.assert_array_equal(images[0], square_uint8(pixels, 16, 3).numpy())
    np.testing.assert_array_equal(images[1], square_uint8(decoded_jpeg, 16, 3).numpy())


def test_folder_to_grayscale_without_labels(tmp_path):
    Image.fromarray(np.full((10, 10, 3), 200, np.uint8)).save(tmp_path / "a.png")
    data = load_dataset(str(tmp_path), image_size=16, channels=1)
    images, labels = first(data)
    assert images.shape == (1, 16, 16, 1) and data.label_names is None and labels == [None]
    assert abs(int(images.mean()) - 200) <= 1


def test_empty_and_missing_folders_are_clear_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images")
    with pytest.raises(DatasetError, match="holds no image files"):
        load_dataset(str(tmp_path / "empty"))
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset(str(tmp_path / "nowhere"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.png").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="none could be read"):
        load_dataset(str(tmp_path / "bad"))


def test_unknown_dataset_name():
    with pytest.raises(DatasetError, match="Unknown dataset 'no_such_data'.*digits"):
        load_dataset("no_such_data")


def test_tfds_without_files_or_network_says_how_to_supply_them(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare, "network_reachable", lambda: False)
    with pytest.raises(DatasetError) as error:
        load_dataset("mnist", data_dir=str(tmp_path))
    message = str(error.value)
    assert str(tmp_path / "downloads" / "manual") in message and "train-images-idx3-ubyte.gz" in message
    assert "gantk prepare mnist --manual-dir DIR" in message
    with pytest.raises(DatasetError, match="downloads are turned off"):
        load_dataset("mnist", data_dir=str(tmp_path), download=False)


def test_celeb_a_through_the_real_tfds_path_under_mock_data():
    with tfds.testing.mock_data(num_examples=8):
        data = load_dataset("celeb_a")
        images, labels = first(data)
    assert data.element_shape == (64, 64, 3) and data.num_examples == 8
    assert images.shape == (8, 64, 64, 3) and images.dtype == np.uint8
    assert data.label_names is None


def test_mnist_labels_under_mock_data():
    with tfds.testing.mock_data(num_examples=8):
        data = load_dataset("mnist", image_size=16)
        images, labels = first(data)
    assert images.shape == (8, 16, 16, 1) and data.label_names == [str(d) for d in range(10)]
    assert all(0 <= label < 10 for label in labels)


def test_batches_are_scaled_and_resume_exactly():
    data = load_dataset("digits", image_size=16)
    per_epoch = 1797 // 64
    straight = training_batches(data, 64, seed=3).take(per_epoch + 5)
    images = [b["image"].numpy() for b in straight]
    assert images[0].dtype == np.float32 and images[0].min() >= -1 and images[0].max() <= 1
    resumed = next(iter(training_batches(data, 64, seed=3, start_step=per_epoch + 4)))["image"].numpy()
    np.testing.assert_array_equal(resumed, images[per_epoch + 4])
    assert not np.array_equal(images[0], images[per_epoch]), "each epoch is reshuffled"


@pytest.mark.parametrize("global_seed", [0, 17])
def test_the_batch_order_does_not_depend_on_the_callers_global_seed(global_seed):
    data = load_dataset("digits", image_size=16)
    seed_everything(3)
    expected = next(iter(training_batches(data, 64, seed=3, start_step=30)))["image"].numpy()
    tf.random.set_seed(global_seed)
    np.testing.assert_array_equal(next(iter(training_batches(data, 64, seed=3, start_step=30)))["image"].numpy(), expected)


def test_too_few_examples_for_one_step():
    data = load_dataset("digits", image_size=16)
    with pytest.raises(DatasetError, match="fewer than"):
        training_batches(data, 4096)
