"""A run's length in CPU time (``--cpu-minutes``): variants compared on the same compute, not the same steps.

The budget counts the CPU time (user and system, all threads: ``time.process_time``) of the
process training the run, start-up, data loading and tracing included, plus, for a resumed
run, what its earlier processes had used when they wrote the checkpoint it continues from
(``cpu_minutes`` in each ``history.jsonl`` record). Training stops after the first step at
which the total reaches the budget, and the run ends there as at its last step: sample grid,
history line, checkpoint and ``generator.keras``. ``--steps``/``--epochs`` still bound the run;
whichever comes first ends it.
"""

import os
import time

import keras

from gantk.errors import ConfigError
from gantk.training import run_dir as layout
from gantk.training.history import parse_lines


def minutes_spent(run_dir, step):
    """CPU minutes the run had used when it wrote its checkpoint of ``step`` (0 before any record)."""
    path = os.path.join(run_dir, layout.HISTORY)
    if not os.path.exists(path):
        return 0.0
    with open(path) as handle:
        records = [r for r in parse_lines(handle.read()) if isinstance(r.get("step"), int) and r["step"] <= step]
    return float(records[-1].get("cpu_minutes") or 0.0) if records else 0.0


def check_budget(minutes, spent, step):
    """Refuse to resume a run whose checkpoint already used its ``--cpu-minutes``."""
    if minutes is not None and spent >= minutes:
        raise ConfigError(
            f"Option `cpu_minutes` (--cpu-minutes) must exceed the {spent:.2f} CPU minutes the run had used by its "
            f"checkpoint at step {step} to resume it. Received: cpu_minutes={minutes:g}"
        )


class CpuBudget(keras.callbacks.Callback):
    """Stops training after the first step at which the run's CPU time reaches ``minutes`` (``None``: never).

    ``spent`` is what earlier processes of a resumed run used; ``clock`` gives this process's
    CPU seconds. ``reached_at`` is the step where the budget ran out, else ``None``.
    """

    def __init__(self, minutes, spent=0.0, first_step=0, clock=time.process_time):
        super().__init__()
        self.minutes = minutes
        self.spent = spent
        self.step = first_step
        self.clock = clock
        self.reached_at = None

    def used(self):
        return self.spent + self.clock() / 60.0

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.minutes is not None and self.reached_at is None and self.used() >= self.minutes:
            self.reached_at = self.step
            self.model.stop_training = True
