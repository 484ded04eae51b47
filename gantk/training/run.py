"""Train a registered variant end to end: data, model, checkpoints, sample grids, history.

The run is cut into segments at epoch ends and checkpoint intervals; each segment is one
``fit`` call on batches that start exactly at its first step, so stopping after any segment
and resuming gives the same result as never stopping.
"""

import contextlib
import os
import time
from dataclasses import dataclass

from gantk import zoo
from gantk.data import load_dataset
from gantk.data.captioned import caption_vocabulary
from gantk.data.captions import preview_captions
from gantk.data.pipeline import steps_per_epoch, training_batches
from gantk.data.summary import describe, save_summary, summary_lines
from gantk.errors import ConfigError, RunDirError, TrainingDiverged
from gantk.images import save_images
from gantk.latents import grid_columns, grid_size
from gantk.nets.text import IMAGE_ENCODER_VERSION
from gantk.training import run_dir as layout
from gantk.training import workers
from gantk.training.build import build_compiled_gan, seed_everything
from gantk.training.callbacks import DivergenceGuard, ProgressBar
from gantk.training.checkpoint import checkpoint_step, latest_checkpoint, list_checkpoints, restore_checkpoint, save_checkpoint
from gantk.training.config import TrainConfig
from gantk.training.cpu_budget import CpuBudget, check_budget, minutes_spent
from gantk.training.data_init import initialize_weight_norm
from gantk.training.first_step import FirstStepTimer
from gantk.training.history import append_line, truncate_after
from gantk.training.lock import RunLock
from gantk.training.distribute import get_strategy
from gantk.training.monitor import TrainingMonitor
from gantk.training.points import evaluate_points, write_scatter
from gantk.training.precision import resolve_precision
from gantk.training.resume import changes_text, check_filled_in, check_length, clear_run, continued_config, record_changes
from gantk.training.sampling import sample_uint8
from gantk.training.schedule import segments, total_steps
from gantk.training.text_pretraining import initialize_text_encoder
from gantk.training.tricks import choose_real_reference

SAMPLE_GRID_SIZE = 64


def with_data(config, data):
    """The configuration completed with what the data turned out to be (its size and classes)."""
    if tuple(config.image_shape) != tuple(data.element_shape):
        raise ConfigError(
            f"Dataset {config.dataset!r} gave examples of shape {tuple(data.element_shape)}, "
            f"not the {tuple(config.image_shape)} the configuration resolved."
        )
    captioned = zoo.get(config.variant).captioned
    vocabulary = caption_vocabulary(data, config.variant) if captioned else None
    return config.with_overrides(
        num_examples=data.num_examples, label_names=data.label_names, vocabulary=vocabulary,
        image_encoder_version=IMAGE_ENCODER_VERSION if captioned and config.caption_matching else None,
    )


def check_labels(config, data):
    if zoo.get(config.variant).conditional and not data.label_names:
        raise ConfigError(f"The {config.variant} variant needs labels but dataset {config.dataset!r} has none.")


def prepare_data(config, data):
    """The examples the variant trains on: the loaded data, or what its recipe's ``prepare_data`` cuts from it."""
    recipe = zoo.get(config.variant)
    return recipe.prepare_data(config, data) if recipe.prepare_data else data


def load_training_data(config):
    """(the configuration completed by the data, the examples the variant trains on)."""
    data = load_dataset(
        config.dataset, image_size=config.image_size, channels=config.channels,
        split=config.split, data_dir=config.data_dir,
    )
    data = prepare_data(config, data)
    return with_data(config, data), data


def batches_of(config):
    """The variant's batching function ``(data, examples_per_step, seed, start_step) -> tf.data``."""
    return zoo.get(config.variant).batches or training_batches


def grid_rows(gan, config):
    """Rows of a run's sample grid: one per class, one per preview caption of a text-to-image run, else 0 (free)."""
    if getattr(gan, "captioned", False):
        return len(preview_captions())
    return config.num_classes if gan.conditional else 0


def write_samples(gan, config, run_dir, name):
    rows = grid_rows(gan, config)
    images = sample_uint8(gan, config, grid_size(SAMPLE_GRID_SIZE, rows), seed=config.seed)
    columns = grid_columns(len(images), rows) if rows else None
    path = save_images(images, os.path.join(run_dir, layout.SAMPLES, name), columns=columns)
    save_images(images, os.path.join(run_dir, layout.LATEST_SAMPLES), columns=columns)
    return path


def append_history(run_dir, record):
    append_line(os.path.join(run_dir, layout.HISTORY), record)


