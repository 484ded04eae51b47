"""``auto`` execution settings chosen by measuring the run's own model on this machine.

Whether XLA beats TensorFlow's graph mode, whether oneDNN's kernels beat Eigen's and whether
bfloat16 beats float32 depends on the CPU, its instruction sets, the TensorFlow build and the
model: on an AVX-512/AMX Intel CPU graph mode with oneDNN was fastest; on an AVX2-only AMD CPU,
where TensorFlow leaves oneDNN off, XLA was 1.6-1.7x faster than graph mode as TensorFlow runs it
there, and graph mode with oneDNN switched on as fast or faster (docs/scale-and-speed.md). So for
``--jit-compile auto``, ``--onednn auto`` and ``--precision auto`` (bfloat16 only where the CPU
computes it natively) a few steps of the run's model are timed each way, in child processes
(``gantk.training.execution_probe``: TensorFlow reads the oneDNN switch once, when it loads),
and the fastest setting is used and logged with the figures. A process as a whole runs faster or
slower than the next, so when the leaders of the two oneDNN states come within ``PROCESS_SPREAD``
of each other, each is timed in a second process and they rank by the mean of their two figures.

Figures are cached as JSON under ``gantk.files.default_cache_dir()/execution``, keyed by the
machine (``gantk.machine.describe_machine``: CPU model, instruction sets, CPU count, TensorFlow
and Keras versions, the ISA and thread environment variables) and the model's signature (the
settings that shape a step's cost), so later runs start at once. ``GANTK_RETUNE=1`` (or deleting
the file) measures again; ``GANTK_AUTOTUNE=off`` keeps the fixed rules without measuring (the test
suite sets it). Explicit settings are never measured. On a GPU or with several
replicas ``auto`` keeps the fixed rules of ``gantk.training.jit`` and ``gantk.training.precision``.
This module imports no TensorFlow: the oneDNN choice has to be made before TensorFlow loads.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

from gantk import errors
from gantk.errors import ConfigError, GantkError
from gantk.files import default_cache_dir, write_json_atomically
from gantk.machine import describe_machine, native_bf16
from gantk.options import BY_NAME

ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"
RETUNE_ENV = "GANTK_RETUNE"
AUTOTUNE_ENV = "GANTK_AUTOTUNE"
CACHE_FOLDER = "execution"
EXECUTION_SETTINGS = ("jit_compile", "onednn", "precision")
MEASURED_STRATEGIES = ("auto", "default")
COST_FREE = frozenset({
    "seed", "data_dir", "split", "d_learning_rate", "g_learning_rate", "beta_1", "beta_2", "num_examples",
    "label_names", "gantk_version", "precision", "instance_noise_steps",
})
"""Settings that define a model but not what one of its steps costs."""

PROBE_TIMEOUT_S = 3600
PROCESS_SPREAD = 0.15
"""How close the fastest settings of two oneDNN states may come before each is timed in a second
process: on the AVX2-only CPU one probe process ran up to 10% faster or slower than another as a
whole, so a ranking across processes closer than this was as likely noise as not."""
PROBE_TIMING = {"steps": 3, "warmup": 2, "budget_s": 3.0}
"""Per candidate: two untimed steps (tracing, XLA compilation), then at least three timed steps and
more until three seconds of them."""


def onednn_state(value):
    """``"on"`` / ``"off"`` for a ``TF_ENABLE_ONEDNN_OPTS`` value (TensorFlow's default, unset, is on)."""
    if value is None:
        return "on"
    lowered = str(value).strip().lower()
    if lowered in ("0", "false", "off", "no"):
        return "off"
    if lowered in ("1", "true", "on", "yes"):
        return "on"
    raise ConfigError(f"Environment variable `{ONEDNN_ENV}` must be 0 or 1. Received: {ONEDNN_ENV}={value!r}")


def onednn_choices(mode, environ=None):
    """The oneDNN states to consider: an explicit ``--onednn`` or ``TF_ENABLE_ONEDNN_OPTS`` wins over ``auto``."""
    environ = os.environ if environ is None else environ
    from_env = onednn_state(environ[ONEDNN_ENV]) if ONEDNN_ENV in environ else None
    if mode != "auto":
        if from_env is not None and from_env != mode:
            raise ConfigError(
                f"--onednn {mode} contradicts {ONEDNN_ENV}={environ[ONEDNN_ENV]} in the environment; drop one of them."
            )
        return (mode,)
    return (from_env,) if from_env is not None else ("on", "off")


def jit_choices(mode):
    return ("off", "on") if mode == "auto" else (mode,)


def precision_choices(mode, flags=None, environ=None):
    """``auto`` considers bfloat16 only where the CPU computes it natively."""
    if mode != "auto":
        return (mode,)
    return ("float32", "mixed_bfloat16") if native_bf16(flags, environ) else ("float32",)


EMULATED_BF16 = {"jit_compile": "off", "onednn": "off", "precision": "mixed_bfloat16"}
"""Graph mode with oneDNN off computes bfloat16 in TensorFlow's own kernels, which the wheel builds
without bf16 arithmetic: several times slower than float32 on every bf16 CPU measured, and a 64x64
step of it lasts minutes (docs/scale-and-speed.md). Never timed unless it is all that is left."""


def candidates(config, environ=None, flags=None):
    """Every combination of the settings ``config`` leaves to measurement but ``EMULATED_BF16``, as dicts."""
    environ = os.environ if environ is None else environ
    every = [
        dict(zip(EXECUTION_SETTINGS, (jit, onednn, precision)))
        for onednn in onednn_choices(config.onednn, environ)
        for jit in jit_choices(config.jit_compile)
        for precision in precision_choices(config.precision, flags, environ)
    ]
    return [candidate for candidate in every if candidate != EMULATED_BF16] or every


NAMED = ("variant", "image_shape", "width", "batch_size")
"""Settings a cache file's name shows (``config_name``), kept in the signature even at their defaults."""


def model_signature(config):
    """The settings that decide what one training step of ``config`` costs; those at their declared
    default are left out, so an option gantk adds later does not change the key of every cached model."""
    return {
        name: value for name, value in sorted(config.to_dict().items())
        if BY_NAME[name].on_resume == "fixed" and name not in COST_FREE and (name in NAMED or value != BY_NAME[name].default)
    }


def cache_path(machine, signature, cache_dir=None):
    key = hashlib.sha256(json.dumps([machine, signature], sort_keys=True).encode()).hexdigest()[:20]
    return os.path.join(cache_dir or default_cache_dir(), CACHE_FOLDER, f"{config_name(signature)}-{key}.json")


def config_name(signature):
    shape = "x".join(str(side) for side in signature.get("image_shape") or ())
    return f"{signature.get('variant')}-{shape}-w{signature.get('width')}-b{signature.get('batch_size')}"


def same_settings(result, candidate):
    return all(result.get(name) == value for name, value in candidate.items())


def fastest(results, allowed):
    """The result with the most images/s among those matching one of ``allowed`` (ties: the earlier one)."""
    usable = [r for r in results if "images_per_s" in r and any(same_settings(r, c) for c in allowed)]
    if not usable:
        return None
    return max(usable, key=lambda result: result["images_per_s"])


def describe_setting(result):
    jit = "XLA" if result["jit_compile"] == "on" else "graph"
    return f"{jit}, oneDNN {result['onednn']}, {result['precision']}"


def loaded_onednn(environ=None):
    """The oneDNN state TensorFlow was loaded with in this process, or None if it is not loaded yet."""
    if "tensorflow" not in sys.modules:
        return None
    environ = os.environ if environ is None else environ
    return onednn_state(environ.get(ONEDNN_ENV))


def run_probe(config, settings, onednn, timing=PROBE_TIMING):
    """Time ``settings`` (dicts of jit_compile and precision) in a child process with oneDNN ``onednn``."""
    import gantk

    with tempfile.TemporaryDirectory(prefix="gantk-probe-") as folder:
        config_path, out = os.path.join(folder, "config.json"), os.path.join(folder, "figures.json")
        config.save(config_path)
        source_root = os.path.dirname(os.path.dirname(os.path.abspath(gantk.__file__)))
        env = dict(
            os.environ, TF_ENABLE_ONEDNN_OPTS="1" if onednn == "on" else "0", TF_CPP_MIN_LOG_LEVEL="2",
            PYTHONPATH=os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")])),
        )
        command = [
            sys.executable, "-m", "gantk.training.execution_probe", config_path, out, "--candidates", json.dumps(settings),
            "--steps", str(timing["steps"]), "--warmup", str(timing["warmup"]), "--budget", str(timing["budget_s"]),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
        figures = probe_figures(out, done)
    figures["results"] = [{**result, "onednn": onednn} for result in figures["results"]]
    return figures


def probe_figures(out, done):
    """The figures a probe child wrote to ``out``. Its refusal of the run is raised as the
    ``gantk.errors`` error it was; any other failure of ``done`` (the finished child) as a RuntimeError."""
    try:
        with open(out) as handle:
            figures = json.load(handle)
    except (OSError, json.JSONDecodeError):
        figures = None
    refused = (figures or {}).get("refused")
    if refused:
        raise getattr(errors, refused["error"], GantkError)(refused["message"])
    if done.returncode or figures is None:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"the probe exited with status {done.returncode}")
    return figures


def load_cache(path, environ):
    if environ.get(RETUNE_ENV, "").strip() not in ("", "0"):
        return None
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, json.JSONDecodeError):
        return None


