"""Image folders as users leave them: link loops, FIFOs, 16-bit and transparent PNGs, many broken files."""

import os
import signal

import numpy as np
import pytest
from PIL import Image

from gantk.data import load_dataset
from gantk.data.summary import save_summary


def images_in(folder, n=30, size=12):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(folder / f"{i:03d}.png")


@pytest.fixture
def alarm():
    """Fails a test that blocks for a minute instead of hanging the suite."""

    def timeout(*_):
        raise TimeoutError("blocked for 60 s")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_link_loop_and_a_linked_file_are_read_once(tmp_path):
    images_in(tmp_path / "d")
    os.symlink(".", tmp_path / "d" / "loop")
    os.symlink(tmp_path / "d", tmp_path / "d" / "again")
    os.symlink(tmp_path / "d" / "000.png", tmp_path / "d" / "link.png")
    data = load_dataset(str(tmp_path / "d"), image_size=8)
    assert data.num_examples == 30
    assert data.summary["skipped"] == 0 and data.summary["links_to_files_already_read"] == 1


def test_a_fifo_named_like_an_image_is_skipped_not_opened(tmp_path, alarm):
    images_in(tmp_path, n=4)
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.warns(UserWarning, match=r"Skipped 1 image file.*not a regular file.*pipe.png"):
        data = load_dataset(str(tmp_path), image_size=8)
    assert data.num_examples == 4
    assert data.summary["skipped_files"] == [{"path": str(tmp_path / "pipe.png"), "reason": "not a regular file"}]


def test_sixteen_bit_greys_keep_their_level(tmp_path):
    Image.fromarray(np.full((16, 16), 30000, np.uint16)).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    data = load_dataset(str(tmp_path), image_size=8, channels=1)
    image = next(data.dataset.as_numpy_iterator())["image"]
    assert abs(float(image.mean()) - 30000 / 257) < 1.5, "not clipped to near-white"


def test_transparency_is_composited_on_white_with_a_warning_naming_the_file(tmp_path):
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:8, :, 3] = 255
    Image.fromarray(rgba, "RGBA").save(tmp_path / "half.png")
    opaque = np.full((16, 16, 4), 90, np.uint8)
    opaque[..., 3] = 255
    Image.fromarray(opaque, "RGBA").save(tmp_path / "opaque.png")
    with pytest.warns(UserWarning, match=r"1 image\(s\) .* have transparency, composited on white: half.png\.$"):
        data = load_dataset(str(tmp_path), image_size=16)
    half = next(data.dataset.as_numpy_iterator())["image"].astype(int)
    assert (half[1:6, :, 0] > 240).all() and (half[1:6, :, 1] < 15).all(), "the opaque half stays red"
    assert (half[11:, :] > 240).all(), "the transparent half shows the white background"
    assert data.summary["alpha_composited"] == 1


def test_the_skipped_files_report_is_complete(tmp_path):
    images_in(tmp_path / "d", n=3)
    broken = [f"a-rather-long-file-name-that-used-to-be-cut-off-{i:03d}.jpg" for i in range(40)]
    for name in broken:
        (tmp_path / "d" / name).write_bytes(b"not a jpeg")
    with pytest.warns(UserWarning, match=r"Skipped 40 image file\(s\).* and 30 more; .*skipped-files.txt"):
        data = load_dataset(str(tmp_path / "d"), image_size=8)
    save_summary(str(tmp_path), data.summary)
    lines = (tmp_path / "skipped-files.txt").read_text().splitlines()
    assert [os.path.basename(line.split("\t")[0]) for line in lines] == broken
    assert all(line.endswith("unreadable or corrupt (UnidentifiedImageError)") for line in lines)
