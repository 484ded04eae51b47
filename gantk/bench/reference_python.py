"""The PyTorch references of the benchmarks, run as scripts by a Python that has torch.

PyTorch may live in another environment than gantk (``--torch-python``); a reference script
imports nothing from gantk, inherits the benchmark's environment (``ATEN_CPU_CAPABILITY`` and
thread settings included) and prints its figures as one JSON object on its last line.
"""

import importlib.util
import json
import os
import subprocess
import sys


def torch_python(explicit=None, modules=("torch", "torchvision")):
    """The Python that runs a reference: ``explicit``, else this one when it has ``modules``."""
    if explicit:
        return explicit
    if all(importlib.util.find_spec(module) for module in modules):
        return sys.executable
    return None


def run_reference(python, script, args, timeout=3600):
    """The JSON figures of ``script`` (a file beside this module) run by ``python`` with ``args``,
    or ``{"error": its last line of error output}``."""
    path = os.path.join(os.path.dirname(__file__), script)
    out = subprocess.run([python, path, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])
