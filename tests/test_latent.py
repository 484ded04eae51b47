"""Latent walks and vector arithmetic: the maths, the seed convention, and the CLI files."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gantk.cli.main import cli
from gantk.errors import GantkError
from gantk.evaluation import latent
from gantk.latents import latent_vectors


@pytest.mark.parametrize("method", ["slerp", "lerp"])
def test_walk_starts_and_ends_at_the_seed_latents(method):
    z = latent.seed_latents([3, 11], 16)
    path = latent.interpolate(z[0], z[1], 7, method)
    assert path.shape == (7, 16)
    np.testing.assert_allclose(path[0], latent_vectors(1, 16, 3)[0], atol=1e-6)
    np.testing.assert_allclose(path[-1], latent_vectors(1, 16, 11)[0], atol=1e-6)


def test_lerp_midpoint_is_the_mean_and_slerp_keeps_equal_norms():
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(latent.lerp(a, b, [0.5])[0], [0.5, 0.5, 0.0])
    arc = latent.slerp(a, b, np.linspace(0, 1, 5))
    np.testing.assert_allclose(np.linalg.norm(arc, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(arc[2], [np.sqrt(0.5), np.sqrt(0.5), 0.0], atol=1e-6)
    np.testing.assert_allclose(latent.slerp(a, a, [0.3])[0], a)


def test_interpolation_path_joins_several_seeds():
    z = latent.seed_latents([0, 1, 2], 4)
    path = latent.interpolation_path(z, 5, "lerp")
    assert path.shape == (2, 5, 4)
    np.testing.assert_allclose(path[0, -1], path[1, 0])


def test_arithmetic_adds_and_subtracts_concept_means():
    terms = [(1, [1, 2, 3]), (-1, [4, 5]), (1, [6])]
    result, concepts = latent.arithmetic(terms, 8)
    mean = lambda seeds: np.mean([latent_vectors(1, 8, s)[0] for s in seeds], axis=0)  # noqa: E731
    np.testing.assert_allclose(concepts[1], mean([4, 5]), atol=1e-6)
    np.testing.assert_allclose(result, mean([1, 2, 3]) - mean([4, 5]) + mean([6]), atol=1e-6)


def test_bad_arguments_are_user_errors():
    with pytest.raises(GantkError, match="seeds"):
        latent.parse_seeds("1", minimum=2)
    with pytest.raises(GantkError, match="method"):
        latent.interpolate(np.zeros(2), np.ones(2), 3, "cubic")


def test_point_runs_are_refused():
    from gantk.errors import ConfigError
    from gantk.training.config import TrainConfig

    with pytest.raises(ConfigError, match="points"):
        latent.require_images(TrainConfig(variant="gan", dataset="ring8", image_shape=[2]))


def test_walk_images_are_the_sample_images_of_the_seeds(tiny_run):
    from gantk.training.run import load_run
    from gantk.training.sampling import sample_uint8

    loaded = load_run(tiny_run)
    config, gan = loaded.config, loaded.gan
    strip, columns, frames = latent.latent_walk(gan, config, [5, 9, 2], steps=4, method="slerp")
    assert strip.shape[0] == 8 and columns == 4 and frames.shape[0] == 7
    np.testing.assert_array_equal(strip[0], sample_uint8(gan, config, 1, seed=5)[0])
    np.testing.assert_array_equal(frames[-1], sample_uint8(gan, config, 1, seed=2)[0])


def test_interpolate_and_arithmetic_commands_write_their_files(tiny_run, tmp_path):
    runner = CliRunner()
    out = tmp_path / "walk.png"
    result = runner.invoke(cli, ["interpolate", tiny_run, "--seeds", "1,2,3", "--steps", "5", "--method", "lerp", "--out", str(out)])
    assert result.exit_code == 0, result.output
    gif = Image.open(tmp_path / "walk.gif")
    assert gif.n_frames == 9 and gif.is_animated
    assert Image.open(out).size[0] > Image.open(out).size[1]

    grid = tmp_path / "sum.png"
    result = runner.invoke(cli, ["arithmetic", tiny_run, "--plus", "1,2,3", "--minus", "4,5,6", "--plus", "7,8,9", "--out", str(grid)])
    assert result.exit_code == 0, result.output
    assert grid.exists() and "mean(seeds 4,5,6)" in result.output

    result = runner.invoke(cli, ["interpolate", tiny_run, "--labels", "3,8"])
    assert result.exit_code == 2 and "not conditional" in result.output


def test_arithmetic_grid_shows_the_result_latent(tiny_run):
    from gantk.training.run import load_run

    loaded = load_run(tiny_run)
    config, gan = loaded.config, loaded.gan
    terms = [(1, [1, 2]), (-1, [3])]
    images, columns = latent.arithmetic_grid(gan, config, terms, variations=3)
    assert columns == 4 and images.shape[0] == 3 * columns
    result, _ = latent.arithmetic(terms, config.latent_dim)
    np.testing.assert_array_equal(images[2 * columns], latent.render(gan, result[None])[0])


@pytest.mark.slow
def test_class_walk_of_a_conditional_run_ends_at_each_class(tmp_path):
    from helpers import TINY

    from gantk.training.config import resolve_config
    from gantk.training.run import load_run, train
    from gantk.training.sampling import sample_uint8

    config = resolve_config("cgan", steps=1, arch="dcgan", **TINY)
    run = train(config, run_dir=str(tmp_path / "cgan"), progress=False, log=lambda *_: None)
    loaded = load_run(run)
    config, gan = loaded.config, loaded.gan
    strip, columns, frames = latent.class_walk(gan, config, [4, 7], [3, 8], steps=5)
    assert strip.shape[0] == 10 and columns == 5 and frames.shape[0] == 5
    np.testing.assert_array_equal(strip[0], sample_uint8(gan, config, 1, seed=4, labels=[3])[0])
    np.testing.assert_array_equal(strip[4], sample_uint8(gan, config, 1, seed=4, labels=[8])[0])
    result = CliRunner().invoke(cli, ["interpolate", run, "--seeds", "4", "--labels", "3,8", "--steps", "4"])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "cgan" / "interpolation.gif").n_frames == 4
