"""Quiet by default: no CUDA or tensorflow-datasets noise on a CPU machine; ``gantk --verbose`` shows it all."""

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.quiet import NO_GPU_NOISE, START_UP_NOISE, VERBOSE_ENV, has_nvidia_device

TRAIN = ["train", "dcgan", "--dataset", "digits", "--image-size", "16", "--width", "4", "--batch-size", "8",
         "--latent-dim", "8", "--steps", "2", "--quiet"]
NOISE = ("cuda", "cuInit", "absl::InitializeLog", "oneDNN", "Variant folder", "E0000", "I0000")


def gantk(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in (VERBOSE_ENV, "TF_CPP_MIN_LOG_LEVEL")}
    code = "from gantk.cli.main import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_filter_drops_only_the_named_lines():
    """In a process of its own, where Python's ``sys.stderr`` writes to file descriptor 2 as in real use
    (pytest's capture would send Python's writes around the filter and race its thread)."""
    code = (
        "import os, sys\n"
        "from gantk.quiet import filtered_stderr\n"
        "with filtered_stderr(('known noise',)):\n"
        "    os.write(2, b'I0000 some known noise here\\nE0000 a real error\\n')\n"
        "    print('a Python warning', file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr.splitlines() == ["E0000 a real error", "a Python warning"], result.stderr


def test_cuda_lines_are_kept_where_there_is_an_nvidia_device():
    from gantk.quiet import noise_patterns

    assert set(noise_patterns()) == set(START_UP_NOISE + (() if has_nvidia_device() else NO_GPU_NOISE))


def test_verbose_is_exported_for_library_code_and_subprocesses(monkeypatch):
    monkeypatch.delenv(VERBOSE_ENV, raising=False)
    result = CliRunner().invoke(cli, ["--verbose", "prepare", "celeb_a", "--manual-dir", "/no/such/folder"])
    assert result.exit_code == 2 and os.environ.get(VERBOSE_ENV) == "1"


@pytest.mark.slow
def test_train_is_quiet_and_prints_its_data_summary(tmp_path):
    result = gantk(*TRAIN, "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if any(word in line for word in NOISE)], result.stderr
    assert "Data: bundled digits (scikit-learn load_digits" in result.stdout
    assert "1797 examples of shape (16, 16, 1)" in result.stdout and "classes: 0, 1, 2" in result.stdout
    assert "First training step done" in result.stdout
    assert os.path.exists(tmp_path / "run" / "data.json")


@pytest.mark.slow
def test_a_tfds_dataset_with_a_bad_file_is_one_line_without_noise(tmp_path):
    """A wrong file in DATA_DIR/downloads/manual stops training before any network access."""
    (tmp_path / "downloads" / "manual").mkdir(parents=True)
    (tmp_path / "downloads" / "manual" / "train-images-idx3-ubyte.gz").write_bytes(b"not mnist")
    result = gantk("train", "dcgan", "--dataset", "mnist", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: Dataset 'mnist': 1 file(s)"), result.stderr
    assert "train-images-idx3-ubyte.gz: 9 bytes" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(has_nvidia_device(), reason="the CUDA messages only appear on a machine without a GPU")
def test_verbose_shows_tensorflows_messages(tmp_path):
    result = gantk("--verbose", *TRAIN, "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Could not find cuda drivers" in result.stderr and "failed call to cuInit" in result.stderr
