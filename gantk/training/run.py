"""Train a registered variant end to end: data, model, checkpoints, sample grids, history.

The run is cut into segments at epoch ends and checkpoint intervals; each segment is one
``fit`` call on batches that start exactly at its first step, so stopping after any segment
and resuming gives the same result as never stopping.
"""

import json
import os
import time

from gantk import zoo
from gantk.data import load_dataset
from gantk.data.pipeline import steps_per_epoch, training_batches
from gantk.errors import ConfigError, RunDirError, TrainingDiverged
from gantk.images import save_images
from gantk.latents import grid_columns, grid_size
from gantk.training import run_dir as layout
from gantk.training.build import build_compiled_gan, seed_everything
from gantk.training.callbacks import DivergenceGuard, ProgressBar
from gantk.training.checkpoint import latest_checkpoint, restore_checkpoint, save_checkpoint
from gantk.training.config import TrainConfig
from gantk.training import workers
from gantk.training.distribute import get_strategy
from gantk.training.precision import resolve_precision
from gantk.training.monitor import TrainingMonitor
from gantk.training.sampling import sample_uint8
from gantk.tricks import choose_real_reference
from gantk.evaluation.points import evaluate_points, write_scatter

DEFAULT_EPOCHS = 20
DATA_RECORD = "data.json"
"""Which examples a run trained on, written when its data says (``record()``), e.g. ssgan's labelled draw."""
SAMPLE_GRID_SIZE = 64


def with_data(config, data):
    """The configuration completed with what the data turned out to be."""
    return config.with_overrides(
        image_size=data.element_shape[0] if data.kind == "image" else None,
        channels=data.element_shape[-1] if data.kind == "image" else None,
        image_shape=list(data.element_shape),
        num_examples=data.num_examples,
        label_names=data.label_names,
    )


def check_data_kind(config, data):
    recipe = zoo.get(config.variant)
    if recipe.data_kind not in ("any", data.kind):
        raise ConfigError(
            f"The {config.variant} variant trains on {recipe.data_kind} data but dataset {config.dataset!r} "
            f"holds {data.kind}."
        )
    if recipe.conditional and not data.label_names:
        raise ConfigError(f"The {config.variant} variant needs labels but dataset {config.dataset!r} has none.")


def prepare_data(config, data):
    """The examples the variant trains on: the loaded data, or what its recipe's ``prepare_data`` cuts from it."""
    recipe = zoo.get(config.variant)
    return recipe.prepare_data(config, data) if recipe.prepare_data else data


def batches_of(config):
    """The variant's batching function ``(data, examples_per_step, seed, start_step) -> tf.data``."""
    return zoo.get(config.variant).batches or training_batches


def write_json_atomically(path, value):
    temporary = path + ".tmp"
    with open(temporary, "w") as handle:
        json.dump(value, handle)
        handle.write("\n")
    os.replace(temporary, path)


def total_steps(config, per_epoch):
    if config.steps is not None:
        return int(config.steps)
    return int(config.epochs or DEFAULT_EPOCHS) * per_epoch


