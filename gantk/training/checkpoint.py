"""Checkpoints with the full training state, written so that a kill never leaves a broken one.

A checkpoint is one ``.npz`` file holding every variable of both networks, both optimizers and
the noise generator, in a fixed order that the same configuration always rebuilds. It is written
to a temporary name and renamed, and ``latest`` is updated the same way afterwards.
"""

import glob
import os
import zipfile

import numpy as np

from gantk.errors import RunDirError
from gantk.files import atomic_path, write_text_atomically

CHECKPOINT_DIR = "checkpoints"


def state_groups(gan):
    """The variables of a compiled GAN, grouped so that a mismatch names the part that differs."""
    return {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "d_optimizer": gan.d_optimizer.variables,
        "g_optimizer": gan.g_optimizer.variables,
        "noise": [gan.seed_generator.state],
        "regularizers": [v for regularizer in gan.regularizers for v in getattr(regularizer, "variables", ())],
        "generator_average": gan.average.variables if gan.average is not None else [],
    }


def checkpoint_path(run_dir, step):
    return os.path.join(run_dir, CHECKPOINT_DIR, f"ckpt-{int(step):08d}.npz")


def save_checkpoint(gan, run_dir, step, keep=3):
    """Write the state after ``step`` generator updates; keep the newest ``keep`` checkpoints."""
    path = checkpoint_path(run_dir, step)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    arrays = {
        f"{group}/{index:04d}": np.asarray(variable.numpy())
        for group, variables in state_groups(gan).items()
        for index, variable in enumerate(variables)
    }
    arrays["step"] = np.asarray(int(step))
    with atomic_path(path, durable=True) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
    write_text_atomically(os.path.join(run_dir, CHECKPOINT_DIR, "latest"), os.path.basename(path) + "\n")
    for old in list_checkpoints(run_dir)[:-keep] if keep else []:
        os.remove(old)
    return path


def list_checkpoints(run_dir):
    return sorted(glob.glob(os.path.join(run_dir, CHECKPOINT_DIR, "ckpt-*.npz")))


def latest_checkpoint(run_dir):
    """The newest complete checkpoint of a run, or None."""
    pointer = os.path.join(run_dir, CHECKPOINT_DIR, "latest")
    if os.path.exists(pointer):
        with open(pointer) as handle:
            path = os.path.join(run_dir, CHECKPOINT_DIR, handle.read().strip())
        if os.path.exists(path):
            return path
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def restore_checkpoint(gan, path, groups=None):
    """Load a checkpoint into ``gan`` (all groups, or only those named); returns its step."""
    try:
        stored = np.load(path)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise RunDirError(f"Checkpoint {path} cannot be read ({error}).") from None
    with stored:
        for group, variables in state_groups(gan).items():
            if groups is not None and group not in groups:
                continue
            keys = sorted(k for k in stored.files if k.startswith(group + "/"))
            if len(keys) != len(variables):
                raise RunDirError(
                    f"Checkpoint {path} holds {len(keys)} {group} variables but the model has {len(variables)}; "
                    "it was made with a different configuration."
                )
            for key, variable in zip(keys, variables):
                value = stored[key]
                if tuple(value.shape) != tuple(variable.shape):
                    raise RunDirError(
                        f"Checkpoint {path}: {group} variable {variable.path} has shape {value.shape}, "
                        f"the model expects {tuple(variable.shape)}."
                    )
                variable.assign(value)
        return int(stored["step"])

