"""The semi-supervised GAN: the K+1 trick, feature matching, the labelled draw, the held-out split,
exact resume, classify / evaluate / export --classifier and the runtime Classifier."""

import json

import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from gantk import losses
from gantk.cli.main import cli
from gantk.data import load_dataset
from gantk.data.arrays import to_arrays
from gantk.data.semi_supervised import draw_labeled, semi_supervised_batches, split_labeled
from gantk.errors import ConfigError
from gantk.training.config import resolve_config
from gantk.training.semi_supervised import class_entropy, consistency_gap, real_fake_logit
from gantk.training.run import train

TINY_SSGAN = [
    "--image-size", "16", "--batch-size", "8", "--latent-dim", "8", "--hidden", "16,16", "--labeled-per-class", "2",
    "--quiet",
]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_fake_class_logit_fixed_at_zero_gives_d_of_x_as_z_over_z_plus_one():
    logits = np.random.default_rng(0).normal(size=(5, 10)).astype("float32") * 3
    z = np.exp(logits.astype("float64")).sum(axis=1, keepdims=True)
    d = tf.sigmoid(real_fake_logit(tf.constant(logits))).numpy()
    np.testing.assert_allclose(d, z / (z + 1.0), rtol=1e-5)


def test_feature_matching_is_the_mean_squared_gap_of_the_feature_means():
    real = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    fake = np.array([[0.0, 0.0], [0.0, 2.0]], "float32")
    pair = losses.get("feature-matching")
    value = pair.generator(real.mean(axis=0), fake.mean(axis=0))
    assert pair.matches_features and np.isclose(float(value), ((2.0 - 0.0) ** 2 + (3.0 - 1.0) ** 2) / 2)


