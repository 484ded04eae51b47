"""Fault injection: ``kill -9`` of training and export at seeded random moments, corrupt checkpoints, concurrent runs.

Each killed command runs as its own ``gantk`` process and is resumed or retried to the end;
the result must equal an uninterrupted run bit for bit, and a kill may lose at most one
checkpoint interval of training (a corrupt newest checkpoint at most one more).
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytestmark = pytest.mark.slow

STEPS, EVERY = 24, 4
TRAIN = ["train", "dcgan", "--dataset", "digits", "--image-size", "16", "--width", "4", "--batch-size", "8",
         "--latent-dim", "8", "--steps", str(STEPS), "--checkpoint-every", str(EVERY), "--log-every", "1", "--quiet"]
TIMEOUT = 300


def gantk(*args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", GANTK_VERBOSE="")
    return subprocess.Popen(
        [sys.executable, "-c", "from gantk.cli.main import main; main()", *map(str, args)],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def finish(process):
    output, _ = process.communicate(timeout=TIMEOUT)
    return process.returncode, output


def logged_steps(run_dir):
    path = os.path.join(run_dir, "steps.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line)["step"] for line in handle if line.endswith("\n") and line.strip()]


def checkpoint_steps(run_dir):
    folder = os.path.join(run_dir, "checkpoints")
    names = os.listdir(folder) if os.path.isdir(folder) else []
    return sorted(int(name[5:13]) for name in names if name.startswith("ckpt-") and name.endswith(".npz"))


def final_arrays(run_dir):
    from gantk.training.checkpoint import latest_checkpoint

    with np.load(latest_checkpoint(run_dir)) as stored:
        return {key: stored[key] for key in stored.files}


def assert_identical(run_dir, reference):
    got, want = final_arrays(run_dir), final_arrays(reference)
    assert got.keys() == want.keys() and int(got["step"]) == STEPS
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    for name in ("history.jsonl", "steps.jsonl"):
        with open(os.path.join(run_dir, name)) as handle:
            text = handle.read()
        steps = [json.loads(line)["step"] for line in text.splitlines()]
        assert steps == sorted(set(steps)) and "NaN" not in text, (name, steps)
    with open(os.path.join(run_dir, "history.jsonl")) as handle, open(os.path.join(reference, "history.jsonl")) as other:
        ours, theirs = ([{k: r[k] for k in ("step", "d_loss", "g_loss")} for r in map(json.loads, f)] for f in (handle, other))
    assert ours == theirs


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same run, never interrupted."""
    folder = tmp_path_factory.mktemp("reference")
    code, output = finish(gantk(*TRAIN, "--out", folder / "run", cwd=folder))
    assert code == 0, output
    return str(folder / "run")


def kill_during_training(run_dir, cwd, rng, resume):
    """Start (or resume) the run and SIGKILL it a random delay after it passed a random step in the first half of
    what is left, so a later attempt still has steps to interrupt; returns the last step it logged, or None when
    it finished first or had no step left to interrupt."""
    done = checkpoint_steps(run_dir)
    start = done[-1] if done else 0
    if start >= STEPS - 1:
        return None
    process = gantk(*TRAIN, "--out", run_dir, *(["--resume"] if resume else []), cwd=cwd)
    target = rng.randint(start + 1, max(start + 1, (start + STEPS) // 2))
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None and (max(logged_steps(run_dir), default=0) < target) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 0.1))
    if process.poll() is not None:
        return None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return max(logged_steps(run_dir), default=0)


def test_kill_9_during_training_resumes_to_a_bit_identical_run(reference, tmp_path):
    rng = random.Random(22)
    run_dir = str(tmp_path / "run")
    kills = 0
    for attempt in range(3):
        reached = kill_during_training(run_dir, tmp_path, rng, resume=attempt > 0)
        if reached is None:
            break
        kills += 1
        kept = checkpoint_steps(run_dir)
        assert reached - (kept[-1] if kept else 0) <= EVERY, (reached, kept)
    assert kills >= 2
    code, output = finish(gantk(*TRAIN, "--out", run_dir, "--resume", cwd=tmp_path))
    assert code == 0, output
    assert not os.path.exists(os.path.join(run_dir, ".lock"))
    assert_identical(run_dir, reference)


def test_a_corrupt_newest_checkpoint_loses_one_more_interval_and_still_ends_identical(reference, tmp_path):
    run_dir = str(tmp_path / "run")
    shutil.copytree(reference, run_dir)
    shutil.rmtree(os.path.join(run_dir, "checkpoints"))
    os.makedirs(os.path.join(run_dir, "checkpoints"))
    for step in (16, 20):
        for suffix in ("", ".sha256"):
            name = f"ckpt-{step:08d}.npz{suffix}"
            shutil.copy(os.path.join(reference, "checkpoints", name), os.path.join(run_dir, "checkpoints", name))
    newest = os.path.join(run_dir, "checkpoints", "ckpt-00000020.npz")
    with open(newest, "r+b") as handle:
        handle.truncate(os.path.getsize(newest) // 2)
    code, output = finish(gantk(*TRAIN, "--out", run_dir, "--resume", cwd=tmp_path))
    assert code == 0, output
    assert "skipped corrupt checkpoint ckpt-00000020.npz" in output and "from step 16" in output
    assert_identical(run_dir, reference)


def test_two_runs_into_one_folder_at_once_one_refuses(tmp_path):
    run_dir = tmp_path / "run"
    first, second = (gantk(*TRAIN, "--out", run_dir, cwd=tmp_path) for _ in range(2))
    results = sorted([finish(first), finish(second)])
    assert [code for code, _ in results] == [0, 2], results
    assert "in use by another gantk process" in results[1][1] or "already holds a run" in results[1][1]
    assert len([line for line in results[1][1].splitlines() if line.startswith("Error")]) == 1
    steps = logged_steps(run_dir)
    assert steps == list(range(1, STEPS + 1))


def export_samples(folder):
    from gantk.export.runtime import Generator

    generator = Generator.load(os.path.join(folder, "generator.onnx"))
    return generator.sample(16, seed=3), {k: v for k, v in generator.metadata.items() if k != "gantk_version"}


def test_kill_9_during_export_leaves_no_damage_and_a_retry_gives_the_same_export(reference, tmp_path):
    started = time.monotonic()
    code, output = finish(gantk("export", reference, "--onnx", "--out", tmp_path / "straight", cwd=tmp_path))
    assert code == 0, output
    duration = time.monotonic() - started
    want_images, want_metadata = export_samples(tmp_path / "straight")
    rng = random.Random(11)
    out = tmp_path / "export"
    for moment in sorted(rng.uniform(0.3, 1.0) * duration for _ in range(2)):
        process = gantk("export", reference, "--onnx", "--out", out, cwd=tmp_path)
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if out.exists():
            images, metadata = export_samples(out)
            np.testing.assert_array_equal(images, want_images)
    code, output = finish(gantk("export", reference, "--onnx", "--out", out, cwd=tmp_path))
    assert code == 0, output
    images, metadata = export_samples(out)
    np.testing.assert_array_equal(images, want_images)
    assert metadata == want_metadata
