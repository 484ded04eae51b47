"""Checkpoints with the full training state, written so that a kill never leaves a broken one.

A checkpoint is one ``.npz`` file holding every variable of both networks, both optimizers and
the noise generator, in a fixed order that the same configuration always rebuilds. It is written
to a temporary name and renamed, and ``latest`` is updated the same way afterwards. Beside each
one, ``<name>.sha256`` (written before the rename, in ``sha256sum`` format) lets a load verify
the bytes; older checkpoints without one are checked with the zip CRC of every member.
A corrupt newest checkpoint is skipped for the newest intact one (``latest_checkpoint``).
"""

import glob
import hashlib
import os
import sys
import zipfile

import numpy as np

from gantk.errors import RunDirError
from gantk.files import atomic_path, write_text_atomically

DIGEST_SUFFIX = ".sha256"

CHECKPOINT_DIR = "checkpoints"


def state_groups(gan):
    """The variables of a compiled GAN, grouped so that a mismatch names the part that differs."""
    classifier_average = getattr(gan, "classifier_average", None)
    return {
        "generator": gan.generator.variables,
        "discriminator": gan.discriminator.variables,
        "d_optimizer": gan.d_optimizer.variables,
        "g_optimizer": gan.g_optimizer.variables,
        "noise": [gan.seed_generator.state],
        "regularizers": [v for regularizer in gan.regularizers for v in getattr(regularizer, "variables", ())],
        "generator_average": gan.average.variables if gan.average is not None else [],
        "discriminator_average": classifier_average.variables if classifier_average is not None else [],
        "text_encoder": gan.text_encoder.variables if getattr(gan, "text_encoder", None) is not None else [],
        "image_encoder": gan.image_encoder.variables if getattr(gan, "image_encoder", None) is not None else [],
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
        write_text_atomically(path + DIGEST_SUFFIX, f"{file_sha256(temporary)}  {os.path.basename(path)}\n")
    write_text_atomically(os.path.join(run_dir, CHECKPOINT_DIR, "latest"), os.path.basename(path) + "\n")
    for old in list_checkpoints(run_dir)[:-keep] if keep else []:
        os.remove(old)
        if os.path.exists(old + DIGEST_SUFFIX):
            os.remove(old + DIGEST_SUFFIX)
    return path


def list_checkpoints(run_dir):
    return sorted(glob.glob(os.path.join(run_dir, CHECKPOINT_DIR, "ckpt-*.npz")))


def checkpoint_step(path):
    """The step in a checkpoint's file name (``ckpt-00000400.npz`` -> 400)."""
    return int(os.path.basename(path)[len("ckpt-") : -len(".npz")])


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checkpoint_problem(path):
    """Why the checkpoint at ``path`` cannot be trusted (a short phrase), or None when it is intact.

    With a ``.sha256`` file beside it the bytes must match that digest; without one every zip
    member must pass its CRC check. Either way every member must be a numeric array (no pickles).
    """
    try:
        digest_path = path + DIGEST_SUFFIX
        if os.path.exists(digest_path):
            with open(digest_path) as handle:
                expected = handle.read().split()[:1]
            if expected != [file_sha256(path)]:
                return "its bytes do not match its .sha256 digest"
        else:
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
                if bad is not None:
                    return f"member {bad} fails its CRC check"
        with np.load(path, allow_pickle=False) as stored:
            if "step" not in stored.files:
                return "it has no step"
            for key in stored.files:
                stored[key]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        return f"it cannot be read ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'no detail'})"
    return None


def latest_checkpoint(run_dir, log=None):
    """The newest intact checkpoint of a run, or None when it has none.

    Corrupt newer checkpoints are skipped and reported through ``log`` (default: standard
    error); a run whose checkpoints are all corrupt is an error that says what to do.
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    found = list_checkpoints(run_dir)
    skipped = []
    for path in reversed(found):
        problem = checkpoint_problem(path)
        if problem is None:
            if skipped:
                log(
                    f"Warning: skipped corrupt checkpoint{'s' if len(skipped) > 1 else ''} "
                    f"{'; '.join(skipped)}; using {os.path.basename(path)} instead."
                )
            return path
        skipped.append(f"{os.path.basename(path)} ({problem})")
    if skipped:
        raise RunDirError(
            f"Run directory {run_dir!r} holds no intact checkpoint ({'; '.join(skipped)}); "
            "pass --restart to train it afresh from step 0."
        )
    return None


def restore_checkpoint(gan, path, groups=None):
    """Load a checkpoint into ``gan`` (all groups, or only those named); returns its step."""
    problem = checkpoint_problem(path)
    if problem is not None:
        raise RunDirError(f"Checkpoint {path} cannot be used: {problem}.")
    stored = np.load(path, allow_pickle=False)
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