def prepare_run(config, run_dir, resume, restart=False, given=None, log=print):
    """(configuration to train with, checkpoint to start from or None, settings the resume changed).

    A new run needs a directory without a run in it, or one whose run stopped before its first
    checkpoint (nothing of value: it is cleared and trained afresh); ``restart`` clears any run.
    A resume trains the saved configuration, with only the changes ``gantk.training.resume``
    allows of the settings named in ``given``.
    """
    config_path = os.path.join(run_dir, layout.CONFIG)
    if resume and restart:
        raise ConfigError("--resume and --restart exclude each other: --resume continues the run, --restart retrains it from step 0.")
    if restart or not resume:
        if not os.path.exists(config_path):
            return config, None, {}
        if restart:
            log(f"Restarting {run_dir} from step 0: its checkpoints and history are deleted.")
        elif list_checkpoints(run_dir) or os.path.exists(os.path.join(run_dir, layout.GENERATOR)):
            raise RunDirError(
                f"Run directory {run_dir!r} already holds a run; pass --resume to continue it, "
                "--restart to retrain it from step 0, or choose another --out."
            )
        else:
            log(f"Run directory {run_dir} holds no checkpoint (its run stopped before the first one); starting it afresh.")
        clear_run(run_dir)
        return config, None, {}
    layout.require_run_dir(run_dir)
    saved = TrainConfig.load(config_path)
    config, changes = continued_config(saved, config, given)
    checkpoint = latest_checkpoint(run_dir, log)
    if checkpoint is None:
        log(f"Run directory {run_dir} has no checkpoint yet; training its saved configuration from step 0.")
    else:
        check_length(config, checkpoint_step(checkpoint))
    return config, checkpoint, changes


def check_out_dir(run_dir, dataset):
    """Refuse a run directory that is the dataset folder or inside it (the run would join the data)."""
    if isinstance(dataset, str) and os.path.isdir(dataset):
        data, out = os.path.realpath(dataset), os.path.realpath(run_dir)
        if out == data or out.startswith(data.rstrip(os.sep) + os.sep):
            raise RunDirError(
                f"Run directory {run_dir!r} is inside the dataset folder {dataset!r}, so the run's images would "
                "become training data; choose an --out outside it."
            )


@contextlib.contextmanager
def claimed_run_dir(run_dir, log=print):
    """Create ``run_dir`` if needed and hold its lock; folders made here and left empty are removed."""
    made = []
    folder = os.path.abspath(run_dir)
    while not os.path.isdir(folder) and folder != os.path.dirname(folder):
        made.append(folder)
        folder = os.path.dirname(folder)
    try:
        os.makedirs(run_dir, exist_ok=True)
    except OSError as error:
        raise RunDirError(
            f"Run directory {run_dir!r} cannot be created ({error.strerror or error}); choose another --out."
        ) from None
    try:
        if not os.access(run_dir, os.W_OK | os.X_OK):
            raise RunDirError(f"Run directory {run_dir!r} is not writable; choose another --out.")
        with RunLock(run_dir, log=log):
            yield run_dir
    finally:
        for folder in made:
            if os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)


def train(
    config, run_dir=None, resume=False, progress=True, extra_callbacks=(), log=print, restart=False, given=None,
    evaluator=None, started_at=None,
):
    """Train ``config`` into ``run_dir`` (new, or continued with ``resume``); returns the run directory.

    ``restart`` retrains a run directory from step 0; ``given`` names the settings the user set
    (compared with the saved run on ``resume``; ``None``: every setting of ``config``).
    ``evaluator`` makes the ``--eval-every`` metrics (see ``TrainingMonitor``). ``started_at`` (a
    ``time.time()``, default now) is when the user's command began: the log says how long it took
    to reach the first training step.
    """
    started_at = started_at or time.time()
    run_dir = run_dir or layout.new_run_dir(config.variant)
    check_out_dir(run_dir, config.dataset)
    if resume:
        layout.require_run_dir(run_dir)
    strategy = get_strategy(config.strategy)
    writes = workers.write_dir(run_dir, strategy)
    if writes != run_dir:
        return _train(config, run_dir, writes, strategy, resume, restart, given, progress, extra_callbacks, log, evaluator, started_at)
    with claimed_run_dir(run_dir, log=log):
        return _train(config, run_dir, writes, strategy, resume, restart, given, progress, extra_callbacks, log, evaluator, started_at)


