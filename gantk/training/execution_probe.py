"""Time the run's own model under several execution settings, in a process of its own.

``gantk.training.autotune`` starts one such process per oneDNN setting, because TensorFlow
reads ``TF_ENABLE_ONEDNN_OPTS`` (and ``ONEDNN_MAX_CPU_ISA``) once, when it loads; XLA and the
compute precision are switched here, model by model. Each candidate is the run's model built
as ``gantk train`` builds it, trained on one batch of the run's data repeated, and timed with
``gantk.training.step_timer`` (median step after warm-up)::

    python -m gantk.training.execution_probe CONFIG.json OUT.json --candidates '[{"jit_compile": "on", ...}]'
"""

import argparse
import json

from gantk.files import write_json_atomically


def time_candidates(config, candidates, steps=3, warmup=2, budget_s=3.0):
    """``{"gpus": n, "results": [candidate + {"step_s", "images_per_s"} or {"error"}]}``; no timing on a GPU machine."""
    import keras
    import tensorflow as tf

    from gantk.training.build import build_compiled_gan, seed_everything
    from gantk.training.run import batches_of, load_training_data
    from gantk.training.step_timer import time_fit
    from gantk.training.tricks import choose_real_reference

    gpus = len(tf.config.list_physical_devices("GPU"))
    if gpus:
        return {"gpus": gpus, "results": []}
    config, data = load_training_data(config)
    examples_per_step = config.batch_size * config.d_steps
    batch = batches_of(config)(data, examples_per_step, seed=config.seed, start_step=0).take(1).cache().repeat()
    results = []
    for candidate in candidates:
        chosen = config.with_overrides(**candidate)
        try:
            seed_everything(chosen.seed)
            gan = build_compiled_gan(chosen)
            choose_real_reference(gan, data, chosen)
            step_s = time_fit(gan, batch, steps, warmup, budget_s=budget_s)
            results.append({**candidate, "step_s": step_s, "images_per_s": examples_per_step / step_s})
        except Exception as error:  # a setting this model cannot run under is a result, not a crash
            results.append({**candidate, "error": f"{type(error).__name__}: {error}".splitlines()[0][:300]})
        finally:
            keras.backend.clear_session()
    return {"gpus": 0, "results": results}


def main(argv=None):
    from gantk.training.config import TrainConfig

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config")
    parser.add_argument("out")
    parser.add_argument("--candidates", required=True, help="JSON list of {setting: value} overrides.")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--budget", type=float, default=3.0, help="Seconds of timed steps per candidate (at least --steps).")
    args = parser.parse_args(argv)
    figures = time_candidates(TrainConfig.load(args.config), json.loads(args.candidates), args.steps, args.warmup, args.budget)
    write_json_atomically(args.out, figures)


if __name__ == "__main__":
    main()
