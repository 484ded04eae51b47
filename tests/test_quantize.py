"""``gantk export --quantize``: fp16 and int8 files that the runtime loads, behind an in-domain FID gate."""

import json
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.export.runtime import Generator
from gantk.export.serve import open_server
from gantk.evaluation import extractors


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache whose digits classifier trains for 2 epochs: these tests check the quality gate's bookkeeping, not its accuracy."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extractors, "CLASSIFIER_EXAMPLE_PASSES", 1)
        patch.setenv("GANTK_CACHE_DIR", str(tmp_path_factory.mktemp("gantk-cache")))
        yield


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def quantized(tiny_run, tmp_path_factory, cache):
    out = tmp_path_factory.mktemp("quantized") / "export"
    result = run("export", tiny_run, "--onnx", "--quantize", "int8", "--quantize", "fp16", "--max-fid-change", "0.5", "--out", out)
    assert result.exit_code == 0, result.output
    return tiny_run, out, result.output


def test_gate_figures_sizes_and_speeds_are_printed(quantized):
    _, _, output = quantized
    for kind in ("int8", "fp16"):
        fids = re.search(rf"Quantized {kind}: FID (\S+) \(float\) -> (\S+) \((\S+)%, bound \+-50%\)", output)
        assert fids and float(fids.group(1)) > 0 and float(fids.group(2)) > 0, output
        speeds = re.search(rf"Quantized {kind}: size (\S+) MB -> (\S+) MB \(\d+%\), batch 64: (\d+) -> (\d+) images/s", output)
        assert speeds and all(float(value) > 0 for value in speeds.groups()), output


def test_quantized_files_load_in_the_runtime_and_stay_close(quantized):
    _, out, _ = quantized
    reference = Generator.load(out / "generator.onnx")
    float_images = reference.sample(32, seed=4).astype(int)
    for kind, mean_limit in (("fp16", 1.0), ("int8", 12.0)):
        generator = Generator.load(out / f"generator.{kind}.onnx")
        assert kind in generator.metadata["quantization"]
        assert generator.metadata["config_sha256"] == reference.metadata["config_sha256"]
        images = generator.sample(32, seed=4)
        assert images.shape == (32, 16, 16, 1) and images.dtype == np.uint8
        assert np.abs(images.astype(int) - float_images).mean() < mean_limit, kind
    assert reference.metadata.get("quantization") is None


def test_metadata_card_and_server_know_the_quantized_files(quantized):
    _, out, _ = quantized
    record = json.loads((out / "export.json").read_text())["quantized"]
    assert set(record) == {"int8", "fp16"}
    int8 = record["int8"]
    assert int8["file"] == "generator.int8.onnx" and int8["bytes"] == os.path.getsize(out / "generator.int8.onnx")
    assert int8["bound"] == 0.5 and abs(int8["fid_change"]) <= 0.5 and "QDQ" in int8["method"]
    card = (out / "README.md").read_text()
    assert "## Quantized files" in card and "`generator.int8.onnx`" in card and "classifier features" in card
    server = open_server(out, port=0, quantized="int8", log=lambda *_: None)
    try:
        assert server.health["file"] == "generator.int8.onnx" and "int8" in server.health["quantization"]
    finally:
        server.server_close()


def test_the_cards_code_runs_for_every_file(quantized, monkeypatch):
    _, out, _ = quantized
    monkeypatch.chdir(out)
    blocks = re.findall(r"```python\n(.*?)```", open("README.md").read(), re.S)
    assert len(blocks) == 4 and 'Generator.load("generator.int8.onnx")' in blocks[2] + blocks[3]
    for block in blocks:
        namespace = {}
        exec(block, namespace)
        assert namespace["images"].shape == (16, 16, 16, 1) and namespace["images"].dtype == np.uint8


def test_an_impossible_bound_fails_with_nothing_written(quantized, tmp_path):
    run_dir, out, _ = quantized
    result = run("export", run_dir, "--onnx", "--quantize", "int8", "--max-fid-change", "0", "--out", tmp_path / "new")
    assert result.exit_code == 2 and "failed the quality gate" in result.output and "Nothing was written" in result.output
    assert "Traceback" not in result.output and os.listdir(tmp_path) == []
    before = sorted(os.listdir(out))
    result = run("export", run_dir, "--onnx", "--quantize", "int8", "--max-fid-change", "0", "--out", out)
    assert result.exit_code == 2 and sorted(os.listdir(out)) == before
    assert not [name for name in os.listdir(out.parent) if name.startswith(".")]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--saved-model", "--quantize", "int8"], "needs the ONNX format"),
        (["--quantize", "int8", "--max-fid-change", "-0.1"], "relative FID change"),
        (["--quantize", "int4"], "Invalid value for '--quantize'"),
    ],
)
def test_bad_quantize_options_are_one_line_with_status_2(quantized, tmp_path, args, fragment):
    run_dir, _, _ = quantized
    result = run("export", run_dir, "--out", tmp_path / "x", *args)
    assert result.exit_code == 2 and fragment in result.output and "Traceback" not in result.output, result.output
    assert os.listdir(tmp_path) == []
