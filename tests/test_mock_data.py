"""The ecosystem's fake data: ``tfds.testing.mock_data`` drives gantk's public API with nothing of gantk patched."""

import json
import os

import pytest
import tensorflow_datasets as tfds

from gantk.evaluation.evaluate import evaluate_run
from gantk.training.config import resolve_config
from gantk.training.run import train


@pytest.mark.slow
def test_train_and_evaluate_under_tfds_mock_data(tmp_path):
    config = resolve_config("dcgan", dataset="mnist", image_size=16, width=4, batch_size=4, latent_dim=8, seed=0, steps=2)
    with tfds.testing.mock_data(num_examples=16):
        run_dir = train(config, run_dir=str(tmp_path / "run"), progress=False, log=lambda *_: None)
        result = evaluate_run(run_dir, metrics="fid", n=16, extractor="classifier", cache_dir=str(tmp_path / "cache"), log=lambda *_: None)
    assert result["kind"] == "images" and result["scores"]["fid"] >= 0
    summary = json.loads(open(os.path.join(run_dir, "data.json")).read())
    assert summary["source"] == "tensorflow-datasets" and summary["name"] == "mnist" and summary["num_examples"] == 16
    assert summary["classes"] == [str(d) for d in range(10)]
