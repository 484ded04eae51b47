"""Files written so that a kill never leaves a half-written one: a temporary name, then a rename."""

import contextlib
import json
import os


@contextlib.contextmanager
def atomic_path(path, durable=False):
    """A temporary path beside ``path`` (same extension), renamed onto ``path`` if the block succeeds.

    The temporary file is removed if the block fails. ``durable`` flushes it to disk before the
    rename, for files that a resumed run depends on.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    root, extension = os.path.splitext(os.path.basename(path))
    temporary = os.path.join(directory, f".{root}.tmp-{os.getpid()}{extension}")
    try:
        yield temporary
        if durable:
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def default_cache_dir():
    """``$GANTK_CACHE_DIR``, else ``~/.cache/gantk``: where gantk keeps what it builds once (classifiers,
    reference features, the shapes dataset, the tensorflow-datasets catalogue)."""
    return os.environ.get("GANTK_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "gantk")


def write_text_atomically(path, text):
    with atomic_path(path) as temporary:
        with open(temporary, "w") as handle:
            handle.write(text)
    return path


def write_json_atomically(path, value):
    return write_text_atomically(path, json.dumps(value, indent=2, sort_keys=True) + "\n")
