"""``gantk evaluate``: extractors, cached reference features, the recorded protocol, and FID that ranks."""

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.evaluation import extractors
from gantk.evaluation.extractors import ExtractorError


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """A cache whose digits classifier trains briefly (6 epochs) and is shared by this module's tests.

    Two epochs left it at 19% held-out accuracy on an AVX2-only CPU (chance is 10%);
    six reach 80% there.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extractors, "CLASSIFIER_EXAMPLE_PASSES", 7_000)
        yield str(tmp_path_factory.mktemp("gantk-cache"))


def test_metric_and_extractor_names_are_checked():
    from gantk.errors import GantkError
    from gantk.evaluation.sample_quality import parse_metrics

    assert parse_metrics("FID, kid,pr,is") == ("fid", "kid", "pr", "is")
    with pytest.raises(GantkError, match="fid, kid, pr, is"):
        parse_metrics("fid,lpips")


def test_classifier_is_trained_once_then_loaded_from_the_cache(cache_dir):
    from gantk.data.digits import load_digits_images
    from gantk.data.arrays import to_arrays

    messages = []
    first = extractors.classifier_extractor("digits", 16, 1, cache_dir=cache_dir, log=messages.append)
    assert any("Training the digits classifier" in m for m in messages)
    folder = os.path.join(cache_dir, "classifiers", "digits-train-16x16x1")
    assert sorted(os.listdir(folder)) == ["classifier.json", "classifier.keras"]

    messages.clear()
    second = extractors.classifier_extractor("digits", 16, 1, cache_dir=cache_dir, log=messages.append)
    assert messages == [] and second.identity == first.identity
    images, _ = to_arrays(load_digits_images(16, 1), limit=20)
    features, probabilities = second.extract(images, with_probabilities=True)
    assert features.shape == (20, extractors.CLASSIFIER_FEATURES)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(features, first.extract(images)[0], rtol=1e-5, atol=1e-5)
    assert second.describe()["classifier_accuracy"] > 0.5


def test_unlabelled_data_cannot_train_a_classifier(tmp_path):
    from PIL import Image

    for index in range(3):
        Image.fromarray(np.full((8, 8, 3), 40 * index, np.uint8)).save(tmp_path / f"{index}.png")
    with pytest.raises(ExtractorError, match="no class labels"):
        extractors.classifier_extractor(str(tmp_path), 16, 3, cache_dir=str(tmp_path / "cache"), log=lambda *_: None)


def test_inception_offline_without_weights_says_how_to_supply_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(extractors, "network_reachable", lambda *args, **kwargs: False)
    with pytest.raises(ExtractorError) as raised:
        extractors.inception_extractor()
    message = str(raised.value)
    assert "--inception-weights" in message and extractors.INCEPTION_NOTOP_FILE in message
    assert "--extractor classifier" in message
    with pytest.raises(ExtractorError, match="inception_weights"):
        extractors.inception_extractor(weights_file=str(tmp_path / "missing.h5"))


def test_inception_error_reaches_the_cli_as_one_line(tiny_run, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(extractors, "network_reachable", lambda *args, **kwargs: False)
    result = CliRunner().invoke(cli, ["evaluate", tiny_run, "--extractor", "inception", "--n", "10", "--json", str(tmp_path / "e.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "InceptionV3 ImageNet weights" in result.output


def test_evaluate_writes_scores_with_their_protocol_and_reuses_the_reference(tiny_run, tmp_path, cache_dir):
    out = tmp_path / "eval.json"
    args = ["evaluate", tiny_run, "--n", "64", "--cache-dir", cache_dir, "--json", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "FID" in result.output and "Extracting reference features" in result.output
    record = json.loads(out.read_text())
    assert record["kind"] == "images"
    assert set(record["scores"]) == {
        "fid", "kid", "kid_std", "precision", "recall", "is", "is_std", "is_real", "confident", "confident_real",
    }
    assert 0 <= record["scores"]["confident"] <= 1 and "confident (p >= 0.8)" in result.output
    protocol = record["protocol"]
    assert protocol["extractor"] == "classifier" and protocol["resize"].startswith("none (16x16x1")
    assert protocol["n_fake"] == 64 and protocol["n_real"] == 64 and protocol["step"] == 4
    assert protocol["reference"] == dict(dataset="digits", split="all", image_size=16, channels=1)
    assert len(os.listdir(os.path.join(cache_dir, "reference"))) == 1

    again = CliRunner().invoke(cli, args[:-2] + ["--metrics", "fid", "--json", str(tmp_path / "fid.json")])
    assert again.exit_code == 0 and "Extracting reference features" not in again.output
    assert json.loads((tmp_path / "fid.json").read_text())["scores"]["fid"] == pytest.approx(record["scores"]["fid"])


def test_points_runs_report_mode_coverage_and_a_scatter_plot(tmp_path):
    from gantk.evaluation.evaluate import evaluate_run
    from gantk.training.config import resolve_config
    from gantk.training.run import train

    config = resolve_config("gan", dataset="ring8", steps=2, batch_size=16, latent_dim=4, hidden=[8])
    run = train(config, run_dir=str(tmp_path / "ring"), progress=False, log=lambda *_: None)
    result = evaluate_run(run, log=lambda *_: None)
    assert result["kind"] == "points"
    assert set(result["scores"]) == {"modes_covered", "modes_total", "high_quality_fraction"}
    assert result["scores"]["modes_total"] == 8
    assert os.path.getsize(result["protocol"]["plot"]) > 1000


@pytest.mark.slow
def test_classifier_fid_ranks_trained_below_noise_below_untrained(tmp_path, cache_dir):
    from helpers import TINY

    from gantk.evaluation.sample_quality import evaluate_images, noise_images
    from gantk.training.build import build_gan, seed_everything
    from gantk.training.config import resolve_config
    from gantk.training.run import load_run, train
    from gantk.training.sampling import sample_uint8

    settings = dict(TINY, width=16, batch_size=32)
    run = train(resolve_config("dcgan", steps=150, **settings), run_dir=str(tmp_path / "dcgan"), progress=False, log=lambda *_: None)
    loaded = load_run(run)
    config, trained = loaded.config, loaded.gan
    seed_everything(config.seed)
    untrained = build_gan(config)

    def fid(images):
        scores, protocol = evaluate_images(images, config, "fid", "classifier", cache_dir=cache_dir, log=lambda *_: None)
        assert protocol["n_fake"] == 500
        return scores["fid"]

    trained_fid = fid(sample_uint8(trained, config, 500))
    untrained_fid = fid(sample_uint8(untrained, config, 500))
    noise_fid = fid(noise_images(500, config.image_shape))
    print(f"classifier FID, 500 samples: trained {trained_fid:.1f}, noise {noise_fid:.1f}, untrained {untrained_fid:.1f}")
    assert trained_fid < 0.5 * noise_fid and trained_fid < 0.5 * untrained_fid, (trained_fid, noise_fid, untrained_fid)


@pytest.mark.slow
def test_inception_reads_a_weights_file_without_the_top(tmp_path):
    import keras

    path = str(tmp_path / "inception_notop.weights.h5")
    original = keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg")
    original.save_weights(path)
    extractor = extractors.inception_extractor(weights_file=path)
    assert not extractor.has_probabilities and extractor.identity.startswith("inception-v3-file-")
    assert extractor.describe()["resize"].startswith("299x299 bilinear")
    images = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 1), dtype=np.uint8)
    features, _ = extractor.extract(images)
    assert features.shape == (3, 2048)
    expected = np.asarray(original(extractors._inception_prepare(images), training=False))
    np.testing.assert_allclose(features, expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ExtractorError, match="Inception Score"):
        extractor.extract(images, with_probabilities=True)
