"""Crafted model files are refused in one sentence without running their code."""

import os

import keras
import pytest

from gantk.evaluation.extractors import ExtractorError, classifier_extractor, dataset_key


def test_a_cached_classifier_with_a_lambda_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"
    folder = tmp_path / "classifiers" / dataset_key("digits", "train", 16, 1)
    folder.mkdir(parents=True)
    inputs = keras.Input((16, 16, 1))
    code = eval(f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]")
    keras.Model(inputs, keras.layers.Lambda(code)(inputs)).save(folder / "classifier.keras")
    marker.unlink()
    (folder / "classifier.json").write_text("{}")
    with pytest.raises(ExtractorError, match=r"cannot be loaded safely.*delete .* so that it is trained again") as raised:
        classifier_extractor("digits", 16, 1, cache_dir=str(tmp_path))
    assert "\n" not in str(raised.value) and not os.path.exists(marker)
