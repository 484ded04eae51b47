"""Staging folders of exports: who owns one, and removing those a killed export left behind.

An export writes into ``.NAME.tmp-XXXX`` beside its target and, while swapping, parks the
previous export in ``.NAME.old-XXXX``. Each staging folder gets an ``.owner`` file naming the
process (pid, host, Linux start time, so a reused pid is not mistaken for the owner). A later
export of the same target removes the folders whose owner is gone: the owner's process no
longer runs on this host, or there is no owner file and the folder is older than
``ORPHAN_AGE`` seconds. Folders owned by a live process, or by a process on another host,
are left alone. A parked previous export whose swap was cut short (the target is missing) is
moved back into place rather than deleted.
"""

import json
import os
import shutil
import socket
import time

OWNER_FILE = ".owner"
ORPHAN_AGE = 60.0
KINDS = ("tmp", "old")


def _start_time(pid):
    """The process's start time in clock ticks since boot (Linux ``/proc``), or None where unknown."""
    try:
        with open(f"/proc/{int(pid)}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def owner_record(pid=None):
    pid = os.getpid() if pid is None else int(pid)
    return {"pid": pid, "host": socket.gethostname(), "start": _start_time(pid)}


def mark_owner(folder):
    """Record this process as the owner of the staging ``folder``."""
    with open(os.path.join(folder, OWNER_FILE), "w") as handle:
        json.dump(owner_record(), handle)


def _alive(owner):
    """Whether the process named by ``owner`` may still run (always True for another host)."""
    if owner.get("host") != socket.gethostname():
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    recorded, current = owner.get("start"), _start_time(pid)
    return recorded is None or current is None or recorded == current


def is_stale(folder, now=None):
    """Whether a staging ``folder`` was left by an export that no longer runs."""
    try:
        with open(os.path.join(folder, OWNER_FILE)) as handle:
            owner = json.load(handle)
    except FileNotFoundError:
        try:
            return (now or time.time()) - os.path.getmtime(folder) > ORPHAN_AGE
        except OSError:
            return False
    except (OSError, ValueError):
        return True
    return not (isinstance(owner, dict) and _alive(owner))


def staging_folders(out_dir, kind):
    """Paths of the ``.NAME.<kind>-*`` folders beside ``out_dir``."""
    parent = os.path.dirname(os.path.abspath(out_dir))
    prefix = f".{os.path.basename(os.path.abspath(out_dir))}.{kind}-"
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    return sorted(os.path.join(parent, name) for name in names if name.startswith(prefix) and os.path.isdir(os.path.join(parent, name)))


def clean_stale(out_dir, log=print):
    """Remove the staging folders of dead exports of ``out_dir``; returns the paths removed or restored."""
    handled = []
    for kind in KINDS:
        for folder in staging_folders(out_dir, kind):
            if not is_stale(folder):
                continue
            if kind == "old" and not os.path.exists(out_dir):
                os.replace(folder, out_dir)
                _drop_owner(out_dir)
                log(f"Restored the previous export {out_dir} that an interrupted export had moved aside.")
            else:
                shutil.rmtree(folder, ignore_errors=True)
                log(f"Removed {folder}, left by an export that no longer runs.")
            handled.append(folder)
    return handled


def _drop_owner(folder):
    try:
        os.remove(os.path.join(folder, OWNER_FILE))
    except FileNotFoundError:
        pass