def measure_missing(config, wanted, entry, log, probe=run_probe):
    """Measure the candidates of ``wanted`` that ``entry`` has no figures for, one child per oneDNN state."""
    missing = [c for c in wanted if not any(same_settings(r, c) for r in entry["results"])]
    for onednn in dict.fromkeys(c["onednn"] for c in missing):
        settings = [{k: c[k] for k in ("jit_compile", "precision")} for c in missing if c["onednn"] == onednn]
        log(f"Measuring {len(settings)} execution setting(s) with oneDNN {onednn} on this run's model "
            f"(once per machine and model; cached in {entry['path']}) ...")
        started = time.perf_counter()
        figures = probe(config, settings, onednn)
        entry["gpus"] = figures.get("gpus", 0)
        if entry["gpus"]:
            return
        entry["results"].extend(figures["results"])
        log(f"  measured in {time.perf_counter() - started:.0f} s")


def close_rivals(results, wanted):
    """The fastest result of ``wanted`` and the fastest of the other oneDNN state, when that one is
    within ``PROCESS_SPREAD`` of it (two processes then decide between them); else None."""
    usable = sorted(
        (r for r in results if "images_per_s" in r and any(same_settings(r, c) for c in wanted)),
        key=lambda result: -result["images_per_s"],
    )
    if not usable:
        return None
    first = usable[0]
    rival = next((r for r in usable if r["onednn"] != first["onednn"]), None)
    if rival is None or rival["images_per_s"] < (1 - PROCESS_SPREAD) * first["images_per_s"]:
        return None
    return first, rival