def segments(start, total, per_epoch, checkpoint_every=None):
    """(epoch, first step, number of steps) pieces from ``start`` to ``total``, cut at epoch ends."""
    pieces, step = [], start
    while step < total:
        stop = min(total, (step // per_epoch + 1) * per_epoch)
        if checkpoint_every:
            stop = min(stop, (step // checkpoint_every + 1) * checkpoint_every)
        pieces.append((step // per_epoch, step, stop - step))
        step = stop
    return pieces


def write_samples(gan, config, run_dir, name):
    num_classes = config.num_classes if gan.conditional else 0
    images = sample_uint8(gan, config, grid_size(SAMPLE_GRID_SIZE, num_classes), seed=config.seed)
    columns = grid_columns(len(images), num_classes) if num_classes else None
    path = save_images(images, os.path.join(run_dir, layout.SAMPLES, name), columns=columns)
    save_images(images, os.path.join(run_dir, layout.LATEST_SAMPLES), columns=columns)
    return path


def append_history(run_dir, record):
    with open(os.path.join(run_dir, layout.HISTORY), "a") as handle:
        handle.write(json.dumps(record) + "\n")


def prepare_run(config, run_dir, resume):
    """The configuration to train with: the saved one when resuming, with only its length changed."""
    config_path = os.path.join(run_dir, layout.CONFIG)
    if not resume:
        if os.path.exists(config_path):
            raise RunDirError(f"Run directory {run_dir!r} already holds a run; pass --resume to continue it.")
        return config
    layout.require_run_dir(run_dir)
    saved = TrainConfig.load(config_path)
    return saved.with_overrides(steps=config.steps, epochs=config.epochs, strategy=config.strategy, jit_compile=config.jit_compile)


def train(config, run_dir=None, resume=False, progress=True, extra_callbacks=(), log=print):
    """Train ``config`` into ``run_dir`` (new, or continued with ``resume``); returns the run directory."""
    run_dir = run_dir or layout.new_run_dir(config.variant)
    strategy = get_strategy(config.strategy)
    writes = workers.write_dir(run_dir, strategy)
    config = prepare_run(config, run_dir if resume else writes, resume)
    config = config.with_overrides(precision=resolve_precision(config.precision))
    data = load_dataset(
        config.dataset, image_size=config.image_size, channels=config.channels,
        split=config.split, data_dir=config.data_dir,
    )
    data = prepare_data(config, data)
    config = with_data(config, data)
    check_data_kind(config, data)
    batches = batches_of(config)
    examples_per_step = config.batch_size * config.d_steps
    per_epoch = steps_per_epoch(data.num_examples, examples_per_step)
    total = total_steps(config, per_epoch)

    if config.batch_size % strategy.num_replicas_in_sync:
        raise ConfigError(
            f"Argument `batch_size` must be divisible by the {strategy.num_replicas_in_sync} replicas. "
            f"Received: batch_size={config.batch_size}"
        )
    seed_everything(config.seed)
    with strategy.scope():
        gan = build_compiled_gan(config)
    choose_real_reference(gan, data, config)
    step = 0
    if resume:
        checkpoint = latest_checkpoint(run_dir)
        if checkpoint is None:
            raise RunDirError(f"Run directory {run_dir!r} has no checkpoint to resume from.")
        step = restore_checkpoint(gan, checkpoint)
        log(f"Resuming {run_dir} from step {step}.")
    os.makedirs(run_dir, exist_ok=True)
    config.save(os.path.join(writes, layout.CONFIG))
    if getattr(data, "record", None):
        write_json_atomically(os.path.join(writes, DATA_RECORD), data.record())

    bar = ProgressBar(total, examples_per_step, first_step=step) if progress else None
    monitor = TrainingMonitor(config, writes, data, bar=bar, log=log)
    for epoch, first, count in segments(step, total, per_epoch, config.options.get("checkpoint_every")):
        guard = DivergenceGuard(first)
        callbacks = [guard, *([bar] if bar else []), *monitor.callbacks(first), *extra_callbacks]
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
            kept = latest_checkpoint(run_dir)
            raise TrainingDiverged(
                f"Training diverged at step {at}: {name} became {value}; "
                + (f"the last good checkpoint is {kept}." if kept else "no checkpoint was written.")
                + " Lower the learning rates or change the loss."
            )
        seconds = time.perf_counter() - started
        step = first + count
        figures = evaluate_points(gan, config) if data.kind == "points" else {}
        if data.kind == "points":
            write_scatter(gan, config, writes, f"epoch-{epoch + 1:04d}.png", figures)
        else:
            write_samples(gan, config, writes, f"epoch-{epoch + 1:04d}.png")
        save_checkpoint(gan, writes, step, keep=config.checkpoints_kept)
        record = {k: float(v[-1]) for k, v in history.history.items()}
        record.update(step=step, epoch=epoch + 1, seconds=round(seconds, 3), images_per_s=round(count * examples_per_step / seconds, 1))
        record.update(figures)
        record.update(monitor.end_epoch(gan, record))
        append_history(writes, record)
    if bar:
        bar.close()
    monitor.close()
    gan.inference_generator.save(os.path.join(writes, layout.GENERATOR))
    workers.remove_temporary(writes, run_dir)
    return run_dir


def load_run(run_dir, checkpoint=None):
    """(config, GAN) of a run directory, with the weights of its latest (or the given) checkpoint."""
    layout.require_run_dir(run_dir)
    config = TrainConfig.load(os.path.join(run_dir, layout.CONFIG))
    path = checkpoint or latest_checkpoint(run_dir)
    if path is None:
        raise RunDirError(f"Run directory {run_dir!r} has no checkpoint yet.")
    gan = build_compiled_gan(config)
    restore_checkpoint(gan, path)
    return config, gan
