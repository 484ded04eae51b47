"""TensorBoard event files of a run and the per-step log behind them.

Scalars go under ``loss/``, ``d_output/``, ``learning_rate/`` (every ``log_every`` steps),
``epoch/`` and ``collapse/`` (every epoch) and ``metrics/`` (with ``--eval-every``); the sample
grid is the image ``samples``. Open them with ``tensorboard --logdir runs/``.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from gantk.training.history import append_line

STEP_SCALARS = {"d_loss": "loss/d", "g_loss": "loss/g", "d_real": "d_output/real", "d_fake": "d_output/fake"}


class SummaryWriter:
    """Scalars and images into the event files of one folder."""

    def __init__(self, log_dir):
        self.writer = tf.summary.create_file_writer(log_dir)

    def scalars(self, step, values):
        with self.writer.as_default():
            for tag, value in values.items():
                tf.summary.scalar(tag, float(value), step=int(step))

    def image(self, step, tag, picture):
        """One uint8 ``[H, W, C]`` picture (C of 1, 3 or 4)."""
        with self.writer.as_default():
            tf.summary.image(tag, np.asarray(picture, np.uint8)[None], step=int(step), max_outputs=1)

    def flush(self):
        self.writer.flush()

    def close(self):
        self.writer.close()


def learning_rates(gan):
    return {
        "learning_rate/d": float(keras.ops.convert_to_numpy(gan.d_optimizer.learning_rate)),
        "learning_rate/g": float(keras.ops.convert_to_numpy(gan.g_optimizer.learning_rate)),
    }


class StepLogger(keras.callbacks.Callback):
    """Every ``log_every`` steps: the mean losses and D outputs over those steps, and the learning rates.

    ``fit`` reports running means since the start of its epoch; the mean over steps m+1..n is
    ``(n * mean_n - m * mean_m) / (n - m)``, exact because every step weighs the same. Each window
    goes to TensorBoard and, as one JSON line, to ``steps_path``. ``first_step`` is the global
    step before this ``fit`` call.
    """

    def __init__(self, writer, steps_path, first_step=0, log_every=10):
        super().__init__()
        self.writer = writer
        self.steps_path = steps_path
        self.step = int(first_step)
        self.log_every = max(1, int(log_every))
        self.count = 0
        self.logged_count = 0
        self.logged_means = {}
        self.means = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.count, self.logged_count, self.logged_means, self.means = 0, 0, {}, {}

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        self.count += 1
        self.means = {k: float(v) for k, v in (logs or {}).items() if k in STEP_SCALARS}
        if self.step % self.log_every == 0:
            self.write_window()

    def on_epoch_end(self, epoch, logs=None):
        if self.count > self.logged_count:
            self.write_window()

    def write_window(self):
        n, m = self.count, self.logged_count
        window = {k: (n * v - m * self.logged_means.get(k, 0.0)) / (n - m) for k, v in self.means.items()}
        self.logged_count, self.logged_means = n, dict(self.means)
        rates = learning_rates(self.model)
        self.writer.scalars(self.step, {**{STEP_SCALARS[k]: v for k, v in window.items()}, **rates})
        append_line(self.steps_path, {"step": self.step, "steps": n - m, **window}, durable=False)


def read_jsonl(path):
    """The records of a JSON-lines file; none when it does not exist."""
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]
