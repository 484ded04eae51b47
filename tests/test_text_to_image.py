"""Text to image (gan-cls, gan-int): the tokenizer, phi(t) and its pretraining cache, the matching-aware
and interpolated objectives, sampling by caption, the export with its text encoder, serving by caption."""

import http.client
import io
import itertools
import json
import os
import re
import sys
import urllib.parse

import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.data import captions as grammar
from gantk.data.shapes import shapes_arrays
from gantk.errors import InputValueError
from gantk.tokenizer import MAX_LENGTH, UnknownWordError, build_vocabulary, encode, words
from helpers import TEXT_SETTINGS as SETTINGS
from helpers import filters_of, tiny_config, train_text_run, trained_briefly

CAPTION = "A small red circle in the top left on white"


def test_tokenizer_rules():
    vocabulary = build_vocabulary(["A red disc, on white.", "a BIG star"])
    assert vocabulary == ["a", "big", "disc", "on", "red", "star", "white"]
    assert words("Top-left: a red disc!") == ["top", "left", "a", "red", "disc"]
    ids = encode(["a red disc", "A  RED, disc."], vocabulary)
    assert ids.dtype == np.int32 and ids.shape == (2, MAX_LENGTH)
    np.testing.assert_array_equal(ids[0], ids[1])
    assert ids[0, :3].tolist() == [1, 5, 3] and not ids[0, 3:].any()
    with pytest.raises(UnknownWordError, match=r"'blob'.*vocabulary is: a big disc on red star white\."):
        encode("a red blob", vocabulary)
    with pytest.raises(InputValueError, match="at least one word"):
        encode(["a red disc", "!!"], vocabulary)
    with pytest.raises(InputValueError, match=f"at most {MAX_LENGTH} words"):
        encode(" ".join(["red"] * (MAX_LENGTH + 1)), vocabulary)


def test_the_attribute_table_reads_every_caption_of_the_grammar_exactly():
    """The upper-bound encoder: summed word rows give the parsed attributes as one-hots, whatever the template."""
    _, attributes, texts = shapes_arrays("test", 16, n=400)
    vocabulary = build_vocabulary(texts)
    table = grammar.attribute_table(vocabulary)
    onehots = np.minimum(table[encode(texts, vocabulary)].sum(axis=1), 1.0)
    features = [(name, value) for name, values in grammar.ATTRIBUTE_WORDS for value in values]
    for text, row, onehot in zip(texts, attributes, onehots):
        parsed = grammar.parse_caption(text)
        row_word, column_word = parsed["position"].split(" ")
        expected = {("kind", parsed["kind"]), ("colour", parsed["colour"]), ("size", parsed["size"]),
                    ("background", parsed["background"]), ("row", row_word), ("column", column_word)}
        assert {features[i] for i in np.flatnonzero(onehot)} == {f for f in features if f in expected}, text
    assert len({tuple(r) for r in onehots}) > 300, "different captions must mostly give different codes"


