"""Shared test set-up: two logical CPU devices for distribution tests, quiet TensorFlow, tiny runs."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GANTK_AUTOTUNE", "off")

import pytest  # noqa: E402

from helpers import TINY  # noqa: E402

LONGEST_FILES = (
    "test_faults.py", "test_bench_speed.py", "test_lapgan.py", "test_text_to_image.py", "test_tricks.py",
    "test_replicas.py", "test_info_code.py", "test_autotune.py",
)
"""The files that take longest (``--durations``), run first so that the workers of ``-n 2 --dist
loadfile`` finish together instead of one waiting on a long file dealt out last."""


def pytest_configure(config):
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    except RuntimeError:
        pass


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FILES.index(name) if name in LONGEST_FILES else len(LONGEST_FILES)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A DCGAN run of four steps on digits, shared by tests that only read it."""
    from gantk.training.config import resolve_config
    from gantk.training.run import train

    run_dir = str(tmp_path_factory.mktemp("runs") / "dcgan-tiny")
    config = resolve_config("dcgan", steps=4, **TINY)
    return train(config, run_dir=run_dir, progress=False, log=lambda *_: None)
