"""What a resumed run may change: its length and how it is run and logged, never the model or the data.

Settings are compared by name on ``config.to_dict()``; what each may do on a resume is its
``on_resume`` in the option schema (``gantk.options``): ``fixed`` settings define the model or
the data and may not change, ``extend`` and ``free`` ones (the run's length; how it runs and
what it logs) may. ``given`` names the settings the user set; settings left at their defaults
are not compared, since the saved run's values stand for them. Changes that are safe are
applied and recorded in ``changes.jsonl``; any other difference is refused in one sentence that
lists every differing setting.
"""

import json
import os
import shutil
import time

from gantk.errors import ConfigError, RunDirError
from gantk.options import BY_NAME
from gantk.training import run_dir as layout
from gantk.training.history import append_line

CHANGES = "changes.jsonl"
MAY_CHANGE = frozenset(name for name, option in BY_NAME.items() if option.on_resume in ("extend", "free"))
"""Settings that change how long or where a run trains, or what it logs, but not what it learns."""
FROM_DATA = frozenset(name for name, option in BY_NAME.items() if option.group == "record" or name == "data_kind")
"""Settings that the data or the installed gantk fill in, never the user."""
FILLED_AND_FIXED = tuple(sorted(name for name, option in BY_NAME.items() if option.group == "record" and option.on_resume == "fixed"))
"""Settings the data or the installed gantk fill in that shape the model: a resume needs them as saved."""
RUN_FILES = (
    "checkpoints", layout.HISTORY, layout.STEPS, layout.GENERATOR, layout.SAMPLES, layout.LATEST_SAMPLES,
    layout.TENSORBOARD, layout.LOSS_CURVE, CHANGES, layout.CONFIG,
)
"""What a run writes into its directory; ``clear_run`` removes exactly these, ``config.json`` last."""


def same_value(name, old, new):
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        return float(old) == float(new)
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return list(old) == list(new)
    if name == "dataset" and isinstance(old, str) and isinstance(new, str) and os.path.exists(new):
        return os.path.realpath(old) == os.path.realpath(new)
    return old == new


def continued_config(saved, requested, given=None):
    """(config to train, {setting: [saved, requested]} of the changes made) for a resume of ``saved``.

    ``given`` is the set of setting names the user set; ``None`` (a library call with a whole
    configuration) compares every setting of ``requested`` that differs from its schema default.
    """
    old, new = saved.to_dict(), requested.to_dict()
    compared = {
        name: value for name, value in new.items()
        if value is not None and name not in FROM_DATA
        and (name in given if given is not None else value != BY_NAME[name].default)
    }
    differing = {name: value for name, value in compared.items() if not same_value(name, old.get(name), value)}
    refused = sorted(name for name in differing if name not in MAY_CHANGE)
    if refused:
        listed = ", ".join(f"{name} (saved {old.get(name)!r}, given {differing[name]!r})" for name in refused)
        raise ConfigError(
            f"--resume continues the saved run, which differs in {listed}; drop those flags to resume it, "
            "or start a new run with another --out (or --restart to retrain this one)."
        )
    updated = {**old, **differing}
    if "epochs" in differing and "steps" not in compared:
        updated["steps"] = None
    return type(saved).from_dict(updated), {name: [old.get(name), value] for name, value in sorted(differing.items())}


def shown(value, items=6):
    if isinstance(value, (list, tuple)) and len(value) > items:
        return "[" + ", ".join(map(repr, value[:items])) + f", ... {len(value)} in all]"
    return repr(value)


def check_filled_in(saved, completed, run_dir):
    """Refuse to resume ``saved`` when the data or this gantk fill in a setting of ``FILLED_AND_FIXED`` otherwise
    in ``completed`` (another caption vocabulary or class list, an image encoder of another layout)."""
    old, new = saved.to_dict(), completed.to_dict()
    differing = [name for name in FILLED_AND_FIXED if not same_value(name, old.get(name), new.get(name))]
    if differing:
        listed = "; ".join(
            f"{name} ({BY_NAME[name].help[0].lower() + BY_NAME[name].help[1:].rstrip('.')}) was {shown(old.get(name))}, "
            f"now {shown(new.get(name))}" for name in differing
        )
        raise RunDirError(
            f"Run {run_dir} cannot continue: what the data and this gantk give differs from what it was trained with: {listed}. "
            "Start it again with --restart, or train a new run with another --out."
        )


def check_length(config, step):
    """Refuse a ``--steps`` that ends before the checkpoint being resumed."""
    if config.steps is not None and int(config.steps) < step:
        raise ConfigError(
            f"Argument `steps` must be at least the checkpoint's step {step} to resume this run. "
            f"Received: steps={config.steps}"
        )


def record_changes(run_dir, step, changes):
    """Append one line to ``changes.jsonl``: the settings a resume changed deliberately."""
    if changes:
        append_line(os.path.join(run_dir, CHANGES), {"step": int(step), "time": round(time.time(), 3), "changed": changes})


def clear_run(run_dir):
    """Delete what a run wrote into ``run_dir`` (nothing else), so it can be trained afresh."""
    for name in RUN_FILES:
        path = os.path.join(run_dir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.remove(path)


def changes_text(changes):
    return "; ".join(f"{name} changed from {old!r} to {new!r}" for name, (old, new) in changes.items())


def read_changes(run_dir):
    path = os.path.join(run_dir, CHANGES)
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]