def test_mismatched_captions_never_match_and_stay_within_pairs():
    from gantk.training.text_to_image import mismatched

    for n in (2, 7, 8):
        rows = np.asarray(mismatched(np.arange(n)[:, None]))[:, 0]
        assert all(rows != np.arange(n)), n
        assert all(rows[: n - n % 2] // 2 == np.arange(n - n % 2) // 2), "pairs never cross a replica's even slice"


def test_the_matching_aware_objective_is_the_papers():
    """L_D = L(real) + (L(wrong) + L(fake)) / 2 (Reed et al. 2016, Algorithm 1), with the run's loss pair."""
    from gantk.training.build import build_compiled_gan
    from gantk.training.text_to_image import mismatched

    config, data = tiny_config("gan-cls", batch_norm=False)
    gan = build_compiled_gan(config)
    real = np.random.default_rng(0).uniform(-1, 1, (6, 16, 16, 3)).astype("float32")
    fake = np.random.default_rng(1).uniform(-1, 1, (6, 16, 16, 3)).astype("float32")
    h = gan.embed(encode(data.captions[:6], config.vocabulary))
    loss, real_logits, fake_logits = gan.discriminator_objective(real, fake, h)
    wrong_logits = gan.discriminate(real, mismatched(h))
    expected = bce(np.asarray(real_logits), True) + (bce(np.asarray(wrong_logits), False) + bce(np.asarray(fake_logits), False)) / 2
    assert np.isclose(float(loss), expected, rtol=1e-4)


def bce(logits, real):
    """The cross-entropy of D's logits against the target real (1) or fake (0)."""
    probability = 1 / (1 + np.exp(-np.asarray(logits, np.float64)))
    return -np.mean(np.log(probability if real else 1 - probability))


def test_gan_int_adds_the_interpolated_term_to_the_generator_only():
    from gantk.training.build import build_compiled_gan

    config, data = tiny_config("gan-int", batch_norm=False)
    assert config.interpolation == 0.5
    gan = build_compiled_gan(config)
    real = np.zeros((4, 16, 16, 3), "float32")
    h = gan.embed(encode(data.captions[:4], config.vocabulary))
    fake = gan.generate(np.zeros((4, config.latent_dim), "float32"), h, training=True)
    with_int = float(gan.generator_objective(real, fake, h))
    gan.interpolation = 0.0
    without = float(gan.generator_objective(real, fake, h))
    assert with_int > without > 0, "the interpolated images add a positive non-saturating term"


def test_caption_matching_adds_the_contrastive_loss_to_the_generator_objective():
    """G's objective gains WEIGHT times the symmetric contrastive loss between phi(t) and the image
    encoder's embedding of G's images (the sentence-level term of AttnGAN's DAMSM loss)."""
    from gantk.training.build import build_compiled_gan
    from gantk.training.text_pretraining import symmetric_info_nce

    config, data = tiny_config("gan-cls", batch_norm=False, caption_matching=2.0)
    gan = build_compiled_gan(config)
    assert not gan.image_encoder.trainable and "g_match" in [metric.name for metric in gan.metrics]
    real = np.zeros((4, 16, 16, 3), "float32")
    h = gan.embed(encode(data.captions[:4], config.vocabulary))
    fake = gan.generate(np.random.default_rng(0).normal(size=(4, config.latent_dim)).astype("float32"), h, training=True)
    with_matching = float(gan.generator_objective(real, fake, h))
    matching = float(symmetric_info_nce(h, gan.image_encoder(fake)))
    gan.caption_matching = 0.0
    assert matching > 0
    assert np.isclose(with_matching, float(gan.generator_objective(real, fake, h)) + 2.0 * matching, rtol=1e-5)


def test_the_auxiliary_classifier_adds_the_class_cross_entropy_to_both_objectives():
    """TAC-GAN: D's class logits read the image alone; D's loss gains WEIGHT times the cross-entropy
    of real and generated images against the batch's classes, G's that of its images."""
    import keras
    import tensorflow as tf

    from gantk.training.build import build_compiled_gan

    config, data = tiny_config("gan-cls", batch_norm=False, auxiliary_classifier=2.0)
    gan = build_compiled_gan(config)
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
    h = gan.embed(encode(data.captions[:4], config.vocabulary))
    fake = gan.generate(rng.normal(size=(4, config.latent_dim)).astype("float32"), h, training=True)
    gan.batch_classes = tf.constant([0, 1, 2, 4])
    logits, classes = gan.judge(real, h)
    assert tuple(logits.shape) == (4, 1) and tuple(classes.shape) == (4, len(config.label_names))
    np.testing.assert_allclose(np.asarray(gan.judge(real, h[::-1])[1]), np.asarray(classes), rtol=1e-5, atol=1e-6)

    def cross_entropy(images):
        class_logits = gan.judge(images, h, training=True)[1]
        return float(np.mean(keras.losses.sparse_categorical_crossentropy(gan.batch_classes, class_logits, from_logits=True)))

    d_with, g_with = float(gan.discriminator_objective(real, fake, h)[0]), float(gan.generator_objective(real, fake, h))
    d_classes, g_classes = cross_entropy(real) + cross_entropy(fake), cross_entropy(fake)
    gan.auxiliary_classifier = 0.0
    gan.discriminator = keras.Model(gan.discriminator.inputs, gan.discriminator.outputs[0][:, :1])
    assert np.isclose(d_with, float(gan.discriminator_objective(real, fake, h)[0]) + 2.0 * d_classes, rtol=1e-5)
    assert np.isclose(g_with, float(gan.generator_objective(real, fake, h)) + 2.0 * g_classes, rtol=1e-5)


def test_a_training_step_with_the_auxiliary_classifier_logs_it_and_refusals():
    from gantk.errors import GantkError
    from gantk.training.build import build_compiled_gan

    config, data = tiny_config("gan-int", auxiliary_classifier=1.0, spectral_norm=True)
    history = trained_briefly(build_compiled_gan(config), config, data)
    assert history["g_class"][-1] > 0
    with pytest.raises(GantkError, match="does not take option `d_steps` 2"):
        tiny_config("gan-cls", auxiliary_classifier=1.0, d_steps=2)


def decode(ids, vocabulary):
    return " ".join(vocabulary[i - 1] for i in ids if i)


def test_caption_negatives_change_exactly_one_attribute():
    """Each swap moves one attribute to another value and keeps every other attribute; a caption
    that names no value of an attribute (the middle row) gets no negative for it."""
    import keras

    from gantk.nets.caption_negatives import CaptionNegatives

    _, _, texts = shapes_arrays("test", 16, n=300)
    vocabulary = build_vocabulary(texts)
    negatives = CaptionNegatives(vocabulary)
    assert negatives.attributes == ["kind", "colour", "size", "row", "column", "background"]
    assert negatives.value_counts() == [5, 8, 2, 2, 2, 4]
    tokens = encode(texts, vocabulary)
    parsed = [grammar.parse_caption(text) for text in texts]
    names = {"row": lambda p: p["position"].split(" ")[0], "column": lambda p: p["position"].split(" ")[1]}
    read = {name: names.get(name, lambda p, name=name: p[name]) for name in negatives.attributes}
    for attribute, (name, count) in enumerate(zip(negatives.attributes, negatives.value_counts())):
        seen = [set() for _ in texts]
        for offset in range(1, count):
            swapped, named = negatives.swap(tokens, attribute, offset)
            for row, (ids, was, ok) in enumerate(zip(np.asarray(swapped), parsed, np.asarray(named))):
                assert ok == (read[name](was) not in ("middle", "centre")), texts[row]
                if not ok:
                    np.testing.assert_array_equal(ids, tokens[row])
                    continue
                now = grammar.parse_caption(decode(ids, vocabulary))
                assert read[name](now) != read[name](was), (texts[row], decode(ids, vocabulary))
                assert all(read[other](now) == read[other](was) for other in read if other != name)
                seen[row].add(read[name](now))
        assert all(len(values) in (0, count - 1) for values in seen), f"the offsets reach every other {name}"
    drawn, valid = negatives.draw(tokens[:8], keras.random.SeedGenerator(0))
    assert tuple(drawn.shape) == (8, negatives.count, MAX_LENGTH) and tuple(valid.shape) == (8, negatives.count)


def test_a_vocabulary_outside_the_grammar_gives_no_negatives():
    from gantk.nets.caption_negatives import CaptionNegatives

    assert CaptionNegatives(build_vocabulary(["a photo of a dog", "a cat on a red sofa"])).count == 0


def test_hard_negatives_join_each_image_s_softmax_over_captions():
    """NegCLIP's image -> caption term: image i's cross-entropy runs over the batch's captions and its
    own valid negatives; invalid ones change nothing, and the caption -> image term is unchanged."""
    from gantk.training.text_pretraining import symmetric_info_nce

    rng = np.random.default_rng(0)
    unit = lambda x: (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype("float32")  # noqa: E731
    text, image, hard = unit(rng.normal(size=(4, 8))), unit(rng.normal(size=(4, 8))), unit(rng.normal(size=(4, 3, 8)))
    valid = np.array([[True, False, True]] * 4)
    plain = float(symmetric_info_nce(text, image, temperature=0.5))
    assert np.isclose(float(symmetric_info_nce(text, image, 0.5, negatives=(hard, np.zeros_like(valid)))), plain, rtol=1e-6)
    logits = text @ image.T / 0.5
    image_logits = np.concatenate([logits.T, np.where(valid, np.einsum("nd,nkd->nk", image, hard) / 0.5, -np.inf)], axis=1)
    cross_entropy = lambda x: np.mean(np.log(np.exp(x).sum(1)) - x[np.arange(4), np.arange(4)])  # noqa: E731
    expected = (cross_entropy(logits) + cross_entropy(image_logits)) / 2
    assert np.isclose(float(symmetric_info_nce(text, image, 0.5, negatives=(hard, valid))), expected, rtol=1e-5)
    assert expected > plain


def test_attribute_reading_counts_images_nearer_their_own_caption():
    """With the attribute table as the text encoder, an image embedded as its own caption reads every
    attribute; one embedded as the caption with another kind reads no kind and every other attribute."""
    from gantk.nets.caption_negatives import CaptionNegatives
    from gantk.nets.text import attribute_encoder
    from gantk.training.text_pretraining import attribute_reading

    _, _, texts = shapes_arrays("test", 16, n=200)
    vocabulary = build_vocabulary(texts)
    tokens = encode(texts, vocabulary)
    encoder = attribute_encoder(grammar.attribute_table(vocabulary), MAX_LENGTH)
    negatives = CaptionNegatives(vocabulary)
    own = np.asarray(encoder(tokens))
    assert attribute_reading(negatives, encoder, tokens, own, own) == dict.fromkeys(negatives.attributes, 1.0)
    other_kind = np.asarray(encoder(np.asarray(negatives.swap(tokens, 0, 1)[0])))
    reading = attribute_reading(negatives, encoder, tokens, own, other_kind)
    assert reading["kind"] == 0.0 and all(reading[name] == 1.0 for name in negatives.attributes[1:])


def test_a_caption_matching_step_draws_the_generator_s_hard_negatives():
    import tensorflow as tf

    from gantk.training.build import build_compiled_gan

    config, data = tiny_config("gan-cls", batch_norm=False, caption_matching=1.0)
    assert build_compiled_gan(config).caption_negatives is None, "hard negatives are opt-in"
    config, data = tiny_config("gan-cls", batch_norm=False, caption_matching=1.0, caption_negatives=True)
    gan = build_compiled_gan(config)
    batch = {"image": tf.zeros((4, 16, 16, 3)), "tokens": tf.constant(encode(data.captions[:4], config.vocabulary)), "label": tf.zeros(4, "int32")}
    logs = gan.train_step(batch)
    embeddings, valid = gan.generator_negatives
    assert tuple(embeddings.shape) == (4, gan.caption_negatives.count, int(gan.text_encoder.output.shape[-1]))
    assert np.asarray(valid)[:, 0].all(), "every shapes caption names its kind"
    assert np.isfinite(float(logs["g_match"]))


def test_caption_matching_needs_the_pretrained_text_encoder():
    from gantk.errors import GantkError

    with pytest.raises(GantkError, match="Option `caption_matching` compares G's images"):
        tiny_config("gan-cls", text_encoder="attributes", caption_matching=1.0)
    with pytest.raises(GantkError, match="applies to gan-cls, gan-int, not to dcgan"):
        tiny_config("dcgan", caption_matching=1.0)
    with pytest.raises(GantkError, match="Option `caption_negatives` adds hard negatives to caption matching"):
        tiny_config("gan-cls", caption_negatives=True)


def test_a_caption_matching_run_gets_the_pretrained_image_encoder_and_resumes(tmp_path, monkeypatch):
    from gantk.data import shapes
    from gantk.nets.text import IMAGE_ENCODER_VERSION
    from gantk.training import text_pretraining
    from gantk.training.checkpoint import latest_checkpoint

    monkeypatch.setenv("GANTK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(shapes.SPLITS, "train", 1024)
    monkeypatch.setitem(shapes.SPLITS, "test", 1000)
    run_dir = str(tmp_path / "run")
    settings = [*SETTINGS, "--text-encoder-steps", "2", "--caption-matching", "1", "--checkpoint-every", "2", "--out", run_dir]
    result = CliRunner().invoke(cli, ["train", "gan-cls", *settings, "--steps", "2"])
    assert result.exit_code == 0, result.output
    history = [json.loads(line) for line in open(os.path.join(run_dir, "history.jsonl"))]
    assert history and all(np.isfinite(row["g_match"]) for row in history)
    (folder,) = (tmp_path / "cache" / "text_encoders").iterdir()
    with np.load(folder / text_pretraining.IMAGE_WEIGHTS_FILE) as cached, np.load(latest_checkpoint(run_dir)) as checkpoint:
        stored = sorted(key for key in checkpoint.files if key.startswith("image_encoder/"))
        assert len(stored) == len(cached.files) > 0
        for key, name in zip(stored, sorted(cached.files)):
            np.testing.assert_array_equal(checkpoint[key], cached[name])
    result = CliRunner().invoke(cli, ["train", "gan-cls", "--resume", "--steps", "3", "--out", run_dir])
    assert result.exit_code == 0, result.output
    assert "Resuming" in result.output
    assert json.loads(open(os.path.join(run_dir, "history.jsonl")).readlines()[-1])["step"] == 3
    config_path = os.path.join(run_dir, "config.json")
    saved = json.load(open(config_path))
    assert saved["image_encoder_version"] == IMAGE_ENCODER_VERSION
    del saved["image_encoder_version"]
    json.dump(saved, open(config_path, "w"))
    result = CliRunner().invoke(cli, ["train", "gan-cls", "--resume", "--steps", "4", "--out", run_dir])
    assert result.exit_code != 0 and "image_encoder_version (layout of the frozen image encoder" in result.output, result.output
    assert f"was None, now {IMAGE_ENCODER_VERSION}" in result.output
    assert "Traceback" not in result.output


def test_retrieval_accuracy_counts_attribute_matches_both_ways():
    from gantk.training.text_pretraining import retrieval_accuracy

    attributes = np.repeat(np.arange(10)[:, None], 5, axis=1)
    embeddings = np.eye(10, dtype="float32")
    perfect = retrieval_accuracy(embeddings, embeddings, attributes, gallery=5)
    assert perfect == {"caption_to_image": 1.0, "image_to_caption": 1.0, "pairs": 10}
    shifted = retrieval_accuracy(embeddings, np.roll(embeddings, 1, axis=0), attributes, gallery=10)
    assert shifted["caption_to_image"] == 0.0 and shifted["image_to_caption"] == 0.0


def test_pretraining_learns_and_is_cached_per_setting(tmp_path, monkeypatch):
    import keras

    from gantk.training import text_pretraining
    from gantk.zoo.gan_cls import build_text_encoder

    monkeypatch.setattr(text_pretraining, "default_cache_dir", lambda: str(tmp_path))
    monkeypatch.setattr(text_pretraining, "test_pairs", lambda config, n=None: None)
    config, data = tiny_config("gan-cls", text_encoder_steps=120)
    images, _, texts = shapes_arrays("train", 16, n=512)
    messages = []
    keras.utils.set_random_seed(0)
    encoder = build_text_encoder(config)
    encoder.trainable = False
    initial = encoder.get_weights()
    info = text_pretraining.pretrained_text_encoder(encoder, config, texts, images, log=messages.append)
    chance = float(np.log(text_pretraining.PRETRAIN_BATCH))
    assert info["final_loss"] < 0.8 * chance, "the contrastive loss must fall well below chance"
    assert not encoder.trainable, "the GAN's frozen text encoder stays frozen after its pretraining"
    assert all(not np.array_equal(a, b) for a, b in zip(initial, encoder.get_weights())), "every text encoder weight is pretrained"
    assert os.listdir(tmp_path / "text_encoders") == [os.path.basename(text_pretraining.cache_folder(config))]
    again = build_text_encoder(config)
    text_pretraining.pretrained_text_encoder(again, config, texts, images, log=messages.append)
    assert "cached one" in messages[-1]
    for a, b in zip(encoder.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    for other in (config.with_overrides(text_encoder_steps=121), config.with_overrides(precision="mixed_bfloat16")):
        assert text_pretraining.cache_folder(other) != text_pretraining.cache_folder(config)


def test_d_width_sets_the_matching_aware_discriminator():
    from gantk.training.config import resolve_config
    from gantk.zoo.gan_cls import discriminator

    def convolutions(**widths):
        config = resolve_config("gan-cls", dataset="shapes", image_size=16, text_encoder="attributes", **widths)
        return filters_of(discriminator(config), "Conv2D")

    assert convolutions(width=4) == [4, 8, 8]
    assert convolutions(width=4, d_width=6) == [6, 12, 12]


def test_captioned_variants_need_captions():
    from gantk.errors import GantkError

    with pytest.raises(GantkError, match="gan-cls variant trains on captioned images"):
        tiny_config("gan-cls", dataset="digits")
    with pytest.raises(GantkError, match="applies to gan-cls, gan-int, not to dcgan"):
        tiny_config("dcgan", interpolation=0.5)


def test_a_captioned_variant_on_data_without_captions_is_refused_before_any_measurement(monkeypatch):
    monkeypatch.setenv("GANTK_AUTOTUNE", "on")
    result = CliRunner().invoke(cli, ["train", "gan-cls", "--dataset", "digits", "--steps", "1"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: The gan-cls variant trains on captioned images (dataset shapes); dataset 'digits' has no captions."
    ]


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    return train_text_run(str(tmp_path_factory.mktemp("text-to-image")))


def test_a_text_run_records_its_vocabulary_and_reports_retrieval(text_run):
    run_dir, output = text_run
    config = json.load(open(os.path.join(run_dir, "config.json")))
    assert config["vocabulary"] == build_vocabulary(shapes_arrays("train", 16)[2])
    assert config["interpolation"] == 0.5 and config["text_encoder"] == "pretrained"
    assert "caption->image" in output and "image->caption" in output


def test_sample_by_caption_and_the_unknown_word_error(text_run, tmp_path):
    run_dir, _ = text_run
    runner = CliRunner()
    out = str(tmp_path / "red.npy")
    result = runner.invoke(cli, ["sample", run_dir, "--caption", CAPTION, "--n", "3", "--out", out])
    assert result.exit_code == 0, result.output
    assert np.load(out).shape == (3, 16, 16, 3)
    result = runner.invoke(cli, ["sample", run_dir, "--caption", "a small red blob", "--out", str(tmp_path / "x.png")])
    assert result.exit_code != 0
    assert "'blob'" in result.output and "vocabulary is: a against" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["sample", run_dir, "--label", "1", "--out", str(tmp_path / "x.png")])
    assert result.exit_code != 0 and "--caption" in result.output


def test_interpolating_captions_keeps_z_and_walks_the_text(text_run, tmp_path):
    from gantk.api import load_run
    from gantk.evaluation import latent

    run_dir, _ = text_run
    other = "A large blue star at the bottom right on black"
    result = CliRunner().invoke(cli, ["interpolate", run_dir, "--captions", f"{CAPTION},{other}", "--seeds", "0,1", "--steps", "4", "--out", str(tmp_path / "walk.png")])
    assert result.exit_code == 0, result.output
    assert "(8 images)" in result.output
    run = load_run(run_dir)
    strip, columns, _ = latent.text_walk(run.gan, run.config, [0], [CAPTION, other], steps=4)
    ends = latent.render(run.gan, latent.seed_latents([0, 0], run.config.latent_dim), latent.caption_embeddings(run.gan, run.config, [CAPTION, other]))
    np.testing.assert_array_equal(strip[[0, -1]], ends)
    result = CliRunner().invoke(cli, ["interpolate", run_dir, "--caption", CAPTION, "--seeds", "0,1,2", "--steps", "3", "--out", str(tmp_path / "style.png")])
    assert result.exit_code == 0 and "(6 images)" in result.output, result.output


def test_export_with_its_text_encoder_matches_gantk_sample(text_run, tmp_path):
    from gantk.export import exporter
    from gantk.export.runtime import Generator

    run_dir, _ = text_run
    result = exporter.export_run(run_dir, str(tmp_path / "export"), log=lambda *_: None)
    assert set(result.parity) == {"saved_model", "onnx"} and max(result.parity.values()) <= 1e-4
    generator = Generator.load(str(tmp_path / "export" / "generator.onnx"))
    assert [i.name for i in generator.session.get_inputs()] == ["z", "tokens"]
    assert generator.captioned and generator.metadata["max_length"] == MAX_LENGTH and "lowercase" in generator.metadata["tokenizer"]
    sampled = str(tmp_path / "sampled.npy")
    assert CliRunner().invoke(cli, ["sample", run_dir, "--caption", CAPTION, "--n", "5", "--seed", "4", "--out", sampled]).exit_code == 0
    np.testing.assert_array_equal(generator.sample(5, seed=4, caption=CAPTION), np.load(sampled))
    with pytest.raises(UnknownWordError, match="'blob'"):
        generator.sample(2, caption="a red blob")
    with pytest.raises(InputValueError, match="`caption` is required"):
        generator.sample(2)


def test_a_text_export_quantizes_on_the_preview_captions(text_run, tmp_path, monkeypatch):
    """int8 and fp16 files of a text-to-image generator keep its text encoder and pass the gate's bookkeeping."""
    from gantk.data import shapes
    from gantk.evaluation import extractors
    from gantk.export import exporter
    from gantk.export.runtime import Generator

    run_dir, _ = text_run
    monkeypatch.setenv("GANTK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(shapes.SPLITS, "train", 1024)
    monkeypatch.setitem(shapes.SPLITS, "test", 1000)
    monkeypatch.setattr(extractors, "CLASSIFIER_EXAMPLE_PASSES", 1)
    printed = []
    out = tmp_path / "export"
    exporter.export_run(run_dir, str(out), formats=["onnx"], quantize=["int8", "fp16"], quality_bound=5.0, log=printed.append)
    assert sum(line.startswith("Quantized") and "FID" in line for line in printed) == 2, printed
    float_images = Generator.load(str(out / "generator.onnx")).sample(16, seed=0, caption=CAPTION).astype(int)
    for kind, mean_limit in (("fp16", 1.0), ("int8", 12.0)):
        generator = Generator.load(str(out / f"generator.{kind}.onnx"))
        assert generator.captioned and kind in generator.metadata["quantization"]
        images = generator.sample(16, seed=0, caption=CAPTION)
        assert np.abs(images.astype(int) - float_images).mean() < mean_limit, kind
    monkeypatch.chdir(out)
    card = open("README.md").read()
    blocks = [block for block in re.findall(r"```python\n(.*?)```", card, re.S) if "generator.int8.onnx" in block or "generator.fp16.onnx" in block]
    assert len(blocks) == 2
    for block in blocks:
        namespace = {}
        exec(block, namespace)
        assert np.asarray(namespace["images"]).shape == (16, 16, 16, 3)


def test_the_text_exports_card_code_runs_and_draws_its_caption(text_run, tmp_path, monkeypatch):
    from gantk.export import exporter
    from gantk.export.runtime import Generator

    run_dir, _ = text_run
    out = tmp_path / "export"
    exporter.export_run(run_dir, str(out), log=lambda *_: None)
    monkeypatch.chdir(out)
    card = open("README.md").read()
    assert "a caption of at most 24 words" in card and "`tokens` int32 [batch, max_length]" in card
    images = []
    for block in re.findall(r"```python\n(.*?)```", card, re.S):
        namespace = {}
        exec(block, namespace)
        images.append(np.asarray(namespace["images"]))
    assert len(images) == 3 and all(image.shape == (16, 16, 16, 3) for image in images)
    caption = grammar.preview_captions()[0]
    np.testing.assert_array_equal(images[0], Generator.load("generator.onnx").sample(16, seed=0, caption=caption))
    np.testing.assert_array_equal(images[0], images[1])


def test_the_runtime_tokenizes_without_tensorflow(text_run, tmp_path):
    """The runtime and its tokenizer import no TensorFlow."""
    import subprocess

    script = "import sys; import gantk.export.runtime, gantk.tokenizer; print('tensorflow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=str(tmp_path))
    assert done.stdout.strip() == "False", done.stderr


def test_serving_by_caption(text_run, tmp_path):
    from gantk.export import exporter
    from gantk.export.runtime import Generator
    from gantk.export.serve import open_server, serve_in_thread

    run_dir, _ = text_run
    out = exporter.export_run(run_dir, str(tmp_path / "export"), formats=["onnx"], log=lambda *_: None).out_dir
    server = open_server(out, port=0, log=lambda *_: None)
    serve_in_thread(server)
    try:
        def get(query):
            connection = http.client.HTTPConnection(*server.server_address[:2], timeout=30)
            connection.request("GET", "/sample?" + urllib.parse.urlencode(query))
            response = connection.getresponse()
            return response.status, response.read()

        status, body = get({"seed": 2, "n": 3, "caption": CAPTION, "format": "npy"})
        assert status == 200
        np.testing.assert_array_equal(np.load(io.BytesIO(body)), Generator.load(os.path.join(out, "generator.onnx")).sample(3, seed=2, caption=CAPTION))
        for query, fragment in (({"seed": 0, "n": 1}, "`caption` is required"), ({"seed": 0, "n": 1, "caption": "a red blob"}, "'blob'"), ({"seed": 0, "n": 1, "caption": CAPTION, "label": "1"}, "conditional")):
            status, body = get(query)
            assert status == 400 and fragment in json.loads(body)["error"], body
    finally:
        server.shutdown()
        server.server_close()


def test_paraphrases_encode_to_the_same_attributes():
    """Every template and synonym of one picture's attributes reads back as the same attribute code."""
    vocabulary = build_vocabulary(shapes_arrays("train", 16, n=2000)[2])
    table = grammar.attribute_table(vocabulary)
    texts = {grammar.make_caption(1, 2, 0, 2, 3, list(draws)) for draws in itertools.product(range(6), range(3), [0], range(3), range(3), range(3), range(3))}
    codes = {tuple(np.minimum(table[encode(t, vocabulary)[0]].sum(0), 1)) for t in texts}
    assert len(texts) > 50 and len(codes) == 1


def test_the_benchmark_captions_say_what_they_claim():
    """Seen captions name training pairs, held-out ones the held-out pairs; paraphrases use every template."""
    from gantk.bench.text_to_image import benchmark_captions
    from gantk.data.shapes import HELD_OUT, ATTRIBUTE_VALUES

    captions = benchmark_captions()
    assert benchmark_captions() == captions

    def named(text, attributes):
        parsed = grammar.parse_caption(text)
        return all(parsed[name] == ATTRIBUTE_VALUES[name][value] for name, value in zip(("kind", "colour", "size", "position", "background"), attributes))

    pairs = {part: {(grammar.COLOURS[a[1]], grammar.KINDS[a[0]]) for _, a in captions[part]} for part in ("seen", "held_out")}
    assert pairs["held_out"] == set(HELD_OUT) and not pairs["seen"] & set(HELD_OUT) and len(pairs["seen"]) == 30
    assert all(named(text, a) for part in ("seen", "held_out") for text, a in captions[part])
    for group in captions["paraphrases"]:
        assert len({text for text, _ in group}) == len(grammar.TEMPLATES) and len({tuple(a) for _, a in group}) == 1
        assert all(named(text, a) for text, a in group)
