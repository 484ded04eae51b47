"""``auto`` execution settings chosen by measurement: the choice, the cache and its keys, explicit
settings bypassing it. The measurement is injected (no timing) except in one tiny end-to-end run."""

import json
import os

import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.errors import ConfigError, DatasetError
from gantk.training import autotune
from gantk.training.config import resolve_config

from helpers import TINY

MACHINE = {"cpu_model": "Test CPU", "isa": ["avx2", "fma"], "cpus": 2, "tensorflow": "2.21.0", "keras": "3", "environment": {}}
RATES = {("off", "on"): 100.0, ("on", "on"): 80.0, ("off", "off"): 90.0, ("on", "off"): 150.0}
"""Injected images/s by (jit_compile, onednn): XLA without oneDNN fastest, as on an AVX2 CPU."""


class FakeProbe:
    """Stands in for the child processes: records what it was asked and answers from ``rates``."""

    def __init__(self, rates=RATES, gpus=0, fail=None):
        """``rates``: one dict for every call, or a list of them, one per call in turn."""
        self.rates, self.gpus, self.fail, self.calls = rates, gpus, fail, []

    def __call__(self, config, settings, onednn):
        self.calls.append((onednn, settings))
        if isinstance(self.fail, Exception):
            raise self.fail
        if self.fail:
            raise RuntimeError(self.fail)
        if self.gpus:
            return {"gpus": self.gpus, "results": []}
        results = []
        rates = self.rates[len(self.calls) - 1] if isinstance(self.rates, list) else self.rates
        for setting in settings:
            rate = rates[(setting["jit_compile"], onednn)] * (1.5 if setting["precision"] == "mixed_bfloat16" else 1.0)
            results.append({**setting, "onednn": onednn, "images_per_s": rate, "step_s": config.batch_size / rate})
        return {"gpus": 0, "results": results}


@pytest.fixture
def plan(tmp_path, monkeypatch):
    """``plan_execution`` on the test machine, with TensorFlow taken as not loaded and an empty environment."""
    monkeypatch.setattr(autotune, "loaded_onednn", lambda environ=None: None)
    lines = []

    def planned(config, probe, environ=None, machine=MACHINE):
        environ = {} if environ is None else environ
        chosen = autotune.plan_execution(config, log=lines.append, environ=environ, cache_dir=str(tmp_path), probe=probe, machine=machine)
        return chosen, environ

    planned.lines = lines
    return planned


def config_of(**settings):
    return resolve_config("dcgan", **{**TINY, **settings})


def test_auto_picks_the_fastest_setting_and_sets_onednn_before_tensorflow_loads(plan):
    probe = FakeProbe()
    chosen, environ = plan(config_of(), probe)
    assert chosen == {"jit_compile": "on", "onednn": "off", "precision": "float32"}
    assert environ[autotune.ONEDNN_ENV] == "0"
    assert sorted(onednn for onednn, _ in probe.calls) == ["off", "on"], "one child per oneDNN state"
    text = "\n".join(plan.lines)
    assert "Execution: XLA, oneDNN off, float32" in text and "150.0 images/s  <- chosen" in text and "80.0 images/s" in text


def test_a_close_call_between_processes_is_timed_again_and_ranked_by_the_mean(plan, tmp_path):
    first = {("off", "on"): 200.0, ("on", "on"): 190.0, ("off", "off"): 120.0, ("on", "off"): 205.0}
    second = {("off", "on"): 215.0, ("on", "on"): 190.0, ("off", "off"): 120.0, ("on", "off"): 170.0}
    probe = FakeProbe(rates=[first, first, second, second])
    chosen, _ = plan(config_of(), probe)
    assert [(onednn, [s["jit_compile"] for s in settings]) for onednn, settings in probe.calls[2:]] == [
        ("off", ["on"]), ("on", ["off"]),
    ], "the two leaders once more, each in a new process of its oneDNN state, the first-measured state last"
    assert chosen == {"jit_compile": "off", "onednn": "on", "precision": "float32"}, "207.5 on average against 187.5"
    assert any("within 15% of each other" in line for line in plan.lines)
    (name,) = os.listdir(tmp_path / autotune.CACHE_FOLDER)
    with open(tmp_path / autotune.CACHE_FOLDER / name) as handle:
        results = json.load(handle)["results"]
    confirmed = {(r["jit_compile"], r["onednn"]): r.get("process_images_per_s") for r in results}
    assert confirmed[("off", "on")] == [200.0, 215.0] and confirmed[("on", "off")] == [205.0, 170.0]
    assert confirmed[("on", "on")] is None, "a setting its own process ranked second is not timed again"
    clear = FakeProbe()
    plan(config_of(width=8), clear)
    assert len(clear.calls) == 2, "150 against 100 images/s is no close call"


