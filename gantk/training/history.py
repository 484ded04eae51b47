"""The JSON-lines files of a run (``history.jsonl``, ``steps.jsonl``): strict JSON, in step with the checkpoints.

Each line is written whole and flushed before the checkpoint of its step, and a resume
first drops every line past the checkpoint it continues from (and a line torn by a kill), so
a kill at any moment neither loses a line nor leaves one twice. NaN and infinities, which JSON
has no literal for, are written as ``null``.
"""

import json
import math
import os

from gantk.files import atomic_path


def finite_or_none(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(item) for item in value]
    return value


def json_line(record):
    return json.dumps(finite_or_none(record), allow_nan=False) + "\n"


def append_line(path, record, durable=True):
    """Append ``record`` as one line; ``durable`` also syncs it to disk (a kill alone loses nothing flushed)."""
    with open(path, "a") as handle:
        handle.write(json_line(record))
        handle.flush()
        if durable:
            os.fsync(handle.fileno())


def parse_lines(text):
    """The records of JSON-lines ``text``; a torn or unreadable line ends the list."""
    records = []
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            break
        if not isinstance(record, dict):
            break
        records.append(record)
    return records


def truncate_after(path, step):
    """Keep only the records of ``path`` up to ``step`` (and none torn), rewriting it atomically."""
    if not os.path.exists(path):
        return
    with open(path) as handle:
        records = parse_lines(handle.read())
    kept = [record for record in records if isinstance(record.get("step"), int) and record["step"] <= step]
    with atomic_path(path, durable=True) as temporary:
        with open(temporary, "w") as handle:
            handle.writelines(json_line(record) for record in kept)
