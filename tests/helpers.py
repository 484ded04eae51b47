"""Settings shared by the tests (importable through pytest's ``pythonpath = tests``)."""

TINY = dict(dataset="digits", image_size=16, width=4, batch_size=8, latent_dim=8, seed=0)
"""Options that make any image variant train in a fraction of a second."""


def tiny_settings(variant, **overrides):
    """``TINY`` with ``overrides`` for ``variant``, less the options its run refuses as unread:
    ``image_size`` on point data, ``width`` where it builds only MLPs."""
    from gantk.training.config import resolve_config
    from gantk.zoo.architectures import builds_convolutional

    settings = dict(TINY, **overrides)
    narrow, size = settings.pop("width"), settings.pop("image_size")
    config = resolve_config(variant, **settings)
    if not config.is_points:
        settings["image_size"] = size
    if builds_convolutional(config):
        settings["width"] = narrow
    return settings


def tiny_config(variant, **overrides):
    """A ``TINY`` config of ``variant`` on its default dataset, with that dataset loaded: (config, data)."""
    from gantk import zoo
    from gantk.data import load_dataset
    from gantk.training.config import resolve_config
    from gantk.training.run import with_data

    settings = tiny_settings(variant, **{"dataset": zoo.get(variant).default_dataset, **overrides})
    config = resolve_config(variant, **settings)
    data = load_dataset(config.dataset, image_size=config.image_size)
    return with_data(config, data), data


def tiny_batches(config, data, seed=0):
    """The variant's own batches of ``data`` (cut by its recipe, e.g. ssgan's labelled draw), as training makes them."""
    from gantk.training.run import batches_of, prepare_data

    return batches_of(config)(prepare_data(config, data), config.batch_size * config.d_steps, seed=seed)


def trained_briefly(gan, config, data, steps=2):
    """Fits ``gan`` ``steps`` steps on its variant's batches of ``data``; checks every logged value is finite and returns the history."""
    import numpy as np

    history = gan.fit(tiny_batches(config, data), steps_per_epoch=steps, epochs=1, verbose=0).history
    assert all(np.isfinite(values[-1]) for values in history.values()), history
    return history


def filters_of(model, layer_type):
    """The ``filters`` of ``model``'s layers whose class is named ``layer_type`` (e.g. ``"Conv2D"``), in order."""
    return [layer.filters for layer in model.layers if type(layer).__name__ == layer_type]


TEXT_SETTINGS = ["--dataset", "shapes", "--image-size", "16", "--width", "4", "--batch-size", "8", "--latent-dim", "8"]
"""``gantk train`` options of a tiny text-to-image run."""


def train_text_run(root, *options):
    """A two-step ``gantk train gan-int`` run from the CLI in ``root/run``, on small shapes splits at 16x16, its text
    encoder pretrained for two steps into the private cache ``root/cache``: (run directory, what the command printed)."""
    import os

    import pytest
    from click.testing import CliRunner

    from gantk.cli.main import cli
    from gantk.data import shapes

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANTK_CACHE_DIR", os.path.join(root, "cache"))
        patch.setitem(shapes.SPLITS, "train", 1024)
        patch.setitem(shapes.SPLITS, "test", 1000)
        run_dir = os.path.join(root, "run")
        result = CliRunner().invoke(cli, ["train", "gan-int", *TEXT_SETTINGS, "--steps", "2", "--text-encoder-steps", "2", *options, "--out", run_dir])
        assert result.exit_code == 0, result.output
    return run_dir, result.output


class Seeded:
    """What DiffAugment and NegativeAugmentation read of a GAN: its seed generator."""

    def __init__(self, seed=0):
        import keras

        self.seed_generator = keras.random.SeedGenerator(seed)
