"""The top-level Python API: ``gantk.train``, ``gantk.load_run``, ``gantk.sample``."""

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import TINY


def test_import_gantk_is_cheap_and_reaches_the_api_lazily():
    code = "import sys, gantk; loaded = 'tensorflow' in sys.modules; gantk.train; print(loaded, callable(gantk.sample))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == ["False", "True"]


def test_train_load_and_sample_through_the_api(tmp_path):
    import gantk

    run_dir = gantk.train("dcgan", run_dir=str(tmp_path / "run"), progress=False, log=lambda *_: None, steps=2, **TINY)
    run = gantk.load_run(run_dir)
    assert (run.run_dir, run.step, run.config.steps) == (run_dir, 2, 2) and run.checkpoint.endswith("ckpt-00000002.npz")
    images = gantk.sample(run, n=4, seed=1)
    assert images.shape == (4, 16, 16, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(gantk.sample(run_dir, n=4, seed=1), images)


def test_the_api_refuses_a_bad_setting_before_loading_anything(tmp_path):
    import gantk
    from gantk.errors import ConfigError

    with pytest.raises(ConfigError, match=r"Option `batch_size` \(--batch-size\) must be a positive integer. Received: batch_size=0"):
        gantk.train("dcgan", run_dir=str(tmp_path / "run"), batch_size=0)
    assert not (tmp_path / "run").exists()


def test_digits_check_is_a_command(tiny_run):
    from click.testing import CliRunner

    from gantk.cli.main import cli

    result = CliRunner().invoke(cli, ["digits-check", tiny_run, "--n", "50"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert 0 <= report["confident_fraction"] <= 1 and sum(report["class_counts"]) == 50
