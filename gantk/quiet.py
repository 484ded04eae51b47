"""Quiet start-up: TensorFlow's and tensorflow-datasets' noise on machines without a GPU, kept out of the
user's terminal unless ``GANTK_VERBOSE=1`` (``gantk --verbose``).

Where each message comes from:

- ``Could not find cuda drivers``, ``oneDNN custom operations are on``, ``This TensorFlow binary is
  optimized ...`` and ``All log messages before absl::InitializeLog() ...``: TensorFlow's C++ code logs
  them with absl while its shared libraries load during ``import tensorflow``, before absl logging is
  initialised, so they go straight to file descriptor 2 and ``TF_CPP_MIN_LOG_LEVEL`` does not reach them.
- ``E0000 ... failed call to cuInit ... (303)``: the CUDA platform's first device enumeration.
- TensorFlow's own C++ ``LOG(INFO/WARNING)``: ``TF_CPP_MIN_LOG_LEVEL`` (2 keeps errors).
- ``Variant folder ... has no dataset_info.json``: tensorflow-datasets' Python (absl) logger, when it
  checks a dataset folder that simply has not been prepared yet.

``install`` wraps the first ``import tensorflow`` (and its device enumeration) in a filter on file
descriptor 2 that drops exactly the lines above; the CUDA lines are dropped only when the machine has
no NVIDIA device, so a broken driver on a GPU machine still shows. Every other line passes unchanged.
"""

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import re
import sys
import threading

VERBOSE_ENV = "GANTK_VERBOSE"

START_UP_NOISE = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "cpu_feature_guard.cc",
    "To enable the following instructions:",
)
NO_GPU_NOISE = (
    "Could not find cuda drivers on your machine",
    "failed call to cuInit",
)
TFDS_NOISE = re.compile(r"^Variant folder .* has no (dataset_info|features)\.json$")


def verbose():
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


def has_nvidia_device():
    return os.path.exists("/proc/driver/nvidia") or os.path.exists("/dev/nvidia0")


def noise_patterns():
    return START_UP_NOISE + (() if has_nvidia_device() else NO_GPU_NOISE)


def is_noise(line, patterns):
    return any(pattern in line for pattern in patterns)


@contextlib.contextmanager
def filtered_stderr(patterns):
    """Within: lines written to file descriptor 2 (by C++ or Python) that contain one of ``patterns`` are dropped."""
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    saved = os.dup(2)
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward():
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not is_noise(line.decode("utf-8", "replace"), patterns):
                    os.write(saved, line)

    thread = threading.Thread(target=forward, daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        thread.join(timeout=10)
        os.close(saved)


class QuietTensorFlowLoader(importlib.abc.Loader):
    """Runs TensorFlow's real loader, then its device enumeration, inside ``filtered_stderr``."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with filtered_stderr(noise_patterns()):
            self.loader.exec_module(module)
            module.config.list_physical_devices()


class QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as the other finders do, with ``QuietTensorFlowLoader`` around its loader."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = QuietTensorFlowLoader(spec.loader)
        return spec


class DropTfdsNoise(logging.Filter):
    def filter(self, record):
        return not (isinstance(record.msg, str) and TFDS_NOISE.match(record.getMessage()))


def install():
    """Quiet TensorFlow's start-up and tensorflow-datasets' folder warning, unless ``GANTK_VERBOSE=1``.

    With ``GANTK_VERBOSE=1`` TensorFlow's C++ logging is left at every level.
    """
    if verbose():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("absl").addFilter(DropTfdsNoise())
    if "tensorflow" not in sys.modules and not any(isinstance(f, QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, QuietTensorFlowFinder())