def confirm_close_call(config, wanted, entry, log, probe=run_probe):
    """Time the two ``close_rivals`` once more, each in a new process of its oneDNN state, in the
    reverse order of the first measurement; each then ranks by the mean of its two processes."""
    rivals = close_rivals(entry["results"], wanted)
    if rivals is None:
        return
    log(f"{describe_setting(rivals[0])} and {describe_setting(rivals[1])} measured within "
        f"{100 * PROCESS_SPREAD:.0f}% of each other in different processes; timing each in a second process ...")
    for result in sorted(rivals, key=lambda r: r["onednn"] == entry["results"][0]["onednn"]):
        again = probe(config, [{k: result[k] for k in ("jit_compile", "precision")}], result["onednn"])["results"][0]
        if "images_per_s" not in again:
            continue
        result["process_images_per_s"] = [result["images_per_s"], again["images_per_s"]]
        result["images_per_s"] = sum(result["process_images_per_s"]) / 2
        result["step_s"] = config.batch_size * config.d_steps / result["images_per_s"]


def figures_lines(results, chosen):
    lines = []
    for result in sorted(results, key=lambda r: -r.get("images_per_s", -1.0)):
        figure = f"{result['images_per_s']:9.1f} images/s" if "images_per_s" in result else f"failed: {result['error']}"
        mark = "  <- chosen" if result is chosen else ""
        lines.append(f"  {describe_setting(result):<32} {figure}{mark}")
    return lines