def _train(config, run_dir, writes, strategy, resume, restart, given, progress, extra_callbacks, log, evaluator, started_at):
    config, checkpoint, changes = prepare_run(config, run_dir if resume else writes, resume, restart, given, log)
    check_out_dir(run_dir, config.dataset)
    config = config.with_overrides(precision=resolve_precision(config.precision))
    saved = config
    config, data = load_training_data(config)
    if checkpoint:
        check_filled_in(saved, config, run_dir)
    data_summary = describe(data)
    if getattr(data, "record", None):
        data_summary.update(data.record())
    for line in summary_lines(data_summary):
        log(line)
    check_labels(config, data)
    batches = batches_of(config)
    examples_per_step = config.batch_size * config.d_steps
    per_epoch = steps_per_epoch(data.num_examples, examples_per_step)
    total = total_steps(config, per_epoch)
    step = checkpoint_step(checkpoint) if checkpoint else 0
    if total < step:
        raise ConfigError(
            f"The run would end at step {total}, before the checkpoint's step {step}; pass --steps or --epochs "
            "that reach at least that far to resume it."
        )
    pieces = segments(step, total, per_epoch, config.checkpoint_every)
    if config.cpu_minutes is not None and workers.cluster_task(strategy)[0] is not None:
        raise ConfigError(
            "Option `cpu_minutes` (--cpu-minutes) counts one process's CPU time, so a multi-worker run's workers "
            "would stop at different steps; bound a multi-worker run with --steps or --epochs."
        )
    spent = minutes_spent(run_dir, step) if checkpoint else 0.0
    check_budget(config.cpu_minutes, spent, step)

    if config.batch_size % strategy.num_replicas_in_sync:
        raise ConfigError(
            f"Argument `batch_size` must be divisible by the {strategy.num_replicas_in_sync} replicas. "
            f"Received: batch_size={config.batch_size}"
        )
    seed_everything(config.seed)
    with strategy.scope():
        gan = build_compiled_gan(config)
    choose_real_reference(gan, data, config)
    if getattr(gan, "captioned", False) and not checkpoint:
        initialize_text_encoder(gan, config, data, log)
    if config.weight_norm and not checkpoint:
        initialize_weight_norm(gan, next(iter(batches(data, examples_per_step, seed=config.seed, start_step=0))), config)
    if checkpoint:
        if restore_checkpoint(gan, checkpoint) != step:
            raise RunDirError(f"Checkpoint {checkpoint} holds another step than its name says; it was renamed or replaced.")
        log(f"Resuming {run_dir} from step {step}" + (f" ({changes_text(changes)})." if changes else "."))
    for name in (layout.HISTORY, layout.STEPS):
        truncate_after(os.path.join(writes, name), step)
    config.save(os.path.join(writes, layout.CONFIG))
    record_changes(writes, step, changes)
    save_summary(writes, data_summary)
    first_step = FirstStepTimer(started_at, log=log)

    bar = ProgressBar(total, examples_per_step, first_step=step) if progress else None
    monitor = TrainingMonitor(config, writes, data, bar=bar, log=log, evaluator=evaluator)
    budget = CpuBudget(config.cpu_minutes, spent, first_step=step)
    for epoch, first, count in pieces:
        guard = DivergenceGuard(first)
        callbacks = [guard, budget, first_step, *([bar] if bar else []), *monitor.callbacks(first), *extra_callbacks]
        started = time.perf_counter()
        history = gan.fit(
            batches(data, examples_per_step, seed=config.seed, start_step=first),
            steps_per_epoch=count, initial_epoch=epoch, epochs=epoch + 1,
            callbacks=callbacks, verbose=0, shuffle=False,
        )
        if guard.diverged:
            if bar:
                bar.close()
            monitor.close()
            at, name, value = guard.diverged
            kept = latest_checkpoint(run_dir, log)
            raise TrainingDiverged(
                f"Training diverged at step {at}: {name} became {value}; "
                + (
                    f"the last good checkpoint is {kept}; lower the learning rates or change the loss."
                    if kept else
                    "no checkpoint was written, so rerunning with lower learning rates or another loss starts it afresh."
                )
            )
        seconds = time.perf_counter() - started
        step = budget.step
        count = step - first
        figures = evaluate_points(gan, config) if config.is_points else {}
        if config.is_points:
            write_scatter(gan, config, writes, f"epoch-{epoch + 1:04d}.png", figures)
        else:
            write_samples(gan, config, writes, f"epoch-{epoch + 1:04d}.png")
        record = {k: float(v[-1]) for k, v in history.history.items()}
        record.update(
            step=step, epoch=epoch + 1, seconds=round(seconds, 3), images_per_s=round(count * examples_per_step / seconds, 1),
            cpu_minutes=round(budget.used(), 4),
        )
        record.update(figures)
        record.update(monitor.end_epoch(gan, record))
        append_history(writes, record)
        save_checkpoint(gan, writes, step, keep=config.checkpoints_kept)
        if budget.reached_at is not None:
            log(f"CPU budget of {config.cpu_minutes:g} minutes reached at step {step} of {total} "
                f"({record['cpu_minutes']:.2f} CPU minutes used); the run ends here.")
            break
    if bar:
        bar.close()
    monitor.close()
    gan.inference_generator.save(os.path.join(writes, layout.GENERATOR))
    workers.remove_temporary(writes, run_dir)
    return run_dir


@dataclass
class Run:
    """A run directory loaded for use: its configuration, the compiled model and the checkpoint it holds."""

    run_dir: str
    config: TrainConfig
    gan: object
    step: int
    checkpoint: str


def load_run(run_dir, checkpoint=None):
    """The ``Run`` of a run directory, with the weights of its latest (or the given) checkpoint."""
    layout.require_run_dir(run_dir)
    config = TrainConfig.load(os.path.join(run_dir, layout.CONFIG))
    path = checkpoint or latest_checkpoint(run_dir)
    if path is None:
        raise RunDirError(f"Run directory {run_dir!r} has no checkpoint yet.")
    gan = build_compiled_gan(config)
    step = restore_checkpoint(gan, path)
    return Run(run_dir=run_dir, config=config, gan=gan, step=step, checkpoint=path)