def test_the_labelled_draw_is_a_function_of_the_seed():
    labels = np.repeat(np.arange(4), 6)
    first, again, other = draw_labeled(labels, 2, seed=3), draw_labeled(labels, 2, seed=3), draw_labeled(labels, 2, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert np.bincount(labels[first]).tolist() == [2, 2, 2, 2]
    with pytest.raises(ConfigError, match="labeled_per_class"):
        draw_labeled(labels, 7, seed=0)


def test_the_data_summary_names_the_source_and_the_labelled_draw():
    from gantk.data.summary import describe, summary_lines

    lines = summary_lines(describe(split_labeled(load_dataset("digits", image_size=8, split="train"), 10, 3)))
    assert lines[0].startswith("Data: bundled digits")
    assert "1247 examples" in lines[1] and "100 labelled (10 per class, drawn with seed 3)" in lines[2]


def test_the_digits_split_is_the_probe_split_and_training_never_sees_the_held_out_images():
    from sklearn.model_selection import train_test_split

    data = load_dataset("digits", image_size=8)
    images, labels = to_arrays(data)
    probe_train, probe_test, _, _ = train_test_split(images, labels, test_size=0.25, random_state=0, stratify=labels)
    train_part, test_part = load_dataset("digits", image_size=8, split="train"), load_dataset("digits", image_size=8, split="test")
    np.testing.assert_array_equal(to_arrays(train_part)[0], probe_train)
    np.testing.assert_array_equal(to_arrays(test_part)[0], probe_test)
    assert (train_part.num_examples, test_part.num_examples) == (1347, 450)

    split = split_labeled(train_part, 10, seed=0)
    assert split.labeled.num_examples == 100 and split.num_examples == 1247
    seen = np.concatenate([to_arrays(split)[0], to_arrays(split.labeled)[0]]).reshape(1347, -1)
    assert len({row.tobytes() for row in seen} & {row.tobytes() for row in probe_test.reshape(450, -1)}) <= len(
        {row.tobytes() for row in probe_train.reshape(1347, -1)} & {row.tobytes() for row in probe_test.reshape(450, -1)}
    ), "only images that also occur (as duplicates) in the training split may match held-out ones"
    batch = next(iter(semi_supervised_batches(split, 8, seed=0)))
    assert sorted(batch) == ["image", "labeled_image", "labeled_label"]
    assert batch["labeled_image"].shape == (8, 8, 8, 1) and batch["image"].dtype == tf.float32

    everything = split_labeled(train_part, 10, seed=0, unlabeled="all")
    assert everything.num_examples == 1347 and everything.record()["unlabeled_source"] == "all"
    np.testing.assert_array_equal(to_arrays(everything)[0], probe_train)
    np.testing.assert_array_equal(to_arrays(everything.labeled)[0], to_arrays(split.labeled)[0])
    with pytest.raises(ConfigError, match="unlabeled"):
        split_labeled(train_part, 10, seed=0, unlabeled="some")


def test_semi_supervised_batches_resume_exactly():
    split = split_labeled(load_dataset("digits", image_size=8, split="train"), 1, seed=0)
    whole = [b for b in semi_supervised_batches(split, 16, seed=2).take(5).as_numpy_iterator()]
    later = next(iter(semi_supervised_batches(split, 16, seed=2, start_step=4)))
    for key in whole[4]:
        np.testing.assert_array_equal(whole[4][key], later[key].numpy())


@pytest.mark.slow
def test_ssgan_runs_classify_evaluate_and_export_a_classifier(tmp_path):
    run_dir = tmp_path / "ssgan"
    result = run("train", "ssgan", "--steps", 3, "--discriminator-ema", 0.5, "--out", run_dir, *TINY_SSGAN)
    assert result.exit_code == 0, result.output
    record = json.loads((run_dir / "data.json").read_text())
    assert record["labeled"] == 20 and record["unlabeled"] == 1347 - 20 and max(record["labeled_indices"]) < 1347

    held_out = load_dataset("digits", image_size=8, split="test")
    images, labels = to_arrays(held_out)
    np.save(tmp_path / "x.npy", images[..., 0])
    np.save(tmp_path / "y.npy", labels)
    result = run("classify", run_dir, tmp_path / "x.npy", "--out", tmp_path / "p.npy", "--labels", tmp_path / "y.npy")
    assert result.exit_code == 0, result.output
    predicted = np.load(tmp_path / "p.npy")
    assert predicted.shape == (450,) and predicted.dtype == np.int32

    result = run("evaluate", run_dir, "--json", tmp_path / "e.json")
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "e.json").read_text())["scores"]
    assert np.isclose(scores["accuracy"], np.mean(predicted == labels)) and scores["n_test"] == 450
    assert f"Accuracy: {scores['accuracy']:.4f}" in CliRunner().invoke(
        cli, ["classify", str(run_dir), str(tmp_path / "x.npy"), "--out", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.npy")]
    ).output
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert rows[0] == "input,label,label_name,probability" and len(rows) == 451

    result = run("export", run_dir, "--classifier", "--out", tmp_path / "clf")
    assert result.exit_code == 0, result.output
    assert "Parity        onnx" in result.output and "Parity saved_model" in result.output
    from gantk.export.runtime import Classifier
    from gantk.evaluation.classification import as_uint8_images
    from gantk.training.run import load_run

    config = load_run(str(run_dir)).config
    classifier = Classifier.load(tmp_path / "clf" / "classifier.onnx")
    assert classifier.num_classes == 10 and classifier.labels == [str(d) for d in range(10)]
    agree = np.mean(classifier.predict(as_uint8_images(images, config)) == predicted)
    assert agree == 1.0

    dcgan = tmp_path / "dcgan"
    assert run("train", "dcgan", "--steps", 1, "--out", dcgan, "--image-size", "16", "--width", "4", "--batch-size", "8", "--quiet").exit_code == 0
    refused = run("classify", dcgan, tmp_path / "x.npy")
    assert refused.exit_code == 2 and "has no classifier" in refused.output


@pytest.mark.parametrize(
    "networks", [{}, {"weight_norm": "both", "g_batch_norm": True, "d_logit_noise": 0.5, "consistency_weight": 3.0}],
    ids=["plain", "paper"],
)
def test_ssgan_resumes_exactly(tmp_path, networks):
    settings = dict(dataset="digits", image_size=16, batch_size=8, latent_dim=8, seed=0)
    options = dict(d_hidden=[16, 16], g_hidden=[16], labeled_per_class=1, discriminator_ema=0.9, **networks)

    def quiet(steps, out, resume=False):
        config = resolve_config("ssgan", steps=steps, **options, checkpoint_every=2, **settings)
        train(config, run_dir=str(out), resume=resume, progress=False, log=lambda *_: None)
        with np.load(out / "checkpoints" / f"ckpt-{steps:08d}.npz") as stored:
            return {key: stored[key] for key in stored.files}

    straight = quiet(4, tmp_path / "straight")
    assert any(key.startswith("discriminator_average/") for key in straight)
    quiet(2, tmp_path / "restarted")
    restarted = quiet(4, tmp_path / "restarted", resume=True)
    assert straight.keys() == restarted.keys()
    for key in straight:
        np.testing.assert_allclose(restarted[key], straight[key], rtol=1e-5, atol=1e-6, err_msg=key)


def small_ssgan(**options):
    """(config, first batch) of an ``ssgan`` with tiny MLPs on 8x8 digits and one label per class."""
    from helpers import tiny_batches, tiny_config

    config, data = tiny_config(
        "ssgan", image_size=8, latent_dim=4, d_hidden=[8], g_hidden=[8], labeled_per_class=1, **options
    )
    return config, next(iter(tiny_batches(config, data)))


def seeded_gan(config):
    """The model of ``config`` built from seed 0, so that two builds start from the same weights."""
    from gantk.training.build import build_compiled_gan, seed_everything

    seed_everything(0)
    return build_compiled_gan(config)


def test_adversarial_weight_zero_trains_on_the_labelled_images_alone():
    config, batch = small_ssgan(adversarial_weight=0.0, d_noise=0.0, d_input_noise=0.0)
    changed = dict(batch, image=tf.random.uniform(tf.shape(batch["image"]), -1, 1, seed=1))
    weights = []
    for step_batch in (batch, changed):
        gan = seeded_gan(config)
        gan.train_step(step_batch)
        weights.append([v.numpy() for v in gan.discriminator.trainable_variables])
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_entropy_and_consistency_measure_the_class_distributions():
    uniform, sure = tf.zeros((3, 10)), tf.one_hot([1, 2, 3], 10) * 50.0
    assert np.isclose(float(class_entropy(uniform)), np.log(10.0)) and float(class_entropy(sure)) < 1e-6
    logits, target = tf.Variable([[2.0, 0.0]]), tf.Variable([[0.0, 2.0]])
    with tf.GradientTape() as tape:
        gap = consistency_gap(logits, target)
    p = 1 / (1 + np.exp(-2.0))
    assert np.isclose(float(gap), 2 * (2 * p - 1) ** 2, rtol=1e-5)
    first, second = tape.gradient(gap, [logits, target])
    assert second is None and np.abs(first.numpy()).sum() > 0
    assert float(consistency_gap(logits, logits)) == 0.0


def test_the_entropy_weight_adds_the_unlabelled_batch_entropy_to_the_discriminator_loss():
    losses_by_weight = {}
    for weight in (0.0, 0.5):
        config, batch = small_ssgan(d_noise=0.0, d_input_noise=0.0, entropy_weight=weight, consistency_weight=1.0)
        gan = seeded_gan(config)
        entropy = float(class_entropy(gan.classify(batch["image"])))
        losses_by_weight[weight] = float(gan.train_step(batch)["d_loss"])
    assert entropy > 0.1
    np.testing.assert_allclose(losses_by_weight[0.5] - losses_by_weight[0.0], 0.5 * entropy, rtol=1e-4)


def test_the_discriminator_average_is_the_classifier_outside_training():
    from gantk.training.build import build_compiled_gan

    config, batch = small_ssgan(discriminator_ema=0.75)
    gan = seeded_gan(config)
    kernel = gan.discriminator.get_layer("logit").kernel
    before = kernel.numpy()
    gan.train_step(batch)
    average = gan.inference_classifier.get_layer("logit").kernel.numpy()
    np.testing.assert_allclose(average, 0.75 * before + 0.25 * kernel.numpy(), rtol=1e-5, atol=1e-7)
    images = batch["labeled_image"]
    np.testing.assert_allclose(gan.classify(images), gan.inference_classifier(images), rtol=1e-6)
    assert not np.allclose(gan.classify(images), gan.discriminator(images, training=False))
    with pytest.raises(ConfigError, match="discriminator_ema"):
        build_compiled_gan(config.with_overrides(discriminator_ema=1.5))


def test_any_variant_can_train_its_generator_by_feature_matching():
    from gantk.training.build import build_compiled_gan

    from helpers import tiny_batches, tiny_config

    config, data = tiny_config("dcgan", loss="feature-matching")
    gan = build_compiled_gan(config)
    assert gan.feature_extractor.output.shape[-1] == gan.discriminator.get_layer("logit").input.shape[-1]
    history = gan.fit(tiny_batches(config, data), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False).history
    assert np.isfinite(history["g_loss"][-1]) and history["g_loss"][-1] >= 0
