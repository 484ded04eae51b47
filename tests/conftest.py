"""Shared test set-up: two logical CPU devices for distribution tests, quiet TensorFlow, tiny runs."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GANTK_AUTOTUNE", "off")

import pytest  # noqa: E402

from helpers import TINY  # noqa: E402


def pytest_configure(config):
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    try:
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    except RuntimeError:
        pass


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A DCGAN run of four steps on digits, shared by tests that only read it."""
    from gantk.training.config import resolve_config
    from gantk.training.run import train

    run_dir = str(tmp_path_factory.mktemp("runs") / "dcgan-tiny")
    config = resolve_config("dcgan", steps=4, **TINY)
    return train(config, run_dir=run_dir, progress=False, log=lambda *_: None)
