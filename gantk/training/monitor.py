"""What a user sees of a run while it trains: TensorBoard, the per-step log, the collapse and saturation alarms, the loss curve.

``train`` makes one ``TrainingMonitor``, adds ``callbacks(first_step)`` to each ``fit`` call,
calls ``end_epoch`` after each sample grid (its result joins the ``history.jsonl`` record) and
``close`` at the end, which draws ``loss_curve.png``.
"""

import os

import numpy as np

from gantk.training import run_dir as layout
from gantk.training.collapse import ALARM_PREFIX, CollapseAlarm, real_examples
from gantk.training.plots import loss_curve
from gantk.training.saturation import ALARM_PREFIX as SATURATION_PREFIX, check_saturation
from gantk.training.sampling import generate_images
from gantk.training.tensorboard import StepLogger, SummaryWriter, read_jsonl

def latest_picture(run_dir):
    """The run's latest sample picture (``samples.png``) as uint8 ``[H, W, C]``, or ``None``."""
    from PIL import Image

    path = os.path.join(run_dir, layout.LATEST_SAMPLES)
    if not os.path.exists(path):
        return None
    with Image.open(path) as image:
        picture = np.asarray(image.convert("L" if image.mode == "L" else "RGB"))
    return picture[..., None] if picture.ndim == 2 else picture


def numbers(values, prefix):
    return {
        f"{prefix}{key}": value
        for key, value in values.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ("step", "epoch")
    }


class TrainingMonitor:
    """Event files in ``RUN_DIR/tensorboard``, ``steps.jsonl``, the collapse and saturation alarms and ``loss_curve.png``.

    Settings read from the config: ``log_every`` (steps between per-step records), ``eval_every``
    (epochs between sample-quality metrics, off by default). ``evaluator(config, data, log)`` makes
    the callable ``(gan) -> dict`` of those metrics (``gantk.evaluation.periodic.PeriodicMetrics``,
    passed in by ``gantk.train``, since training does not import the evaluation layer above it).
    """

    def __init__(self, config, run_dir, data, bar=None, log=print, evaluator=None):
        self.config = config
        self.run_dir = run_dir
        self.data = data
        self.bar = bar
        self.log = log
        self.log_every = config.log_every
        self.eval_every = config.eval_every or 0
        if self.eval_every and evaluator is None:
            log("Note: --eval-every needs an evaluator (gantk.train passes one); this run logs no periodic metrics.")
            self.eval_every = 0
        self.metrics = evaluator(config, data, log=log) if self.eval_every else None
        self.writer = SummaryWriter(os.path.join(run_dir, layout.TENSORBOARD))
        self.real = real_examples(data)
        self.alarm = CollapseAlarm.for_data(self.real, read_jsonl(os.path.join(run_dir, layout.HISTORY)))
        if self.alarm is None:
            log(f"Note: the first {len(self.real)} training examples are all the same, so the collapse alarm is off for this run.")

    def callbacks(self, first_step):
        return [StepLogger(self.writer, os.path.join(self.run_dir, layout.STEPS), first_step, self.log_every)]

    def end_epoch(self, gan, record):
        """Check for collapse, run due metrics and log the epoch; returns the fields to add to ``record``."""
        verdict = check_saturation(record, probability=gan.loss_pair.probability)
        added = {"collapse": False, "saturated": verdict.saturated}
        step, epoch = record["step"], record["epoch"]
        scalars = {**numbers(record, "epoch/"), "saturation/alarm": float(verdict.saturated)}
        if self.alarm is not None:
            check = self.alarm.update(generate_images(gan, self.config, len(self.real), seed=self.config.seed))
            added.update(diversity=round(check.ratio, 6), collapse=check.collapsed)
            scalars.update({"collapse/diversity": check.ratio, "collapse/alarm": float(check.collapsed)})
            self.warn(check)
        if self.eval_every and epoch % self.eval_every == 0:
            metrics = self.metrics(gan)
            added["metrics"] = metrics
            scalars.update(numbers(metrics, "metrics/"))
        self.writer.scalars(step, scalars)
        picture = latest_picture(self.run_dir)
        if picture is not None:
            self.writer.image(step, "samples", picture)
        self.writer.flush()
        self.note(SATURATION_PREFIX, verdict.message())
        return added

    def warn(self, check):
        message = check.message()
        if message:
            message += f" (the fixed-latent samples lost more than half their spread; see {layout.LATEST_SAMPLES})"
        self.note(ALARM_PREFIX, message)

    def note(self, prefix, message):
        """Show ``message`` (an alarm starting with ``prefix``) on the progress bar, replacing the last one."""
        if self.bar is not None:
            self.bar.notes[:] = [note for note in self.bar.notes if not note.startswith(prefix)]
            if message:
                self.bar.notes.append(message)
                self.bar.draw()
        elif message:
            self.log(f"Warning: {message}")

    def close(self):
        """Close the event files and draw ``loss_curve.png``; returns its path."""
        self.writer.close()
        history = read_jsonl(os.path.join(self.run_dir, layout.HISTORY))
        steps = read_jsonl(os.path.join(self.run_dir, layout.STEPS))
        return loss_curve(history, steps, os.path.join(self.run_dir, layout.LOSS_CURVE))
