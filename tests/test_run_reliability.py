"""Run directories that survive hostile use: verified checkpoints, the lock, restarts, honest resumes, history lines."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.errors import ConfigError, RunDirError
from gantk.training.config import resolve_config
from gantk.training.checkpoint import checkpoint_problem, latest_checkpoint, list_checkpoints
from gantk.training.config import TrainConfig
from gantk.training.history import json_line, parse_lines, truncate_after
from gantk.training.lock import RunDirLocked, RunLock
from gantk.training.resume import continued_config, read_changes
from gantk.training.run import train

from helpers import TINY

FLAGS = ["--image-size", 16, "--width", 4, "--batch-size", 8, "--latent-dim", 8, "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def quiet_train(config, run_dir, **kwargs):
    return train(config, run_dir=str(run_dir), progress=False, log=lambda *_: None, **kwargs)


@pytest.fixture(scope="module")
def three_checkpoints(tmp_path_factory):
    """A run of 6 steps checkpointed every 2 steps (ckpt 2, 4, 6), copied by each test that breaks it."""
    run_dir = tmp_path_factory.mktemp("runs") / "three"
    quiet_train(resolve_config("dcgan", steps=6, checkpoint_every=2, **TINY), run_dir)
    return run_dir


def copy_of(run_dir, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(run_dir, target)
    return target


def flip_a_byte(path, offset=-100):
    data = bytearray(open(path, "rb").read())
    data[offset] ^= 0xFF
    open(path, "wb").write(bytes(data))


# Checkpoints verified on load


def test_checkpoints_carry_a_digest_and_pass_verification(three_checkpoints):
    names = sorted(os.listdir(three_checkpoints / "checkpoints"))
    assert [n for n in names if n.endswith(".npz")] == ["ckpt-00000002.npz", "ckpt-00000004.npz", "ckpt-00000006.npz"]
    assert all(n + ".sha256" in names for n in names if n.endswith(".npz"))
    assert all(checkpoint_problem(p) is None for p in list_checkpoints(three_checkpoints))


@pytest.mark.parametrize("damage", ["truncate", "flip", "flip-without-digest"])
def test_a_corrupt_newest_checkpoint_falls_back_to_the_newest_intact_one(three_checkpoints, tmp_path, damage):
    run_dir = copy_of(three_checkpoints, tmp_path)
    newest = run_dir / "checkpoints" / "ckpt-00000006.npz"
    if damage == "truncate":
        newest.write_bytes(newest.read_bytes()[:300])
    elif damage == "flip":
        flip_a_byte(newest)
    else:
        flip_a_byte(newest, len(newest.read_bytes()) // 2)
        os.remove(str(newest) + ".sha256")
    assert checkpoint_problem(str(newest)) is not None
    said = []
    assert latest_checkpoint(str(run_dir), log=said.append).endswith("ckpt-00000004.npz")
    assert len(said) == 1 and "ckpt-00000006.npz" in said[0] and "using ckpt-00000004.npz" in said[0]
    result = run("train", "dcgan", "--steps", 8, "--out", run_dir, "--resume", "--quiet")
    assert result.exit_code == 0, result.output
    assert "skipped corrupt checkpoint ckpt-00000006.npz" in result.output
    assert "Resuming" in result.output and "from step 4" in result.output


def test_no_intact_checkpoint_is_one_sentence_naming_restart(three_checkpoints, tmp_path):
    run_dir = copy_of(three_checkpoints, tmp_path)
    for path in list_checkpoints(str(run_dir)):
        flip_a_byte(path, 50)
    with pytest.raises(RunDirError, match="holds no intact checkpoint.*--restart"):
        latest_checkpoint(str(run_dir))
    result = run("sample", run_dir, "--n", 2, "--out", tmp_path / "s.png")
    assert result.exit_code == 2 and "Traceback" not in result.output and "--restart" in result.output
    result = run("train", "dcgan", "--steps", 2, "--out", run_dir, "--restart", *FLAGS)
    assert result.exit_code == 0, result.output
    assert [os.path.basename(p) for p in list_checkpoints(str(run_dir))] == ["ckpt-00000002.npz"]


def test_a_pickled_object_in_a_checkpoint_is_refused_in_one_sentence(three_checkpoints, tmp_path):
    run_dir = copy_of(three_checkpoints, tmp_path)
    for path in list_checkpoints(str(run_dir)):
        os.remove(path + ".sha256")
        with np.load(path) as stored:
            arrays = {key: stored[key] for key in stored.files}
        arrays["generator/0000"] = np.array([{"payload": 1}], dtype=object)
        np.savez(path, **arrays)
    result = run("sample", run_dir, "--n", 2, "--out", tmp_path / "s.png")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "no intact checkpoint" in result.output


# The lock


def test_the_lock_names_its_owner_and_refuses_a_second_writer(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom gantk.training.lock import RunLock\n"
         f"lock = RunLock({str(tmp_path)!r}).acquire()\nprint('held', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        owner = json.loads((tmp_path / ".lock").read_text())
        assert owner["pid"] == holder.pid and owner["host"]
        with pytest.raises(RunDirLocked, match=rf"in use by another gantk process \(pid {holder.pid} on host"):
            RunLock(str(tmp_path)).acquire()
    finally:
        holder.kill()
        holder.wait()
    said = []
    with RunLock(str(tmp_path), log=said.append):
        assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()
    assert said and f"stale lock of {tmp_path} left by pid {holder.pid}" in said[0] and "no longer running" in said[0]
    assert not (tmp_path / ".lock").exists()


def test_a_lock_from_another_host_is_not_taken_over(tmp_path):
    (tmp_path / ".lock").write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": 0}))
    with pytest.raises(RunDirLocked, match="host 'elsewhere'.*delete .*\\.lock"):
        RunLock(str(tmp_path)).acquire()


def test_train_refuses_a_locked_run_directory_before_loading_data(tmp_path, monkeypatch):
    import gantk.training.run as run_module

    monkeypatch.setattr(run_module, "load_dataset", lambda *a, **k: pytest.fail("data was loaded"))
    with RunLock(str(tmp_path)):
        with pytest.raises(RunDirLocked):
            quiet_train(resolve_config("dcgan", steps=2, **TINY), tmp_path)


def test_out_in_the_dataset_folder_or_under_a_file_is_refused(tmp_path):
    from PIL import Image

    for i in range(4):
        Image.fromarray(np.full((16, 16, 3), i * 40, np.uint8)).save(tmp_path / f"{i}.png")
    for out in (tmp_path, tmp_path / "run"):
        result = run("train", "dcgan", "--dataset", tmp_path, "--steps", 1, "--out", out, *FLAGS)
        assert result.exit_code == 2 and "inside the dataset folder" in result.output, result.output
    assert sorted(os.listdir(tmp_path)) == [f"{i}.png" for i in range(4)]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("train", "dcgan", "--steps", 1, "--out", blocker / "run", *FLAGS)
    assert result.exit_code == 2 and "cannot be created" in result.output and "Traceback" not in result.output


# No stranded run folder


def test_a_run_that_stopped_before_its_first_checkpoint_restarts_by_itself(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    TrainConfig(variant="dcgan").save(str(run_dir / "config.json"))
    (run_dir / "steps.jsonl").write_text('{"step": 10, "steps": 10, "d_loss": 1.0}\n')
    result = run("train", "dcgan", "--steps", 2, "--out", run_dir, *FLAGS)
    assert result.exit_code == 0, result.output
    assert "holds no checkpoint" in result.output and "starting it afresh" in result.output
    assert [json.loads(line)["step"] for line in open(run_dir / "steps.jsonl")] == [2]


def test_resume_without_a_checkpoint_trains_the_saved_configuration_from_step_0(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    resolve_config("dcgan", steps=2, **TINY).save(str(run_dir / "config.json"))
    result = run("train", "dcgan", "--out", run_dir, "--resume", "--quiet")
    assert result.exit_code == 0, result.output
    assert "no checkpoint yet" in result.output and (run_dir / "checkpoints" / "ckpt-00000002.npz").exists()


def test_every_refusal_of_a_run_directory_says_what_to_do(tmp_path, three_checkpoints):
    result = run("train", "dcgan", "--steps", 2, "--out", three_checkpoints, *FLAGS)
    assert result.exit_code == 2 and "--resume" in result.output and "--restart" in result.output
    result = run("train", "dcgan", "--out", three_checkpoints, "--resume", "--restart")
    assert result.exit_code == 2 and "exclude each other" in result.output


# A resume continues the run it names


def test_resume_refuses_flags_that_change_the_model_or_data_listing_them(three_checkpoints, tmp_path):
    run_dir = copy_of(three_checkpoints, tmp_path)
    before = sorted(os.listdir(run_dir / "checkpoints"))
    result = run(
        "train", "dcgan", "--out", run_dir, "--resume", "--batch-size", 32, "--latent-dim", 50,
        "--d-learning-rate", 0.1, "--quiet",
    )
    assert result.exit_code == 2, result.output
    for fragment in ("batch_size (saved 8, given 32)", "latent_dim (saved 8, given 50)", "d_learning_rate"):
        assert fragment in result.output
    (tmp_path / "other").mkdir()
    result = run("train", "wgan", "--out", run_dir, "--resume", "--dataset", tmp_path / "other", "--quiet")
    assert result.exit_code == 2 and "variant (saved 'dcgan', given 'wgan')" in result.output and "dataset" in result.output
    assert sorted(os.listdir(run_dir / "checkpoints")) == before


def test_resume_accepts_the_saved_values_and_records_a_longer_run(three_checkpoints, tmp_path):
    run_dir = copy_of(three_checkpoints, tmp_path)
    result = run("train", "dcgan", "--out", run_dir, "--resume", "--steps", 8, "--batch-size", 8, "--log-every", 3, "--quiet")
    assert result.exit_code == 0, result.output
    assert "steps changed from 6 to 8" in result.output
    changes = read_changes(str(run_dir))
    assert changes[-1]["step"] == 6 and changes[-1]["changed"] == {"log_every": [10, 3], "steps": [6, 8]}
    assert TrainConfig.load(str(run_dir / "config.json")).steps == 8


def test_resume_refuses_steps_below_the_checkpoint(three_checkpoints, tmp_path):
    run_dir = copy_of(three_checkpoints, tmp_path)
    result = run("train", "dcgan", "--out", run_dir, "--resume", "--steps", 3, "--quiet")
    assert result.exit_code == 2 and "at least the checkpoint's step 6" in result.output
    assert TrainConfig.load(str(run_dir / "config.json")).steps == 6


def test_continued_config_compares_only_given_settings():
    saved = resolve_config("dcgan", steps=10, **TINY)
    default = resolve_config("dcgan", steps=20)
    config, changes = continued_config(saved, default, given={"variant", "steps"})
    assert config.batch_size == 8 and config.steps == 20 and changes == {"steps": [10, 20]}
    with pytest.raises(ConfigError, match="image_size"):
        continued_config(saved, default, given=None)
    with_ema = resolve_config("dcgan", generator_ema=0.9, **TINY)
    with pytest.raises(ConfigError, match=r"generator_ema \(saved None, given 0.9\)"):
        continued_config(saved, with_ema, given={"generator_ema"})


def test_resume_reads_the_saved_networks_and_refuses_data_that_fills_in_the_model_otherwise(tmp_path):
    from test_folder_inputs import images_in

    for name in ("cats", "dogs"):
        images_in(tmp_path / "pets" / name, n=8, size=16)
    run_dir = tmp_path / "run"
    flags = ["--dataset", tmp_path / "pets", "--out", run_dir, "--checkpoint-every", 2, *FLAGS]
    assert run("train", "cgan", "--arch", "dcgan", "--steps", 2, *flags).exit_code == 0
    result = run("train", "cgan", "--resume", "--steps", 3, *flags)
    assert result.exit_code == 0, result.output
    images_in(tmp_path / "pets" / "owls", n=8, size=16)
    result = run("train", "cgan", "--resume", "--steps", 5, *flags)
    assert result.exit_code == 2 and "label_names (class names of a labelled dataset) was ['cats', 'dogs'], now ['cats', 'dogs', 'owls']" in result.output, result.output
    assert "--restart" in result.output and "Traceback" not in result.output
    assert sorted(name for name in os.listdir(run_dir / "checkpoints") if name.endswith(".npz")) == ["ckpt-00000002.npz", "ckpt-00000003.npz"]


# History lines


def test_history_lines_are_strict_json_and_torn_lines_are_dropped(tmp_path):
    assert json.loads(json_line({"step": 3, "d_loss": float("nan"), "g": [float("inf")]})) == {"step": 3, "d_loss": None, "g": [None]}
    path = tmp_path / "steps.jsonl"
    path.write_text('{"step": 10}\n{"step": 20}\n{"step": 30}\n{"step": 4')
    truncate_after(str(path), 20)
    assert parse_lines(path.read_text()) == [{"step": 10}, {"step": 20}]


def test_a_resume_neither_loses_nor_repeats_lines(three_checkpoints, tmp_path):
    run_dir = copy_of(three_checkpoints, tmp_path)
    for name in ("ckpt-00000006.npz", "ckpt-00000006.npz.sha256"):
        os.remove(run_dir / "checkpoints" / name)
    with open(run_dir / "steps.jsonl", "a") as handle:
        handle.write('{"step": 7, "d_lo')
    result = run("train", "dcgan", "--out", run_dir, "--resume", "--steps", 8, "--quiet")
    assert result.exit_code == 0, result.output
    for name in ("history.jsonl", "steps.jsonl"):
        text = (run_dir / name).read_text()
        assert "NaN" not in text and "Infinity" not in text
        steps = [record["step"] for record in parse_lines(text)]
        assert steps == sorted(set(steps)), (name, steps)
    assert [r["step"] for r in parse_lines((run_dir / "history.jsonl").read_text())] == [2, 4, 6, 8]


def test_the_history_line_is_written_before_its_checkpoint(tmp_path, monkeypatch):
    import gantk.training.run as run_module

    seen = []
    original = run_module.save_checkpoint

    def spy(gan, run_dir, step, keep=3):
        seen.append([json.loads(line)["step"] for line in open(os.path.join(run_dir, "history.jsonl"))])
        return original(gan, run_dir, step, keep=keep)

    monkeypatch.setattr(run_module, "save_checkpoint", spy)
    quiet_train(resolve_config("dcgan", steps=4, checkpoint_every=2, **TINY), tmp_path / "run")
    assert seen == [[2], [2, 4]]


def test_a_label_out_of_range_is_named_once():
    from types import SimpleNamespace

    from gantk.training.sampling import resolve_labels

    config = SimpleNamespace(num_classes=10, label_names=[str(i) for i in range(10)])
    with pytest.raises(ConfigError) as raised:
        resolve_labels(["12"], 64, config)
    assert str(raised.value) == "Argument `label` must be in [0, 9]. Received: label=12"


def test_a_run_that_diverged_before_its_first_checkpoint_can_be_rerun_in_place(tmp_path):
    import keras

    from gantk.errors import TrainingDiverged

    class Poison(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            weight = self.model.discriminator.trainable_variables[0]
            weight.assign(np.full(weight.shape, np.nan, dtype="float32"))

    config = resolve_config("dcgan", steps=4, **TINY)
    with pytest.raises(TrainingDiverged, match="no checkpoint was written, so rerunning .* starts it afresh"):
        quiet_train(config, tmp_path / "run", extra_callbacks=[Poison()])
    assert (tmp_path / "run" / "config.json").exists() and not list_checkpoints(str(tmp_path / "run"))
    said = []
    train(config, run_dir=str(tmp_path / "run"), progress=False, log=said.append)
    assert any("starting it afresh" in line for line in said)
    assert [os.path.basename(p) for p in list_checkpoints(str(tmp_path / "run"))] == ["ckpt-00000004.npz"]


def test_a_folder_without_a_run_keeps_its_own_files(tmp_path):
    (tmp_path / "samples").mkdir()
    (tmp_path / "samples" / "mine.txt").write_text("keep me")
    (tmp_path / "checkpoints").mkdir()
    result = run("train", "dcgan", "--steps", 1, "--out", tmp_path, "--restart", *FLAGS)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "samples" / "mine.txt").read_text() == "keep me"
