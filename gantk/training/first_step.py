"""How long a run took to reach its first training step: start-up, data loading, model building, tracing."""

import time

import keras


class FirstStepTimer(keras.callbacks.Callback):
    """Logs, once, the seconds from ``started`` (a ``time.time()``, e.g. when ``gantk train`` began) to
    the end of the first training step, and keeps them in ``seconds``."""

    def __init__(self, started, log=print):
        super().__init__()
        self.started = started
        self.log = log
        self.seconds = None

    def on_train_batch_end(self, batch, logs=None):
        if self.seconds is None:
            self.seconds = round(time.time() - self.started, 2)
            self.log(f"First training step done {self.seconds:.1f} s after start.")
