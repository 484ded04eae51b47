"""What a run shows while it trains: TensorBoard event files, steps.jsonl, the loss curve, the collapse alarm."""

import glob
import io
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from scipy.spatial.distance import pdist

from gantk import zoo
from gantk.evaluation.periodic import PeriodicMetrics
from gantk.training.config import resolve_config
from gantk.training.collapse import CollapseAlarm, mean_pairwise_distance
from gantk.training.plots import loss_curve
from gantk.training.run import train
from gantk.zoo import RECIPES, Recipe

from helpers import TINY

STEP_TAGS = {"loss/d", "loss/g", "d_output/real", "d_output/fake", "learning_rate/d", "learning_rate/g"}
EPOCH_TAGS = {"epoch/d_loss", "epoch/g_loss", "epoch/images_per_s", "collapse/diversity", "collapse/alarm"}


def read_jsonl(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def read_events(run_dir):
    """{tag: {step: value}} for scalars and {tag: {step: PNG bytes}} for images of a run's event files."""
    scalars, images = {}, {}
    files = glob.glob(os.path.join(run_dir, "tensorboard", "events.out.tfevents.*"))
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                plugin = value.metadata.plugin_data.plugin_name
                array = tf.make_ndarray(value.tensor)
                if plugin == "scalars":
                    scalars.setdefault(value.tag, {})[event.step] = float(array)
                elif plugin == "images":
                    images.setdefault(value.tag, {})[event.step] = array[2]
    return files, scalars, images


@pytest.fixture(scope="module")
def monitored_run(tmp_path_factory):
    """Three epochs of 56 steps with per-step records every 20 steps and metrics every 2 epochs."""
    run_dir = str(tmp_path_factory.mktemp("runs") / "monitored")
    options = {"log_every": 20, "eval_every": 2, "eval_extractor": "none", "eval_samples": 256}
    config = resolve_config("dcgan", epochs=3, **dict(TINY, batch_size=32), **options)
    return train(config, run_dir=run_dir, progress=False, log=lambda *_: None, evaluator=PeriodicMetrics)


@pytest.mark.slow
def test_event_files_hold_step_scalars_epoch_scalars_metrics_and_the_sample_grid(monitored_run):
    files, scalars, images = read_events(monitored_run)
    assert files
    assert STEP_TAGS | EPOCH_TAGS | {"metrics/diversity"} <= set(scalars)
    assert sorted(scalars["loss/d"]) == [20, 40, 56, 60, 80, 100, 112, 120, 140, 160, 168]
    assert sorted(scalars["collapse/diversity"]) == [56, 112, 168]
    assert sorted(scalars["metrics/diversity"]) == [112]
    assert scalars["learning_rate/g"][168] == pytest.approx(2e-4)
    assert sorted(images["samples"]) == [56, 112, 168]
    logged = Image.open(io.BytesIO(images["samples"][168]))
    with Image.open(os.path.join(monitored_run, "samples.png")) as latest:
        assert logged.size == latest.size


@pytest.mark.slow
def test_step_windows_average_back_to_the_epoch_means(monitored_run):
    """steps.jsonl holds exact window means: weighted by their lengths they give fit's epoch means."""
    steps = read_jsonl(os.path.join(monitored_run, "steps.jsonl"))
    history = read_jsonl(os.path.join(monitored_run, "history.jsonl"))
    assert [r["step"] for r in steps] == [20, 40, 56, 60, 80, 100, 112, 120, 140, 160, 168]
    bounds = [0] + [r["step"] for r in history]
    for start, stop, record in zip(bounds, bounds[1:], history):
        windows = [r for r in steps if start < r["step"] <= stop]
        assert sum(r["steps"] for r in windows) == stop - start
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            mean = sum(r[key] * r["steps"] for r in windows) / (stop - start)
            assert mean == pytest.approx(record[key], rel=1e-4)
    assert len({round(r["g_loss"], 6) for r in steps}) == len(steps)


@pytest.mark.slow
def test_history_records_diversity_and_a_healthy_run_raises_no_alarm(monitored_run):
    history = read_jsonl(os.path.join(monitored_run, "history.jsonl"))
    assert [r["collapse"] for r in history] == [False, False, False]
    assert max(r["diversity"] for r in history) >= 0.1, "the alarm was never armed, so this run tests nothing"
    assert all(r["diversity"] > 0 for r in history)
    assert "metrics" in history[1] and "metrics" not in history[0]


@pytest.mark.slow
def test_loss_curve_png_is_written_at_the_end(monitored_run):
    with Image.open(os.path.join(monitored_run, "loss_curve.png")) as picture:
        assert picture.format == "PNG" and picture.width >= 600 and picture.height >= 600
        pixels = np.asarray(picture.convert("L"))
    assert pixels.std() > 10


def test_loss_curve_draws_resumed_and_per_epoch_only_records(tmp_path):
    history = [{"step": s, "epoch": s // 10, "d_loss": 1.0 / s, "g_loss": 0.5, "d_real": 0.6, "d_fake": 0.4} for s in (10, 20)]
    steps = [{"step": s, "d_loss": 1.0, "g_loss": 0.5} for s in (5, 10, 15, 10, 20)]
    path = loss_curve(history, steps, str(tmp_path / "curves" / "loss.png"))
    assert Image.open(path).format == "PNG"
    assert Image.open(loss_curve(history, [], str(tmp_path / "epochs-only.png"))).format == "PNG"


def test_mean_pairwise_distance_matches_scipy():
    samples = np.random.default_rng(0).normal(size=(20, 4, 4, 1))
    assert mean_pairwise_distance(samples) == pytest.approx(pdist(samples.reshape(20, -1)).mean(), rel=1e-9)
    assert mean_pairwise_distance(np.ones((5, 3))) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="at least two"):
        mean_pairwise_distance(np.ones((1, 3)))


def test_alarm_rule_fires_on_a_sharp_fall_only():
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, size=(64, 8, 8, 1))
    diverse = lambda: rng.uniform(-1, 1, size=(64, 8, 8, 1))  # noqa: E731
    collapsed = np.repeat(diverse()[:1], 64, axis=0) + rng.normal(0, 0.01, size=(64, 8, 8, 1))

    alarm = CollapseAlarm.for_data(real)
    assert not alarm.update(diverse()).collapsed
    check = alarm.update(collapsed)
    assert check.collapsed and check.ratio < 0.05 and check.best > 0.9
    assert check.message().startswith("COLLAPSE? diversity")

    healthy = CollapseAlarm.for_data(real)
    assert not any(healthy.update(diverse()).collapsed for _ in range(3))

    untrained = CollapseAlarm.for_data(real)
    assert not any(untrained.update(rng.normal(0, 1e-3 * scale, size=(64, 8, 8, 1))).collapsed for scale in (2, 1, 0.5))

    resumed = CollapseAlarm.for_data(real, history=[{"diversity": 0.8}, {"step": 3}])
    assert resumed.best == 0.8 and resumed.update(collapsed).collapsed


def test_a_dataset_of_one_picture_trains_with_the_alarm_off(tmp_path):
    picture = np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    (tmp_path / "same").mkdir()
    for i in range(8):
        Image.fromarray(picture).save(tmp_path / "same" / f"{i}.png")
    assert CollapseAlarm.for_data(np.repeat(picture[None], 4, axis=0)) is None
    lines = []
    config = resolve_config("dcgan", **dict(TINY, dataset=str(tmp_path / "same"), batch_size=4, epochs=1))
    train(config, run_dir=str(tmp_path / "run"), progress=False, log=lines.append)
    assert any("collapse alarm is off" in line for line in lines)
    record = read_jsonl(str(tmp_path / "run" / "history.jsonl"))[-1]
    assert record["collapse"] is False and "diversity" not in record


class Gate(keras.layers.Layer):
    """Multiplies its input by a non-trainable scale, so a test can make the generator ignore z."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="ones", trainable=False, name="scale")

    def call(self, inputs):
        return inputs * self.scale


def gated_generator(config):
    z = keras.Input((config.latent_dim,))
    x = keras.layers.Dense(int(np.prod(config.image_shape)), activation="tanh", kernel_initializer=keras.initializers.RandomNormal(stddev=0.5))(
        Gate(name="gate")(z)
    )
    return keras.Model(z, keras.layers.Reshape(config.image_shape)(x))


@pytest.fixture
def gated_variant(monkeypatch):
    recipe = zoo.get("dcgan")
    monkeypatch.setitem(
        RECIPES, "gated-test",
        Recipe(name="gated-test", summary="test", paper="none", build_generator=gated_generator,
               build_discriminator=recipe.build_discriminator, defaults=recipe.defaults),
    )
    return "gated-test"


class CloseGate(keras.callbacks.Callback):
    """From the second epoch on the generator's output no longer depends on z: it has collapsed."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            self.model.generator.get_layer("gate").scale.assign(0.0)


@pytest.mark.slow
def test_training_warns_on_the_progress_bar_when_the_generator_collapses(tmp_path, capsys, gated_variant):
    """The healthy counterpart is ``monitored_run``: a DCGAN whose ratio rises raises no alarm."""
    config = resolve_config(gated_variant, epochs=2, **dict(TINY, batch_size=64))
    train(config, run_dir=str(tmp_path / "run"), progress=True, extra_callbacks=[CloseGate()], log=lambda *_: None)
    history = read_jsonl(tmp_path / "run" / "history.jsonl")
    assert [r["collapse"] for r in history] == [False, True]
    assert history[0]["diversity"] > 0.5 and history[1]["diversity"] < 0.01
    assert "COLLAPSE? diversity" in capsys.readouterr().err
    _, scalars, _ = read_events(str(tmp_path / "run"))
    assert scalars["collapse/alarm"] == {28: 0.0, 56: 1.0}


def pixel_extractor():
    from gantk.evaluation.extractors import FeatureExtractor

    return FeatureExtractor(
        "pixels", lambda x, training=False: x.reshape(len(x), -1), lambda images: images.astype(np.float32) / 255.0,
        resize="none", identity="pixels-test", has_probabilities=False,
    )


@pytest.fixture
def tiny_gan():
    from gantk.data import load_dataset
    from gantk.training.build import build_compiled_gan
    from gantk.training.run import with_data

    config = resolve_config("dcgan", **TINY)
    data = load_dataset("digits", image_size=16)
    config = with_data(config, data)
    return config.with_overrides(eval_every=1, eval_samples=64), data, build_compiled_gan(config)


@pytest.mark.slow
def test_eval_every_scores_images_with_the_evaluation_library(tiny_gan, monkeypatch, tmp_path):
    from gantk.evaluation import sample_quality as images
    from gantk.evaluation.periodic import PeriodicMetrics

    monkeypatch.setenv("GANTK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(images, "make_extractor", lambda name, *args, **kwargs: pixel_extractor())
    config, data, gan = tiny_gan
    metrics = PeriodicMetrics(config, data, log=lambda *_: None)
    assert metrics.extractor == "classifier"
    scores = metrics(gan)
    assert {"diversity", "fid", "kid", "kid_std", "precision", "recall"} <= set(scores)
    assert scores["fid"] > 0 and scores["diversity"] < 0.1


@pytest.mark.slow
def test_eval_every_falls_back_to_diversity_when_no_extractor_can_be_had(tiny_gan, monkeypatch):
    from gantk.errors import GantkError
    from gantk.evaluation import sample_quality as images
    from gantk.evaluation.periodic import PeriodicMetrics

    def unavailable(*args, **kwargs):
        raise GantkError("The InceptionV3 ImageNet weights are not in the Keras cache.")

    monkeypatch.setattr(images, "make_extractor", unavailable)
    config, data, gan = tiny_gan
    messages = []
    metrics = PeriodicMetrics(config.with_overrides(eval_extractor="inception"), data, log=messages.append)
    assert set(metrics(gan)) == {"diversity"} and set(metrics(gan)) == {"diversity"}
    assert len(messages) == 1 and "only the diversity statistic" in messages[0]


def test_train_command_passes_log_every_and_rejects_a_zero_eval_every(tmp_path):
    from click.testing import CliRunner

    from gantk.cli.main import cli

    flags = ["--dataset", "digits", "--image-size", "16", "--width", "4", "--batch-size", "8", "--latent-dim", "8", "--quiet"]
    result = CliRunner().invoke(cli, ["train", "dcgan", "--steps", "4", "--log-every", "2", "--out", str(tmp_path / "run"), *flags])
    assert result.exit_code == 0, result.output
    assert [r["step"] for r in read_jsonl(tmp_path / "run" / "steps.jsonl")] == [2, 4]
    assert (tmp_path / "run" / "loss_curve.png").exists()
    result = CliRunner().invoke(cli, ["train", "dcgan", "--eval-every", "0", "--out", str(tmp_path / "bad"), *flags])
    assert result.exit_code == 2 and "--eval-every" in result.output
