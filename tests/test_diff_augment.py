"""DiffAugment (Zhao et al. 2020): each transformation's effect, its gradient, and where it is refused."""

import re

import numpy as np
import pytest
import tensorflow as tf

from gantk.errors import ConfigError
from gantk.training.build import build_compiled_gan
from gantk.training.config import resolve_config
from gantk.training.diff_augment import DiffAugment

from helpers import Seeded, tiny_config, trained_briefly

RNG = np.random.default_rng(0)


def shifted(image, rows, columns):
    """``image`` moved down by ``rows`` and right by ``columns``, zero where nothing moved in."""
    out = np.zeros_like(image)
    height, width = image.shape[:2]
    for i in range(height):
        for j in range(width):
            if 0 <= i - rows < height and 0 <= j - columns < width:
                out[i, j] = image[i - rows, j - columns]
    return out


def test_translation_shifts_each_sample_by_at_most_an_eighth_of_its_side():
    images = RNG.random((16, 16, 16, 3)).astype("float32")
    out = np.asarray(DiffAugment("translation")(Seeded(), images))
    moves = []
    for image, moved in zip(images, out):
        found = [(r, c) for r in range(-2, 3) for c in range(-2, 3) if np.array_equal(shifted(image, r, c), moved)]
        assert len(found) == 1
        moves.append(found[0])
    assert len(set(moves)) > 4, "each sample draws its own shift"


def test_flip_mirrors_about_half_the_samples_left_to_right_and_leaves_the_rest():
    images = RNG.random((32, 8, 8, 3)).astype("float32")
    out = np.asarray(DiffAugment("flip")(Seeded(), images))
    mirrored = [np.array_equal(moved, image[:, ::-1]) for image, moved in zip(images, out)]
    kept = [np.array_equal(moved, image) for image, moved in zip(images, out)]
    assert all(m != k for m, k in zip(mirrored, kept))
    assert 8 <= sum(mirrored) <= 24


def test_cutout_zeroes_one_square_of_half_the_side_clipped_at_the_edges():
    images = RNG.random((16, 16, 16, 3)).astype("float32") + 1.0
    out = np.asarray(DiffAugment("cutout")(Seeded(), images))
    for image, cut in zip(images, out):
        holes = np.argwhere(cut[..., 0] == 0)
        assert (cut[..., 0] == 0)[..., None].repeat(3, -1).tolist() == (cut == 0).tolist()
        rows, columns = np.unique(holes[:, 0]), np.unique(holes[:, 1])
        assert len(holes) == len(rows) * len(columns), "the hole is a rectangle"
        assert 1 <= len(rows) <= 8 and 1 <= len(columns) <= 8
        assert np.array_equal(cut[cut != 0], image[cut != 0])


def test_color_moves_a_flat_picture_by_its_brightness_draw_alone():
    """Saturation and contrast scale a picture's deviation from its mean, which a flat picture lacks."""
    images = np.full((64, 8, 8, 3), 0.2, "float32")
    out = np.asarray(DiffAugment("color")(Seeded(), images))
    offsets = out[:, 0, 0, 0] - 0.2
    np.testing.assert_allclose(out, np.broadcast_to(0.2 + offsets[:, None, None, None], out.shape), atol=1e-6)
    assert offsets.min() >= -0.5 and offsets.max() <= 0.5 and offsets.std() > 0.2


def test_the_generator_learns_through_every_transformation():
    images = tf.constant(RNG.random((8, 16, 16, 3)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(images)
        score = tf.reduce_sum(DiffAugment("color,translation,cutout")(Seeded(), images) ** 2)
    gradient = tape.gradient(score, images).numpy()
    assert np.isfinite(gradient).all() and np.count_nonzero(gradient) > gradient.size // 4


def test_the_same_seed_draws_the_same_augmentation_in_bfloat16():
    images = RNG.random((4, 16, 16, 3)).astype("float32")
    first = DiffAugment("color,translation,cutout")(Seeded(3), tf.cast(images, "bfloat16"))
    second = DiffAugment("color,translation,cutout")(Seeded(3), tf.cast(images, "bfloat16"))
    assert first.dtype == tf.bfloat16
    np.testing.assert_array_equal(first.numpy(), second.numpy())


@pytest.mark.parametrize("variant", ["cgan", "ssgan", "gan-int"])
def test_the_conditional_semi_supervised_and_text_discriminators_train_on_augmented_images(variant):
    config, data = tiny_config(variant, diff_augment="color,translation,cutout")
    gan = build_compiled_gan(config)
    assert gan.augment is not None
    trained_briefly(gan, config, data)


@pytest.mark.parametrize("variant, settings, message", [
    ("dcgan", dict(diff_augment="cutout,translation"), "Option `diff_augment` (--diff-augment) must be color, translation, cutout or several"),
    ("lapgan", dict(diff_augment="translation"), "The lapgan variant does not take option `diff_augment`"),
])
def test_a_policy_gantk_cannot_apply_is_refused(variant, settings, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_config(variant, dataset="digits", image_size=16, **settings)
