"""``export.json``: what an export folder holds and which weights each file came from.

The file records the run metadata (the ONNX ``metadata_props``), the parity figure of each
format and the quantized files with their quality-gate figures. A later export of one format
reads it to decide whether the other formats in the folder came from the same weights (same
config hash and training step), so they can be kept rather than silently dropped.
"""

import json
import os

from gantk.files import write_json_atomically

MANIFEST_FILE = "export.json"
SAME_WEIGHTS_KEYS = ("config_sha256", "training_step")


def manifest(metadata, parity, quantized=None):
    return {"metadata": dict(metadata), "parity": dict(parity), "quantized": dict(quantized or {})}


def write(folder, record):
    return write_json_atomically(os.path.join(folder, MANIFEST_FILE), record)


def read(folder):
    """The manifest of an export folder, or None when it has none or it cannot be read."""
    try:
        with open(os.path.join(folder, MANIFEST_FILE)) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return None
    if not (isinstance(record, dict) and isinstance(record.get("metadata"), dict) and isinstance(record.get("parity"), dict)):
        return None
    record.setdefault("quantized", {})
    return record


def same_weights(record, metadata):
    """Whether the export described by ``record`` came from the weights described by ``metadata``."""
    return record is not None and all(record["metadata"].get(key) == metadata.get(key) for key in SAME_WEIGHTS_KEYS)
