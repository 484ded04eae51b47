"""The saturation alarm: a discriminator that has won outright is reported, a healthy one is not."""

import json

from gantk.training.config import resolve_config
from gantk.training.run import train
from gantk.training.saturation import check_saturation

from helpers import TINY


def test_the_rule_on_epoch_means():
    assert not check_saturation({"d_loss": 1.3, "g_loss": 0.8, "d_real": 0.6, "d_fake": 0.4}).saturated
    assert not check_saturation({"d_loss": 0.01, "g_loss": 6.0, "d_real": 0.99, "d_fake": 0.01}).saturated
    pinned = check_saturation({"d_loss": 0.0, "g_loss": 40.0, "d_real": 1.0, "d_fake": 0.0})
    assert pinned.saturated and "pinned at 1 and 0" in pinned.message()
    exploded = check_saturation({"d_loss": 0.0, "g_loss": 3e14, "d_real": 0.7, "d_fake": 0.2})
    assert exploded.saturated and "g_loss 3e+14 is beyond 1e+06" in exploded.message()
    assert not check_saturation({"d_real": 1.0, "d_fake": 0.0}, probability=False).saturated


def test_learning_rates_of_1e6_warn_in_the_progress_bar_and_the_history(tmp_path, capsys):
    config = resolve_config("dcgan", steps=6, d_learning_rate=1e6, g_learning_rate=1e6, checkpoint_every=3, **TINY)
    run_dir = train(config, run_dir=str(tmp_path / "run"), progress=True, log=lambda *_: None)
    records = [json.loads(line) for line in open(f"{run_dir}/history.jsonl")]
    assert records[-1]["saturated"] is True, records
    assert "SATURATED?" in capsys.readouterr().err


def test_a_healthy_run_raises_no_saturation_alarm(tiny_run):
    records = [json.loads(line) for line in open(f"{tiny_run}/history.jsonl")]
    assert [record["saturated"] for record in records] == [False] * len(records)
