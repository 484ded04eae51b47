"""Carry files of an earlier export into a new one that does not rewrite them.

``gantk export RUN --onnx`` into a folder that also holds a SavedModel keeps that SavedModel
when ``export.json`` shows it came from the same weights (config hash and training step); a
file from other weights, or one whose origin is unknown, is dropped and the log says so in
plain words, with the flag that exports it again.
"""

import os
import shutil

from gantk.export import manifest
from gantk.export.card import FORMAT_NAMES

FLAGS = {"saved_model": "--saved-model", "onnx": "--onnx"}


def _copy(source, target):
    if os.path.isdir(source):
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


def keep_earlier(out_dir, staging, previous, metadata, files_by_format, quantized_files, redone, log=print):
    """Copy the earlier export's files that the new export does not rewrite and that share its weights.

    Args:
        out_dir: the export folder, possibly holding an earlier export.
        staging: the folder the new export is written into.
        previous: the earlier ``export.json`` record, or None.
        metadata: the new export's metadata (config hash, training step).
        files_by_format: ``{format: file name}`` of the formats the new export does not write.
        quantized_files: ``{kind: file name}`` of quantized files the new export does not write.
        redone: what the new export writes, for the log.

    Returns:
        ``(parity, quantized)``: the kept formats' parity figures and the kept quantized records.
    """
    same = manifest.same_weights(previous, metadata)
    parity, quantized, dropped = {}, {}, []
    for name, file in files_by_format.items():
        if not os.path.exists(os.path.join(out_dir, file)):
            continue
        if same and name in previous["parity"]:
            _copy(os.path.join(out_dir, file), os.path.join(staging, file))
            parity[name] = previous["parity"][name]
            log(f"Kept the {FORMAT_NAMES[name]} exported earlier from the same weights (step {metadata['training_step']}).")
        else:
            dropped.append((FORMAT_NAMES[name], FLAGS[name]))
    for kind, file in quantized_files.items():
        if not os.path.exists(os.path.join(out_dir, file)):
            continue
        if same and kind in previous["quantized"] and os.path.exists(os.path.join(staging, "generator.onnx")):
            _copy(os.path.join(out_dir, file), os.path.join(staging, file))
            quantized[kind] = previous["quantized"][kind]
            log(f"Kept {file}, quantized earlier from the same weights.")
        else:
            dropped.append((file, f"--quantize {kind}"))
    if dropped:
        origin = f"step {previous['metadata'].get('training_step')}" if previous else "an unrecorded step"
        names = ", ".join(name for name, _ in dropped)
        flags = " ".join(dict.fromkeys(flag for _, flag in dropped))
        log(
            f"Replaced the earlier export in {out_dir}: its {names} came from other weights ({origin}) and "
            f"{'is' if len(dropped) == 1 else 'are'} not kept beside this {redone}; add {flags} to export "
            f"{'it' if len(dropped) == 1 else 'them'} again."
        )
    return parity, quantized
