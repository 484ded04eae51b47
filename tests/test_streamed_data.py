"""Training on data decoded as it is read: image folders of JPEGs and tensorflow-datasets sets."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from gantk.data import load_dataset
from gantk.data.pipeline import training_batches
from gantk.data.summary import describe, summary_lines


def jpeg_folder(folder, n=12):
    """JPEGs of one flat grey level each (level ``10 * i + 5``), easy to tell apart after decoding."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(np.full((24, 20, 3), 10 * i + 5, np.uint8)).save(folder / f"{i:03d}.jpg", quality=95)
    return folder


def levels(batch):
    """The grey level of each image of a scaled batch, back in 0..255."""
    return [int(round((float(image.mean()) + 1) * 127.5)) for image in batch["image"].numpy()]


def test_a_folder_of_jpegs_is_decoded_as_training_reads_it(tmp_path):
    data = load_dataset(str(jpeg_folder(tmp_path / "d")), image_size=8)
    assert data.stream is not None and data.summary["decoded_as_read"] == 12
    assert data.summary["decoded_before_training"] == 0
    assert "12 JPEGs passed the header check and are decoded as training reads them" in summary_lines(describe(data))[0]
    batches = list(training_batches(data, 4, seed=1).take(6))
    first_epoch, second_epoch = sum(map(levels, batches[:3]), []), sum(map(levels, batches[3:]), [])
    expected = [10 * i + 5 for i in range(12)]
    assert sorted(first_epoch) == expected and sorted(second_epoch) == expected, "every image once per epoch"
    assert first_epoch != expected, "the order is shuffled"
    assert first_epoch != second_epoch, "each epoch is reshuffled"


def test_a_streamed_folder_resumes_exactly_and_depends_on_the_seed(tmp_path):
    data = load_dataset(str(jpeg_folder(tmp_path / "d")), image_size=8)
    straight = [levels(b) for b in training_batches(data, 4, seed=5).take(5)]
    resumed = [levels(b) for b in training_batches(data, 4, seed=5, start_step=4).take(1)]
    assert resumed[0] == straight[4]
    assert [levels(b) for b in training_batches(data, 4, seed=5).take(5)] == straight
    assert [levels(b) for b in training_batches(data, 4, seed=6).take(5)] != straight


def test_truncated_and_misnamed_jpegs_fail_the_header_check_and_are_handled_before_training(tmp_path):
    folder = jpeg_folder(tmp_path / "d", n=4)
    whole = (folder / "000.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(whole[: len(whole) // 2])
    Image.fromarray(np.full((10, 10, 3), 200, np.uint8)).save(folder / "really-a-png.jpg", format="PNG")
    with pytest.warns(UserWarning, match=r"Skipped 1 image file\(s\).*unreadable or corrupt \(OSError\).*truncated.jpg"):
        data = load_dataset(str(folder), image_size=8)
    assert data.num_examples == 5
    assert data.summary["decoded_as_read"] == 4 and data.summary["decoded_before_training"] == 1
    assert sorted(levels(b)[0] for b in training_batches(data, 1, seed=0).take(5)) == [5, 15, 25, 35, 200]
    assert "5 images read, 1 skipped (1 unreadable or corrupt (OSError)" in summary_lines(describe(data))[0]


def test_mixed_jpegs_and_pngs_keep_their_labels_in_any_order(tmp_path):
    for label, level in (("a", 40), ("b", 160)):
        (tmp_path / label).mkdir()
        Image.fromarray(np.full((12, 12, 3), level, np.uint8)).save(tmp_path / label / "one.jpg", quality=95)
        Image.fromarray(np.full((12, 12, 3), level, np.uint8)).save(tmp_path / label / "two.png")
    data = load_dataset(str(tmp_path), image_size=8)
    assert data.label_names == ["a", "b"] and data.summary["decoded_as_read"] == 2
    for example in data.stream(7).as_numpy_iterator():
        assert abs(int(example["image"].mean()) - (40, 160)[example["label"]]) <= 2


def test_tensorflow_datasets_training_shuffles_encoded_examples_then_decodes(tmp_path):
    with tfds.testing.mock_data(num_examples=16):
        data = load_dataset("mnist", image_size=8)
        assert data.stream is not None
        one = [b["image"].numpy() for b in training_batches(data, 4, seed=2).take(6)]
        again = [b["image"].numpy() for b in training_batches(data, 4, seed=2, start_step=5).take(1)]
        in_order = np.stack([e["image"] for e in data.dataset.as_numpy_iterator()])
    np.testing.assert_array_equal(again[0], one[5])
    epoch = np.concatenate(one[:4])
    assert epoch.shape == (16, 8, 8, 1)
    as_uint8 = np.round((epoch + 1) * 127.5).astype(np.uint8)
    assert sorted(map(bytes, as_uint8)) == sorted(map(bytes, in_order)), "the epoch holds every example once"
    assert not np.array_equal(as_uint8, in_order), "in a shuffled order"
