"""``--cpu-minutes``: a run ends, whole, once its CPU time reaches the budget, and resumes with a larger one."""

import json

import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.errors import ConfigError
from gantk.training.config import resolve_config
from gantk.training.cpu_budget import CpuBudget

from helpers import TINY

TINY_FLAGS = ["--image-size", "16", "--width", "4", "--batch-size", "8", "--latent-dim", "8", "--quiet"]
TINY_BUDGET = 1e-6
"""Minutes of CPU time that any process has used before its first training step."""


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def history(run_dir):
    return [json.loads(line) for line in (run_dir / "history.jsonl").read_text().splitlines()]


class FakeModel:
    stop_training = False


def test_the_budget_stops_at_the_first_step_that_reaches_it():
    seconds = iter([0.0, 30.0, 61.0, 200.0])
    budget = CpuBudget(2.0, spent=1.0, first_step=10, clock=lambda: next(seconds))
    budget.set_model(FakeModel())
    for batch in range(3):
        budget.on_train_batch_end(batch)
        if budget.model.stop_training:
            break
    assert budget.reached_at == 13 and budget.step == 13 and budget.model.stop_training


def test_no_budget_never_stops():
    budget = CpuBudget(None, clock=lambda: 1e9)
    budget.set_model(FakeModel())
    budget.on_train_batch_end(0)
    assert budget.reached_at is None and not budget.model.stop_training


def test_a_tiny_budget_ends_the_run_after_its_first_step_with_everything_saved(tmp_path):
    run_dir = tmp_path / "run"
    result = run("train", "dcgan", "--steps", 6, "--cpu-minutes", TINY_BUDGET, "--checkpoint-every", 3, "--out", run_dir, *TINY_FLAGS)
    assert result.exit_code == 0, result.output
    assert "CPU budget of 1e-06 minutes reached at step 1 of 6" in result.output
    assert [r["step"] for r in history(run_dir)] == [1]
    assert history(run_dir)[0]["cpu_minutes"] > TINY_BUDGET
    assert [p.name for p in (run_dir / "checkpoints").glob("ckpt-*.npz")] == ["ckpt-00000001.npz"]
    assert (run_dir / "generator.keras").exists() and (run_dir / "samples.png").exists()
    assert run("sample", run_dir, "--n", 4, "--out", tmp_path / "s.npy").exit_code == 0

    refused = run("train", "dcgan", "--out", run_dir, "--resume", "--quiet")
    assert refused.exit_code == 2 and "must exceed the" in refused.output and "Traceback" not in refused.output

    resumed = run("train", "dcgan", "--cpu-minutes", 1e6, "--out", run_dir, "--resume", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    records = history(run_dir)
    assert [r["step"] for r in records] == [1, 3, 6] and "CPU budget" not in resumed.output
    assert records[0]["cpu_minutes"] < records[1]["cpu_minutes"] < records[2]["cpu_minutes"]


@pytest.mark.parametrize("minutes", [0, -1.0, float("nan")])
def test_a_budget_must_be_a_positive_number(minutes):
    with pytest.raises(ConfigError, match="cpu_minutes"):
        resolve_config("dcgan", cpu_minutes=minutes, **TINY)
