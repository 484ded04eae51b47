"""Keras callbacks of a training run: the progress bar and the divergence guard."""

import math
import sys
import time

import keras

LABELS = {"d_loss": "d_loss", "g_loss": "g_loss", "d_real": "D(x)", "d_fake": "D(G(z))"}


def format_duration(seconds):
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressBar(keras.callbacks.Callback):
    """One line per update: step of total, losses, D outputs, images/s and time left.

    On a terminal the line is redrawn in place a few times a second; elsewhere (CI, logs) a line
    is printed every ``log_every_s`` seconds. ``notes`` are shown at the end of the line (warnings
    such as a collapse alarm).
    """

    def __init__(self, total_steps, examples_per_step, first_step=0, stream=None, log_every_s=15.0):
        super().__init__()
        self.total_steps = total_steps
        self.examples_per_step = examples_per_step
        self.step = first_step
        self.first_step = first_step
        self.stream = stream or sys.stderr
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.log_every_s = 0.25 if self.interactive else log_every_s
        self.started = None
        self.last_draw = 0.0
        self.notes = []
        self.logs = {}

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.started is None:
            self.started = time.perf_counter()
            self.started_step = self.step
        self.logs = logs or {}
        now = time.perf_counter()
        if now - self.last_draw >= self.log_every_s or self.step == self.total_steps:
            self.last_draw = now
            self.draw()

    def rate(self):
        elapsed = time.perf_counter() - self.started if self.started else 0.0
        steps = self.step - self.started_step if self.started else 0
        return steps / elapsed if elapsed > 0 and steps else 0.0

    def line(self):
        width = 20
        done = int(width * self.step / max(1, self.total_steps))
        parts = [f"step {self.step}/{self.total_steps} [{'=' * done}{'.' * (width - done)}]"]
        for key, label in LABELS.items():
            if key in self.logs:
                parts.append(f"{label} {float(self.logs[key]):.3f}")
        steps_per_s = self.rate()
        if steps_per_s:
            remaining = (self.total_steps - self.step) / steps_per_s
            parts.append(f"{steps_per_s * self.examples_per_step:.0f} img/s")
            parts.append(f"left {format_duration(remaining)}")
        parts.extend(self.notes)
        return " | ".join(parts)

    def draw(self):
        text = self.line()
        if self.interactive:
            self.stream.write("\r" + text.ljust(getattr(self, "_width", 0)))
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self):
        if self.interactive and self.step > self.first_step:
            self.stream.write("\n")
            self.stream.flush()


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training at the first NaN or infinite loss and remembers where it happened."""

    def __init__(self, first_step=0):
        super().__init__()
        self.step = first_step
        self.diverged = None

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        for name, value in (logs or {}).items():
            if not math.isfinite(float(value)):
                self.diverged = (self.step, name, float(value))
                self.model.stop_training = True
                return