def test_the_cached_choice_is_reused_without_measuring(plan, tmp_path):
    plan(config_of(), FakeProbe())
    again = FakeProbe(rates={key: 1.0 for key in RATES})
    chosen, _ = plan(config_of(seed=5, steps=99, d_learning_rate=1e-3), again)
    assert again.calls == [], "seed, length and learning rates do not change what a step costs"
    assert chosen["jit_compile"] == "on" and chosen["onednn"] == "off"
    files = os.listdir(tmp_path / autotune.CACHE_FOLDER)
    assert len(files) == 1
    with open(tmp_path / autotune.CACHE_FOLDER / files[0]) as handle:
        entry = json.load(handle)
    assert entry["machine"] == MACHINE and entry["model"]["width"] == TINY["width"] and len(entry["results"]) == 4


@pytest.mark.parametrize("change", [
    {"config": {"width": 8}}, {"config": {"batch_size": 16}}, {"config": {"image_size": 32}}, {"config": {"diff_augment": "cutout"}},
    {"machine": {**MACHINE, "tensorflow": "2.22.0"}}, {"machine": {**MACHINE, "isa": ["avx2", "avx512f", "fma"]}},
    {"machine": {**MACHINE, "environment": {"ONEDNN_MAX_CPU_ISA": "AVX2"}}}, {"machine": {**MACHINE, "cpu_model": "Other"}},
])
def test_another_model_or_machine_measures_again(plan, change):
    plan(config_of(), FakeProbe())
    again = FakeProbe()
    plan(config_of(**change.get("config", {})), again, machine=change.get("machine", MACHINE))
    assert len(again.calls) == 2


def test_the_cache_key_leaves_out_settings_at_their_defaults():
    """A setting added to gantk later, at its default, must not make every cached model measure again."""
    signature = autotune.model_signature(config_of())
    assert "diff_augment" not in signature and "info_code" not in signature
    assert {"variant", "width", "batch_size", "image_shape"} <= signature.keys()
    assert autotune.model_signature(config_of(diff_augment="cutout"))["diff_augment"] == "cutout"


def test_retune_variable_measures_again(plan):
    plan(config_of(), FakeProbe())
    again = FakeProbe(rates={**RATES, ("off", "on"): 500.0})
    chosen, _ = plan(config_of(), again, environ={autotune.RETUNE_ENV: "1"})
    assert len(again.calls) == 2 and chosen == {"jit_compile": "off", "onednn": "on", "precision": "float32"}


def test_explicit_settings_are_never_measured(plan):
    probe = FakeProbe()
    chosen, environ = plan(config_of(jit_compile="off", onednn="on", precision="float32"), probe)
    assert probe.calls == [] and chosen == {"onednn": "on"} and environ[autotune.ONEDNN_ENV] == "1"
    chosen, _ = plan(config_of(jit_compile="on", precision="float32"), probe, environ={autotune.ONEDNN_ENV: "0"})
    assert probe.calls == [] and chosen == {}


def test_explicit_xla_leaves_only_onednn_to_measure(plan):
    probe = FakeProbe()
    chosen, _ = plan(config_of(jit_compile="off"), probe)
    assert {setting["jit_compile"] for _, settings in probe.calls for setting in settings} == {"off"}
    assert chosen == {"jit_compile": "off", "onednn": "on", "precision": "float32"}


def test_onednn_in_the_environment_counts_as_explicit(plan):
    probe = FakeProbe()
    chosen, _ = plan(config_of(), probe, environ={autotune.ONEDNN_ENV: "1"})
    assert [onednn for onednn, _ in probe.calls] == ["on"] and chosen["jit_compile"] == "off"
    with pytest.raises(ConfigError, match="contradicts TF_ENABLE_ONEDNN_OPTS=1"):
        plan(config_of(onednn="off"), probe, environ={autotune.ONEDNN_ENV: "1"})
    with pytest.raises(ConfigError, match="must be 0 or 1"):
        plan(config_of(), probe, environ={autotune.ONEDNN_ENV: "maybe"})


