"""The moving average of the generator's weights (Yazıcı et al. 2019): the update, and that the
average is what samples, what ``generator.keras`` holds and what is exported."""

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.data import load_dataset
from gantk.errors import ConfigError
from gantk.export import exporter
from gantk.export.saved_model import run_saved_model
from gantk.latents import latent_vectors
from gantk.nets.virtual_batch_norm import ReferenceBatch
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.run import load_run, with_data
from gantk.training.weight_average import WeightAverage


def small_generator():
    z = keras.Input((3,), name="z")
    labels = keras.Input((), dtype="int32", name="label")
    image = keras.layers.Dense(4, name="dense")(z)
    return keras.Model([z, labels], [image, ReferenceBatch(2, reference_dtype="int32", name="ref")(labels)])


def test_the_average_moves_by_the_decay_and_copies_integer_variables():
    generator = small_generator()
    average = WeightAverage(generator, 0.75)
    kernel = generator.get_layer("dense").kernel.numpy()
    generator.get_layer("dense").kernel.assign(kernel + 4.0)
    generator.get_layer("ref").set_reference(np.array([5, 6]))
    average.update(generator)
    np.testing.assert_allclose(average.model.get_layer("dense").kernel.numpy(), kernel + 1.0, rtol=1e-6)
    np.testing.assert_array_equal(average.model.get_layer("ref").reference.numpy(), [5, 6])
    assert not average.model.trainable_variables


@pytest.mark.parametrize("decay", [0, 1, 1.5, "x"])
def test_a_decay_outside_0_1_is_one_clear_error(decay):
    with pytest.raises(ConfigError, match="must be a decay in \\(0, 1\\)"):
        config = resolve_config("gan", dataset="ring8", hidden=[8], generator_ema=decay)
        build_compiled_gan(with_data(config, load_dataset("ring8")))
    bad = CliRunner().invoke(cli, ["train", "gan", "--generator-ema", str(decay)])
    assert bad.exit_code == 2 and "--generator-ema" in bad.output


def test_a_run_samples_saves_and_exports_the_average_not_the_last_weights(tmp_path):
    result = CliRunner().invoke(cli, [
        "train", "dcgan", "--dataset", "digits", "--image-size", "16", "--width", "4", "--batch-size", "8",
        "--latent-dim", "8", "--steps", "30", "--generator-ema", "0.9", "--quiet", "--out", str(tmp_path / "run"),
    ])
    assert result.exit_code == 0, result.output
    loaded = load_run(str(tmp_path / "run"))
    config, gan = loaded.config, loaded.gan
    assert config.generator_ema == 0.9
    z = latent_vectors(64, 8, seed=3)
    averaged, last = np.asarray(gan.inference_generator(z)), np.asarray(gan.generator(z))
    assert np.abs(averaged - last).max() > 1e-3, "30 updates at decay 0.9 must leave the average behind the weights"
    np.testing.assert_allclose(np.asarray(gan.generate(z)), averaged, rtol=1e-6)
    np.testing.assert_allclose(keras.saving.load_model(str(tmp_path / "run" / "generator.keras"))(z), averaged, rtol=1e-6)
    export = exporter.export_generator(gan, config, str(tmp_path / "export"), 30, formats=["saved_model"], log=lambda *_: None)
    assert export.parity["saved_model"] < 1e-5
    served = run_saved_model(str(tmp_path / "export" / "saved_model"), z)["image"]
    np.testing.assert_allclose(served, averaged, rtol=1e-5, atol=1e-6)



@pytest.mark.parametrize("arch", ["mlp", "dcgan"])
def test_a_class_conditional_generator_is_averaged_and_loads_in_safe_mode(tmp_path, arch):
    out = str(tmp_path / "run")
    result = CliRunner().invoke(cli, [
        "train", "cgan", "--dataset", "digits", "--image-size", "16", "--arch", arch, *(["--width", "4"] if arch == "dcgan" else []),
        "--batch-size", "8", "--latent-dim", "8", "--steps", "4", "--generator-ema", "0.9", "--quiet", "--out", out,
    ])
    assert result.exit_code == 0, result.output
    gan = load_run(out).gan
    z, labels = latent_vectors(10, 8, seed=1), np.arange(10, dtype="int32")
    saved = keras.saving.load_model(str(tmp_path / "run" / "generator.keras"), safe_mode=True)
    np.testing.assert_allclose(saved([z, labels]), gan.generate(z, labels), rtol=1e-6)

