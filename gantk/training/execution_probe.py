"""Time the run's own model under several execution settings, in a process of its own.

``gantk.training.autotune`` starts one such process per oneDNN setting, because TensorFlow
reads ``TF_ENABLE_ONEDNN_OPTS`` (and ``ONEDNN_MAX_CPU_ISA``) once, when it loads; XLA and the
compute precision are switched here, model by model. Each candidate is the run's model built
as ``gantk train`` builds it, trained on one batch of the run's data repeated, warmed up, then
timed in rounds that take the candidates in turn (median step)::

    python -m gantk.training.execution_probe CONFIG.json OUT.json --candidates '[{"jit_compile": "on", ...}]'

When the run itself is refused (too few examples for a batch, a dataset without the labels the
variant needs), OUT.json says so (``{"refused": {"error": class name, "message": ...}}``) and the
parent raises that error, so the user reads the one sentence the run would have given.
"""

import argparse
import json

from gantk.errors import GantkError
from gantk.files import write_json_atomically


def failure(error):
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def time_candidates(config, candidates, steps=3, warmup=2, budget_s=3.0, rounds=2):
    """``{"gpus": n, "results": [candidate + {"step_s", "images_per_s"} or {"error"}]}``; no timing on a GPU machine.

    Every candidate is built and warmed up first; then ``rounds`` rounds time each in turn (at
    least ``steps`` steps and ``budget_s / rounds`` seconds a round), so that a change in the
    machine's load during the measurement falls on every candidate alike. The figure is the
    median of all timed steps.
    """
    import statistics

    import numpy as np
    import tensorflow as tf

    from gantk.training.build import build_compiled_gan, seed_everything
    from gantk.training.run import batches_of, load_training_data
    from gantk.training.step_timer import StepTimer
    from gantk.training.tricks import choose_real_reference

    gpus = len(tf.config.list_physical_devices("GPU"))
    if gpus:
        return {"gpus": gpus, "results": []}
    config, data = load_training_data(config)
    examples_per_step = config.batch_size * config.d_steps
    batch = batches_of(config)(data, examples_per_step, seed=config.seed, start_step=0).take(1).cache().repeat()
    models, results = {}, [dict(candidate) for candidate in candidates]
    for index, candidate in enumerate(candidates):
        try:  # a setting this model cannot run under is a result, not a crash
            chosen = config.with_overrides(**candidate)
            seed_everything(chosen.seed)
            models[index] = build_compiled_gan(chosen)
            choose_real_reference(models[index], data, chosen)
            models[index].fit(batch, steps_per_epoch=warmup, epochs=1, verbose=0, shuffle=False)
        except Exception as error:
            models.pop(index, None)
            results[index]["error"] = failure(error)
    gaps = {index: [] for index in models}
    for _ in range(rounds):
        for index in list(models):
            timer = StepTimer(0, min_steps=steps, budget_s=budget_s / rounds)
            try:
                models[index].fit(batch, steps_per_epoch=10 * steps + 1, epochs=1, verbose=0, callbacks=[timer], shuffle=False)
                gaps[index].extend(np.diff(timer.times))
            except Exception as error:
                models.pop(index)
                results[index]["error"] = failure(error)
    for index in models:
        step_s = float(statistics.median(gaps[index]))
        results[index].update(step_s=step_s, images_per_s=examples_per_step / step_s)
    return {"gpus": 0, "results": results}


def main(argv=None):
    from gantk.training.config import TrainConfig

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config")
    parser.add_argument("out")
    parser.add_argument("--candidates", required=True, help="JSON list of {setting: value} overrides.")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--budget", type=float, default=3.0, help="Seconds of timed steps per candidate (at least --steps a round).")
    parser.add_argument("--rounds", type=int, default=2, help="Rounds that time every candidate in turn.")
    args = parser.parse_args(argv)
    try:
        figures = time_candidates(
            TrainConfig.load(args.config), json.loads(args.candidates), args.steps, args.warmup, args.budget, args.rounds
        )
    except GantkError as error:
        write_json_atomically(args.out, {"refused": {"error": type(error).__name__, "message": str(error)}})
        raise SystemExit(2) from None
    write_json_atomically(args.out, figures)


if __name__ == "__main__":
    main()