def plan_execution(config, log=print, environ=None, cache_dir=None, probe=run_probe, machine=None, strict=True, fresh_process=False):
    """The settings ``config`` leaves to ``auto`` that measurement decides: ``{name: value}`` for
    ``jit_compile``, ``onednn`` and ``precision`` (empty when nothing is measured: everything
    explicit, a distribution strategy, a GPU, or a failed measurement). Sets ``TF_ENABLE_ONEDNN_OPTS``
    for the chosen oneDNN state when TensorFlow is not loaded yet; ``fresh_process`` chooses as a new
    process would even where TensorFlow is loaded (the benchmark, which passes a copy of the environment)."""
    environ = os.environ if environ is None else environ
    wanted = candidates(config, environ)
    explicit_onednn = {"onednn": config.onednn} if config.onednn != "auto" else {}
    loaded = None if fresh_process else loaded_onednn(environ)
    apply_onednn(explicit_onednn.get("onednn"), environ, log, strict, loaded)
    switched_off = environ.get(AUTOTUNE_ENV, "").strip().lower() in ("0", "off", "false", "no")
    if len(wanted) == 1 or config.strategy not in MEASURED_STRATEGIES or switched_off:
        return explicit_onednn
    machine = machine or describe_machine(environ)
    signature = model_signature(config)
    path = cache_path(machine, signature, cache_dir)
    entry = load_cache(path, environ) or {"machine": machine, "model": signature, "results": [], "gpus": 0}
    entry["path"] = path
    cached = not entry["gpus"] and all(any(same_settings(r, c) for r in entry["results"]) for c in wanted)
    if not entry["gpus"] and not cached:
        try:
            measure_missing(config, wanted, entry, log, probe)
            confirm_close_call(config, wanted, entry, log, probe)
        except GantkError:
            raise
        except (OSError, RuntimeError, ValueError, KeyError, subprocess.SubprocessError) as error:
            log(f"Could not measure the execution settings ({error}); using the fixed rules (docs/scale-and-speed.md).")
            return explicit_onednn
        entry["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        write_json_atomically(path, {k: v for k, v in entry.items() if k != "path"})
    if entry["gpus"]:
        return explicit_onednn
    allowed = [c for c in wanted if loaded is None or c["onednn"] == loaded]
    chosen = fastest(entry["results"], allowed)
    if chosen is None:
        log("No execution setting ran in the measurement; using the fixed rules.")
        return explicit_onednn
    best = fastest(entry["results"], wanted)
    source = f"cached {entry.get('measured_at', '')}, {path}" if cached else f"kept in {path}"
    log(f"Execution: {describe_setting(chosen)}, the fastest of {len(wanted)} settings measured on this machine "
        f"for this model ({source}; {RETUNE_ENV}=1 measures again):")
    for line in figures_lines([r for r in entry["results"] if any(same_settings(r, c) for c in wanted)], chosen):
        log(line)
    if best is not chosen:
        log(f"TensorFlow is already loaded in this process with oneDNN {loaded}; "
            f"start a new process for {describe_setting(best)} ({best['images_per_s']:.1f} images/s).")
    apply_onednn(chosen["onednn"], environ, log, strict, loaded)
    return {name: chosen[name] for name in EXECUTION_SETTINGS}


def apply_onednn(state, environ, log, strict, loaded):
    """Set ``TF_ENABLE_ONEDNN_OPTS`` for ``state`` before TensorFlow loads (``loaded`` is None). After, a
    contradiction is refused (``strict``, an explicit ``--onednn``) or logged (a resumed run's saved state)."""
    if state is None:
        return
    if loaded is None:
        environ[ONEDNN_ENV] = "1" if state == "on" else "0"
    elif loaded != state:
        problem = (f"--onednn {state} needs a new process: TensorFlow is already loaded here with oneDNN {loaded} "
                   f"(set {ONEDNN_ENV}={'1' if state == 'on' else '0'} before importing it).")
        if strict:
            raise ConfigError(problem)
        log(problem.replace("needs a new process", "is not applied") + " The run continues with oneDNN " + loaded + ".")