def test_bfloat16_is_a_candidate_only_where_the_cpu_computes_it(plan):
    assert autotune.precision_choices("auto", frozenset({"avx2"}), {}) == ("float32",)
    assert autotune.precision_choices("auto", frozenset({"avx512_bf16"}), {}) == ("float32", "mixed_bfloat16")
    assert autotune.precision_choices("float32", frozenset({"avx512_bf16"})) == ("float32",)
    limited = {"ONEDNN_MAX_CPU_ISA": "AVX2"}
    assert autotune.precision_choices("auto", frozenset({"avx512_bf16"}), limited) == ("float32",), "oneDNN kept to AVX2"
    assert autotune.precision_choices("auto", frozenset({"amx_bf16"}), {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"})[1] == "mixed_bfloat16"
    wanted = autotune.candidates(config_of(precision="auto", jit_compile="off"), environ={}, flags=frozenset({"amx_bf16"}))
    assert {(c["onednn"], c["precision"]) for c in wanted} == {("on", "float32"), ("on", "mixed_bfloat16"), ("off", "float32")}


def test_bfloat16_in_graph_mode_without_onednn_is_timed_only_when_nothing_else_is_left():
    amx = frozenset({"amx_bf16"})
    wanted = autotune.candidates(config_of(precision="auto"), environ={}, flags=amx)
    assert len(wanted) == 7 and autotune.EMULATED_BF16 not in wanted
    explicit_bf16 = autotune.candidates(config_of(precision="mixed_bfloat16"), environ={}, flags=amx)
    assert len(explicit_bf16) == 3 and autotune.EMULATED_BF16 not in explicit_bf16
    only = autotune.candidates(config_of(precision="mixed_bfloat16", jit_compile="off", onednn="off"), environ={}, flags=amx)
    assert only == [autotune.EMULATED_BF16]


def test_with_tensorflow_loaded_the_choice_keeps_its_onednn_state(plan, monkeypatch):
    monkeypatch.setattr(autotune, "loaded_onednn", lambda environ=None: "on")
    chosen, environ = plan(config_of(), FakeProbe())
    assert chosen == {"jit_compile": "off", "onednn": "on", "precision": "float32"}
    assert autotune.ONEDNN_ENV not in environ
    assert any("already loaded in this process with oneDNN on" in line for line in plan.lines)
    with pytest.raises(ConfigError, match="needs a new process"):
        plan(config_of(onednn="off"), FakeProbe())


def test_failed_settings_are_skipped_and_a_failed_probe_keeps_the_fixed_rules(plan):
    results = [
        {"jit_compile": "on", "onednn": "on", "precision": "float32", "error": "InvalidArgumentError: no XLA kernel"},
        {"jit_compile": "off", "onednn": "on", "precision": "float32", "images_per_s": 10.0},
    ]
    assert autotune.fastest(results, autotune.candidates(config_of(), environ={}))["jit_compile"] == "off"
    chosen, environ = plan(config_of(), FakeProbe(fail="probe crashed"))
    assert chosen == {} and environ == {}
    assert any("Could not measure" in line and "probe crashed" in line for line in plan.lines)


def test_gpus_and_strategies_keep_the_fixed_rules(plan):
    gpu = FakeProbe(gpus=1)
    assert plan(config_of(), gpu)[0] == {}
    assert plan(config_of(), gpu)[0] == {} and len(gpu.calls) == 1, "the GPU finding is cached too"
    probe = FakeProbe()
    assert plan(config_of(strategy="mirrored"), probe)[0] == {} and probe.calls == []


def test_switched_off_by_the_environment(plan):
    probe = FakeProbe()
    assert plan(config_of(), probe, environ={autotune.AUTOTUNE_ENV: "off"})[0] == {} and probe.calls == []


@pytest.mark.slow
def test_train_auto_measures_logs_caches_and_records_the_choice(tmp_path, monkeypatch):
    """One tiny real run: the child process times the model, the log shows it, the cache and config.json keep it."""
    monkeypatch.setenv("GANTK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(autotune.AUTOTUNE_ENV, "on")
    monkeypatch.setenv(autotune.ONEDNN_ENV, os.environ.get(autotune.ONEDNN_ENV, "1"))
    monkeypatch.setattr(autotune, "PROBE_TIMING", {"steps": 2, "warmup": 1, "budget_s": 0.0})
    out = tmp_path / "run"
    flags = ["--image-size", "16", "--width", "4", "--batch-size", "8", "--latent-dim", "8", "--quiet", "--steps", "2"]
    result = CliRunner().invoke(cli, ["train", "dcgan", *flags, "--jit-compile", "auto", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Measuring 2 execution setting(s)" in result.output and "<- chosen" in result.output
    (cached,) = os.listdir(tmp_path / "cache" / autotune.CACHE_FOLDER)
    with open(tmp_path / "cache" / autotune.CACHE_FOLDER / cached) as handle:
        entry = json.load(handle)
    rates = {r["jit_compile"]: r["images_per_s"] for r in entry["results"]}
    assert set(rates) == {"on", "off"} and all(rate > 0 for rate in rates.values())
    with open(out / "config.json") as handle:
        saved = json.load(handle)
    assert saved["jit_compile"] == max(rates, key=rates.get)
    again = CliRunner().invoke(cli, ["train", "dcgan", *flags, "--out", str(tmp_path / "again")])
    assert again.exit_code == 0 and "Measuring" not in again.output and "cached" in again.output


def test_a_run_the_probe_refuses_is_refused_with_its_own_sentence(plan):
    refusal = DatasetError("The dataset has 3 examples, fewer than the 8 one training step needs.")
    with pytest.raises(DatasetError, match="fewer than the 8"):
        plan(config_of(), FakeProbe(fail=refusal))
    assert not any("Could not measure" in line for line in plan.lines)


@pytest.mark.slow
def test_the_probe_child_reports_a_refused_run_as_its_error(tmp_path):
    """A real child process: a folder with fewer images than a batch is refused as training would refuse it."""
    from PIL import Image

    for index in range(3):
        Image.new("RGB", (16, 16), (index * 80, 0, 0)).save(tmp_path / f"{index}.png")
    config = resolve_config("dcgan", **{**TINY, "dataset": str(tmp_path)})
    with pytest.raises(DatasetError, match="fewer than the 8 one training step needs"):
        autotune.run_probe(config, [{"jit_compile": "off", "precision": "float32"}], "on", timing={"steps": 1, "warmup": 1, "budget_s": 0.0})
