"""The Python API: ``gantk.train``, ``gantk.load_run`` and ``gantk.sample``.

The top of the library, beside the command line: it wires the layers below together (training
with its periodic evaluation, a run's generator with its sampling). ``import gantk`` reaches these
lazily, so importing the package stays cheap and the exported runtime never needs TensorFlow.
"""

import os

from gantk.errors import RunDirError


def train(variant, run_dir=None, resume=False, restart=False, progress=True, log=print, started_at=None, **settings):
    """Train ``variant`` with ``settings`` (any option of ``gantk.options``) into ``run_dir``; returns it.

    Every setting is checked before any data loads, a resumed run's against its saved networks. With
    ``resume`` the run in ``run_dir`` continues from its last checkpoint, refusing settings that would
    change its model or data; ``restart``
    retrains it from step 0. ``started_at`` (a ``time.time()``) is when the user's command began.
    """
    from gantk.training.config import resolve_config
    from gantk.training.run_dir import check_writable

    if resume and not run_dir:
        raise RunDirError("--resume needs --out RUN_DIR naming the run to continue.")
    given = {name for name, value in settings.items() if value is not None}
    saved = check_run(run_dir) if resume else None
    if saved is not None and "arch" not in given:
        settings = {**settings, "arch": saved.arch}
    config = resolve_config(variant, **settings)
    check_writable(run_dir or "runs")
    chosen = planned_execution(config, given, saved, log)
    config = config.with_overrides(**chosen)
    given |= set(chosen)

    from gantk.evaluation.periodic import PeriodicMetrics
    from gantk.training.run import train as train_run

    return train_run(
        config, run_dir=run_dir, resume=resume, restart=restart, given={"variant", *given}, progress=progress, log=log,
        evaluator=PeriodicMetrics, started_at=started_at,
    )


def planned_execution(config, given, saved, log):
    """The ``auto`` execution settings decided by measurement (``gantk.training.autotune``), before
    TensorFlow loads; a resumed run (``saved``, its ``TrainConfig``) plans from its saved settings, with
    the ones given now on top."""
    from gantk.training.autotune import EXECUTION_SETTINGS, plan_execution

    if saved is not None:
        config = saved.with_overrides(**{name: getattr(config, name) for name in EXECUTION_SETTINGS if name in given})
    return plan_execution(config, log=log, strict=saved is None or "onednn" in given)


def check_run(run_dir):
    """The ``TrainConfig`` of ``run_dir``, read without TensorFlow, so a missing or broken run is refused at once."""
    from gantk.training.config import TrainConfig
    from gantk.training.run_dir import CONFIG, require_run_dir

    return TrainConfig.load(os.path.join(require_run_dir(run_dir), CONFIG))


def load_run(run_dir, checkpoint=None):
    """The ``Run`` of ``run_dir``: its config, compiled model, checkpoint step and path."""
    check_run(run_dir)
    from gantk.training.run import load_run as load

    return load(run_dir, checkpoint)


def sample(run, n=64, seed=0, labels=None, captions=None, code=None):
    """``n`` samples of a run (a ``Run`` or a run directory) for latents of ``seed``: uint8 images
    ``[n, H, W, C]``, or float32 points ``[n, 2]`` for a 2-D run. ``labels``: a class (index or
    name) or one per sample, for a conditional run; ``captions``: one sentence or one per sample,
    for a text-to-image run; ``code``: one category of an InfoGAN run's code for all samples."""
    import numpy as np

    from gantk.training.sampling import generate_images, sample_uint8

    run = load_run(run) if isinstance(run, str) else run
    if run.config.is_points:
        return np.asarray(generate_images(run.gan, run.config, n, seed=seed, labels=labels, code=code), np.float32)
    return sample_uint8(run.gan, run.config, n, seed=seed, labels=labels, captions=captions, code=code)
