"""One worker of the two-process multi-worker test (run as a script with ``TF_CONFIG`` set).

Usage: ``python multiworker_worker.py RUN_DIR WEIGHTS_NPZ STEPS [--resume]``. Trains the tiny
DCGAN with ``--strategy multi-worker --sync-bn`` and writes this worker's final weights to WEIGHTS_NPZ.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from gantk.training.config import resolve_config  # noqa: E402
from gantk.training.run import train  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import TINY  # noqa: E402


class SaveWeights(keras.callbacks.Callback):
    """Every worker reads its weights at the end of each fit (the reads may be collective)."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_train_end(self, logs=None):
        gan = self.model
        weights = gan.generator.get_weights() + gan.discriminator.get_weights()
        np.savez(self.path, *weights, g_iterations=int(gan.g_optimizer.iterations.numpy()))


def main(run_dir, weights, steps, resume=False):
    config = resolve_config("dcgan", steps=int(steps), strategy="multi-worker", sync_bn=True, **TINY)
    train(config, run_dir=run_dir, resume=resume, progress=False, extra_callbacks=[SaveWeights(weights)], log=lambda *_: None)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], resume="--resume" in sys.argv[4:])
