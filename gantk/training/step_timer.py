"""Median wall time of one training step, the figure speed comparisons on a shared machine rest on.

The median of per-step gaps after warm-up steps (tracing, XLA compilation, first-touch memory)
is disturbed less by other processes than a total would be.
"""

import statistics
import time

import keras
import numpy as np


class StepTimer(keras.callbacks.Callback):
    """Wall time between consecutive batch ends; the first ``warmup`` steps are not kept.

    With ``budget_s``, training stops once ``min_steps`` steps are timed and the timed steps have
    taken ``budget_s`` seconds.
    """

    def __init__(self, warmup, min_steps=None, budget_s=None):
        super().__init__()
        self.warmup = warmup
        self.min_steps = min_steps
        self.budget_s = budget_s
        self.times = []

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())
        timed = self.times[self.warmup :]
        if self.budget_s is not None and len(timed) > self.min_steps and timed[-1] - timed[0] >= self.budget_s:
            self.model.stop_training = True

    def median_step(self):
        gaps = np.diff(self.times[self.warmup :])
        if not len(gaps):
            raise ValueError("Argument `steps` must leave at least two timed steps after warm-up.")
        return float(statistics.median(gaps))


def time_fit(model, dataset, steps, warmup, budget_s=None):
    """Median seconds per step of ``model.fit`` after ``warmup`` steps: ``steps`` timed steps, or with
    ``budget_s`` at least ``steps`` and more until ``budget_s`` seconds of timed steps (at most 10x ``steps``)."""
    timer = StepTimer(warmup, min_steps=steps, budget_s=budget_s)
    limit = warmup + (10 * steps if budget_s is not None else steps) + 1
    model.fit(dataset, steps_per_epoch=limit, epochs=1, verbose=0, callbacks=[timer], shuffle=False)
    return timer.median_step()
