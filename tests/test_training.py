"""Training runs: the run directory, exact resume, atomic checkpoints, divergence."""

import json
import os

import keras
import numpy as np
import pytest

from gantk.errors import RunDirError, TrainingDiverged
from gantk.training.config import resolve_config
from gantk.training.checkpoint import latest_checkpoint, list_checkpoints, restore_checkpoint
from gantk.training.config import TrainConfig
from gantk.training.run import load_run, segments, train

from helpers import TINY


def quiet_train(config, run_dir, resume=False):
    return train(config, run_dir=str(run_dir), resume=resume, progress=False, log=lambda *_: None)


def test_run_directory_holds_everything_that_rebuilds_the_run(tiny_run):
    names = set(os.listdir(tiny_run))
    assert {"config.json", "checkpoints", "samples", "samples.png", "history.jsonl", "generator.keras"} <= names
    config = TrainConfig.load(os.path.join(tiny_run, "config.json"))
    assert config.variant == "dcgan" and config.image_shape == [16, 16, 1] and config.num_examples == 1797
    history = [json.loads(line) for line in open(os.path.join(tiny_run, "history.jsonl"))]
    assert history[-1]["step"] == 4 and {"d_loss", "g_loss", "d_real", "d_fake", "images_per_s"} <= set(history[-1])
    assert os.listdir(os.path.join(tiny_run, "samples")) == ["epoch-0001.png"]
    assert latest_checkpoint(tiny_run).endswith("ckpt-00000004.npz")
    assert not [f for f in os.listdir(os.path.join(tiny_run, "checkpoints")) if f.endswith(".tmp")]


def test_segments_cut_at_epoch_ends_and_checkpoint_intervals():
    assert segments(0, 10, 4) == [(0, 0, 4), (1, 4, 4), (2, 8, 2)]
    assert segments(6, 10, 4) == [(1, 6, 2), (2, 8, 2)]
    assert segments(0, 5, 100, checkpoint_every=2) == [(0, 0, 2), (0, 2, 2), (0, 4, 1)]


def checkpoint_arrays(run_dir):
    with np.load(latest_checkpoint(run_dir)) as stored:
        return {key: stored[key] for key in stored.files}


@pytest.mark.slow
def test_ten_plus_ten_steps_with_a_restart_equal_twenty(tmp_path):
    base = dict(TINY, batch_size=64, generator_ema=0.9)
    quiet_train(resolve_config("dcgan", steps=20, **base), tmp_path / "straight")
    quiet_train(resolve_config("dcgan", steps=10, **base), tmp_path / "restarted")
    quiet_train(resolve_config("dcgan", steps=20, **base), tmp_path / "restarted", resume=True)
    straight, restarted = checkpoint_arrays(tmp_path / "straight"), checkpoint_arrays(tmp_path / "restarted")
    assert straight.keys() == restarted.keys() and int(restarted["step"]) == 20
    assert "generator_average/0000" in straight
    for key in straight:
        np.testing.assert_allclose(restarted[key], straight[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_resume_needs_an_existing_run_and_a_new_run_needs_an_empty_directory(tmp_path, tiny_run):
    config = resolve_config("dcgan", steps=2, **TINY)
    with pytest.raises(RunDirError, match="does not exist"):
        quiet_train(config, tmp_path / "missing", resume=True)
    with pytest.raises(RunDirError, match="already holds a run"):
        quiet_train(config, tiny_run)


def test_a_truncated_checkpoint_is_reported_not_loaded(tmp_path, tiny_run):
    gan = load_run(tiny_run).gan
    broken = tmp_path / "ckpt-00000009.npz"
    broken.write_bytes(open(latest_checkpoint(tiny_run), "rb").read()[:200])
    with pytest.raises(RunDirError, match="cannot be read"):
        restore_checkpoint(gan, str(broken))


class ExplodeAfter(keras.callbacks.Callback):
    """Puts a NaN into the discriminator after a number of batches, as an exploding update would."""

    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def on_train_batch_end(self, batch, logs=None):
        self.batches -= 1
        if self.batches == 0:
            weight = self.model.discriminator.trainable_variables[0]
            weight.assign(np.full(weight.shape, np.nan, dtype="float32"))


def test_nan_losses_stop_training_and_keep_the_last_good_checkpoint(tmp_path):
    run_dir = tmp_path / "diverging"
    config = resolve_config("dcgan", steps=40, checkpoint_every=2, **TINY)
    with pytest.raises(TrainingDiverged, match=r"Training diverged at step 4: \w+ became nan.*ckpt-00000002"):
        train(config, run_dir=str(run_dir), progress=False, extra_callbacks=[ExplodeAfter(3)])
    assert [os.path.basename(p) for p in list_checkpoints(run_dir)] == ["ckpt-00000002.npz"]
    for key, value in checkpoint_arrays(run_dir).items():
        assert np.all(np.isfinite(value)), key
