"""The run directory: where a training run keeps its configuration, state and outputs."""

import datetime
import glob
import os
import tempfile

from gantk.errors import RunDirError

CONFIG = "config.json"
HISTORY = "history.jsonl"
GENERATOR = "generator.keras"
SAMPLES = "samples"
LATEST_SAMPLES = "samples.png"
STEPS = "steps.jsonl"
TENSORBOARD = "tensorboard"
LOSS_CURVE = "loss_curve.png"


def new_run_dir(variant, root="runs"):
    """``runs/<variant>-<time>``, made unique if two runs start in the same second."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(root, f"{variant}-{stamp}")
    candidate, suffix = path, 1
    while os.path.exists(candidate):
        suffix += 1
        candidate = f"{path}-{suffix}"
    return candidate


def check_writable(path):
    """``path`` when a run directory can be made there: its nearest existing ancestor is a writable folder."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise RunDirError(f"Run directory {path!r} cannot be created: {probe!r} is a file, not a folder; choose another --out.")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".gantk-probe-", dir=probe))
    except OSError as error:
        raise RunDirError(f"Run directory {path!r} cannot be created: {probe!r} is not writable ({error.strerror}); choose another --out.") from None
    return path


def require_run_dir(path):
    """``path`` when it is a run directory, else a clear error."""
    if path is None:
        raise RunDirError("No run directory given.")
    if not os.path.isdir(path):
        raise RunDirError(f"Run directory {path!r} does not exist.")
    if not os.path.exists(os.path.join(path, CONFIG)):
        raise RunDirError(f"{path!r} is not a gantk run directory: it has no {CONFIG}.")
    return path


def newest_run_dir(root="runs"):
    """The most recently modified run directory under ``root``."""
    runs = [d for d in glob.glob(os.path.join(root, "*")) if os.path.exists(os.path.join(d, CONFIG))]
    if not runs:
        raise RunDirError(f"No run directory under {os.path.abspath(root)!r}; train one with `gantk train` or name one.")
    return max(runs, key=lambda d: os.path.getmtime(os.path.join(d, CONFIG)))
