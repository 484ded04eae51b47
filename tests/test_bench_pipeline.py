"""``gantk bench pipeline`` and the streaming file pipeline it times, on tiny folders (no timing assertions)."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from fake_tfds_files import marked_face
from gantk.bench.pipeline import run_pipeline_bench
from gantk.bench.reference_python import torch_python
from gantk.bench.pipeline_torch import image_root
from gantk.cli.main import cli
from gantk.data.resize import square_uint8
from gantk.data.stream import file_images


def faces(folder, n=10):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(marked_face()).save(folder / f"{i:06d}.jpg", quality=98, subsampling=0)


def test_jpegs_are_decoded_inside_dcgans_crop_only(tmp_path):
    faces(tmp_path, n=3)
    images = [e["image"] for e in file_images(sorted(map(str, tmp_path.iterdir())), 64, crop=108).as_numpy_iterator()]
    assert len(images) == 3 and images[0].shape == (64, 64, 3)
    image = images[0].astype(int)
    assert image[..., 0].max() < 90, "nothing outside the 108-pixel crop"
    assert (image[0, :, 2] > 150).all() and (image[32, 32, 1] > 150), "blue border at the edge, green inside"


def test_other_formats_match_the_in_memory_resize(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (30, 20, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    streamed = next(file_images([str(tmp_path / "a.png")], 16).as_numpy_iterator())["image"]
    np.testing.assert_array_equal(streamed, square_uint8(pixels, 16, 3).numpy())


def test_the_bench_reports_every_figure(tmp_path):
    faces(tmp_path / "faces", n=12)
    lines = []
    result = run_pipeline_bench(str(tmp_path / "faces"), workers=2, crop=108, batch_size=4, torch=None, log=lines.append)
    ours = result["gantk"]
    assert ours["images"] == 12 and result["crop"] == 108 and result["workers"] == 2
    assert all(ours[key] > 0 for key in ("first_pass_images_per_s", "cached_images_per_s", "first_batch_s"))
    assert any("gantk first batch" in line for line in lines)


def test_the_cli_writes_json_for_a_named_dataset(tmp_path):
    out = tmp_path / "p.json"
    result = CliRunner().invoke(cli, ["bench", "pipeline", "--dataset", "digits", "--image-size", "16", "--batch-size", "64", "--json", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())
    assert record["gantk"]["images"] == 1797 and "torchvision" not in record


def test_a_folder_of_loose_images_is_one_imagefolder_class(tmp_path):
    faces(tmp_path / "loose", n=1)
    root, wrapper = image_root(str(tmp_path / "loose"))
    assert wrapper and (tmp_path / "loose").samefile(f"{root}/images")
    (tmp_path / "classes" / "a").mkdir(parents=True)
    assert image_root(str(tmp_path / "classes")) == (str(tmp_path / "classes"), None)


@pytest.mark.slow
def test_torchvision_half_when_importable(tmp_path):
    """Runs where this Python has torchvision, or ``GANTK_TORCH_PYTHON`` names one that has."""
    python = torch_python(os.environ.get("GANTK_TORCH_PYTHON"))
    if python is None:
        pytest.skip("no Python with torch and torchvision (set GANTK_TORCH_PYTHON)")
    faces(tmp_path / "faces", n=8)
    result = run_pipeline_bench(str(tmp_path / "faces"), workers=1, crop=108, batch_size=4, torch=python, log=lambda *_: None)
    assert result["torchvision"]["images"] == 8 and result["torchvision"]["shape"] == [3, 64, 64]
