"""``gantk bench speed`` at tiny settings: every figure present and positive (no timing assertions)."""

import json

import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.bench import speed
from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator

KEYS = (
    "gantk_images_per_s", "keras_reference_images_per_s", "ratio_vs_keras", "matmul_gflops", "achieved_gflops",
    "default_images_per_s", "auto_default_vs_fastest", "runtime_batch1_ms", "runtime_1_threads_batch1_ms", "savedmodel_batch1_ms", "runtime_batch64_images_per_s",
    "savedmodel_batch64_images_per_s", "keras_batch1_ms", "pipeline_images_per_s", "xla_images_per_s",
    "import_tensorflow_s", "import_onnxruntime_s", "import_tensorflow_rss_mb", "import_onnxruntime_rss_mb",
)


def test_flops_are_counted_from_the_layer_shapes():
    generator = dcgan_generator(100, (64, 64, 3), width=128)
    discriminator = dcgan_discriminator((64, 64, 3), width=128)
    g_convs = sum(2 * h * h * 16 * cin * cout for h, cin, cout in ((4, 1024, 512), (8, 512, 256), (16, 256, 128), (32, 128, 3)))
    expected_g = 2 * 100 * 4 * 4 * 1024 + g_convs
    d_convs = sum(2 * h * h * 16 * cin * cout for h, cin, cout in ((32, 3, 128), (16, 128, 256), (8, 256, 512), (4, 512, 1024)))
    expected_d = d_convs + 2 * 4 * 4 * 1024
    assert speed.layer_flops(generator) == expected_g
    assert speed.layer_flops(discriminator) == expected_d
    assert speed.step_flops_per_image(generator, discriminator) == 4 * expected_g + 9 * expected_d


@pytest.mark.slow
def test_bench_speed_writes_every_figure(tmp_path):
    out = tmp_path / "speed.json"
    result = CliRunner().invoke(
        cli, ["bench", "speed", "--image-size", "16", "--width", "4", "--batch-size", "8", "--steps", "2", "--warmup", "1", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    for key in KEYS:
        assert figures[key] > 0, key
    assert figures["machine"]["cpu_model"] and figures["tensorflow_build"]["version"]
    settings = {(c["jit_compile"], c["onednn"], c["precision"]) for c in figures["candidates"]}
    assert {("off", "on", "float32"), ("on", "on", "float32"), ("off", "off", "float32"), ("on", "off", "float32")} <= settings
    assert all(c["images_per_s"] > 0 for c in figures["candidates"])
    assert (("off", "on", "mixed_bfloat16") in settings) == figures["cpu_has_bf16"]
    if figures["cpu_has_bf16"]:
        assert figures["reduced_precision_images_per_s"] > 0
    assert "gantk/Keras" in result.output and "ONNX runtime" in result.output and "auto (gantk train's default)" in result.output
    if "torch_images_per_s" not in figures:
        assert "PyTorch                        not timed" in result.output


def test_bench_speed_rejects_an_unknown_image_size():
    result = CliRunner().invoke(cli, ["bench", "speed", "--image-size", "48"])
    assert result.exit_code == 2 and "48" in result.output
