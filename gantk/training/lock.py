"""One writer per run directory: ``RUN_DIR/.lock`` names its owner (pid, host, start time).

The lock is an advisory ``flock`` on that file (the kernel drops it when the owner dies, even
by ``kill -9``), and the file's text says who holds it. The text of an owner that died without
releasing stays behind: when it names a process of this host that is gone (or the lock is
free anyway) the next run takes it over and says so. A lock text naming another host is only
taken over by a run on that host, or once the user deletes the file, since a process
elsewhere cannot be checked from here. The check-after-lock of the file's inode follows the
usual ``flock`` recipe, so a file removed by a releasing owner is never locked twice.
"""

import fcntl
import json
import os
import socket
import time

from gantk.errors import RunDirError

LOCK_FILE = ".lock"


class RunDirLocked(RunDirError):
    """Another process is writing the run directory."""


def describe(owner):
    started = owner.get("started")
    when = time.strftime(" since %Y-%m-%d %H:%M:%S", time.localtime(started)) if isinstance(started, (int, float)) else ""
    return f"pid {owner.get('pid')} on host {owner.get('host')!r}{when}"


def pid_alive(pid):
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError, TypeError):
        return True
    return True


def read_owner(fd):
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 4096).decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        owner = json.loads(text)
    except ValueError:
        return {"pid": None, "host": None, "unreadable": text[:80]}
    return owner if isinstance(owner, dict) else {"pid": None, "host": None, "unreadable": text[:80]}


class RunLock:
    """``with RunLock(run_dir, log):`` holds the lock of ``run_dir`` (which must exist)."""

    def __init__(self, run_dir, log=print):
        self.run_dir = run_dir
        self.path = os.path.join(run_dir, LOCK_FILE)
        self.log = log
        self.fd = None

    def acquire(self):
        host = socket.gethostname()
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = read_owner(fd) or {}
                os.close(fd)
                raise RunDirLocked(
                    f"Run directory {self.run_dir!r} is in use by another gantk process ({describe(owner)}); "
                    "wait for it to finish or stop it, or choose another --out."
                ) from None
            try:
                same_file = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same_file = False
            if not same_file:
                os.close(fd)
                continue
            previous = read_owner(fd)
            if previous and previous.get("host") not in (host, None):
                os.close(fd)
                raise RunDirLocked(
                    f"Run directory {self.run_dir!r} is locked by {describe(previous)}, which cannot be checked from "
                    f"here; if that run has ended, delete {self.path} and run the command again."
                )
            if previous:
                state = "no longer running" if not pid_alive(previous.get("pid")) else "not holding it"
                self.log(f"Took over the stale lock of {self.run_dir} left by {describe(previous)} ({state}).")
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps({"pid": os.getpid(), "host": host, "started": time.time()}).encode() + b"\n")
            os.fsync(fd)
            self.fd = fd
            return self

    def release(self):
        if self.fd is None:
            return
        try:
            os.remove(self.path)
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
