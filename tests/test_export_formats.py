"""Exports of one format keep the other format of the same weights, and clean what killed exports left."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.export import staging


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def both(tiny_run, tmp_path_factory):
    """An export of both formats, copied afresh by each test that changes it."""
    out = tmp_path_factory.mktemp("formats") / "export"
    result = run("export", tiny_run, "--out", out)
    assert result.exit_code == 0, result.output
    return tiny_run, out


def fresh_copy(both, tmp_path):
    run_dir, out = both
    target = tmp_path / "export"
    shutil.copytree(out, target)
    return run_dir, target


def test_onnx_export_keeps_the_saved_model_of_the_same_weights(both, tmp_path):
    run_dir, out = fresh_copy(both, tmp_path)
    result = run("export", run_dir, "--onnx", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Kept the SavedModel exported earlier from the same weights (step 4)" in result.output
    assert {"saved_model", "generator.onnx"} <= set(os.listdir(out))
    assert os.path.exists(out / "saved_model" / "saved_model.pb")
    card = (out / "README.md").read_text()
    assert "tf.saved_model.load" in card and "- SavedModel:" in card and "- ONNX:" in card
    assert set(json.loads((out / "export.json").read_text())["parity"]) == {"saved_model", "onnx"}


def test_saved_model_export_keeps_the_onnx_of_the_same_weights(both, tmp_path):
    run_dir, out = fresh_copy(both, tmp_path)
    result = run("export", run_dir, "--saved-model", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Kept the ONNX exported earlier" in result.output
    assert {"saved_model", "generator.onnx"} <= set(os.listdir(out))
    assert "Generator.load" in (out / "README.md").read_text()


def test_a_format_from_other_weights_is_replaced_and_the_log_says_so(both, tmp_path):
    run_dir, out = fresh_copy(both, tmp_path)
    record = json.loads((out / "export.json").read_text())
    record["metadata"]["training_step"] = "999"
    (out / "export.json").write_text(json.dumps(record))
    result = run("export", run_dir, "--onnx", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Replaced the earlier export" in result.output and "SavedModel came from other weights (step 999)" in result.output
    assert "add --saved-model to export it again" in result.output
    assert "saved_model" not in os.listdir(out) and "tf.saved_model.load" not in (out / "README.md").read_text()


def test_an_export_without_a_manifest_is_replaced_with_a_message(both, tmp_path):
    run_dir, out = fresh_copy(both, tmp_path)
    os.remove(out / "export.json")
    result = run("export", run_dir, "--onnx", "--out", out)
    assert result.exit_code == 0, result.output
    assert "an unrecorded step" in result.output and "saved_model" not in os.listdir(out)


def dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def make_staging(parent, name, owner=None, age=0.0):
    folder = parent / name
    folder.mkdir()
    (folder / "generator.onnx").write_bytes(b"partial")
    if owner is not None:
        (folder / staging.OWNER_FILE).write_text(json.dumps(owner))
    if age:
        stamp = time.time() - age
        os.utime(folder, (stamp, stamp))
    return folder


def test_stale_staging_folders_are_removed_and_live_ones_kept(tmp_path):
    out = tmp_path / "export"
    dead = make_staging(tmp_path, ".export.tmp-dead", staging.owner_record(dead_pid()))
    live = make_staging(tmp_path, ".export.tmp-live", staging.owner_record())
    elsewhere = make_staging(tmp_path, ".export.tmp-host", {"pid": 1, "host": "another-host", "start": None})
    orphan = make_staging(tmp_path, ".export.tmp-orphan", age=3600)
    young = make_staging(tmp_path, ".export.tmp-young")
    other_target = make_staging(tmp_path, ".other.tmp-dead", staging.owner_record(dead_pid()))
    messages = []
    removed = staging.clean_stale(str(out), log=messages.append)
    assert sorted(removed) == sorted([str(dead), str(orphan)])
    assert all(os.path.exists(folder) for folder in (live, elsewhere, young, other_target))
    assert not os.path.exists(dead) and not os.path.exists(orphan)
    assert len(messages) == 2 and "no longer runs" in messages[0]


def test_a_reused_pid_is_not_taken_for_the_owner(tmp_path):
    owner = dict(staging.owner_record(), start=-1)
    folder = make_staging(tmp_path, ".export.tmp-reused", owner)
    assert staging.is_stale(str(folder))


def test_an_export_moved_aside_by_an_interrupted_swap_is_restored(tmp_path):
    out = tmp_path / "export"
    parked = make_staging(tmp_path, ".export.old-x", age=3600)
    messages = []
    staging.clean_stale(str(out), log=messages.append)
    assert not os.path.exists(parked) and (out / "generator.onnx").read_bytes() == b"partial"
    assert "Restored the previous export" in messages[0]


@pytest.mark.slow
def test_a_killed_export_leaves_a_folder_that_the_next_export_removes(both, tmp_path):
    run_dir, _ = both
    out = tmp_path / "export"
    process = subprocess.Popen(
        [sys.executable, "-m", "gantk.cli.main", "export", str(run_dir), "--out", str(out)],
        cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not any(
        os.path.exists(os.path.join(folder, staging.OWNER_FILE)) for folder in staging.staging_folders(str(out), "tmp")
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    left = staging.staging_folders(str(out), "tmp")
    assert len(left) == 1 and os.path.exists(os.path.join(left[0], staging.OWNER_FILE))
    result = run("export", run_dir, "--onnx", "--out", out)
    assert result.exit_code == 0, result.output
    assert f"Removed {left[0]}" in result.output
    assert sorted(name for name in os.listdir(tmp_path) if name.startswith(".")) == []
