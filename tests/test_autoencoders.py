"""The auto-encoder and the VAE: the ELBO's terms, the fitted code Gaussian, and runs that sample,
export, run in the runtime and reconstruct like any GAN run."""

import json

import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.nets.gaussian_codes import GaussianCodes
from gantk.training.autoencoder import gaussian_kl, gaussian_nll

TINY_AE = ["--image-size", "16", "--width", "4", "--batch-size", "8", "--latent-dim", "4", "--quiet"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_kl_term_matches_a_monte_carlo_estimate_and_the_nll_its_closed_form():
    mean, log_var = np.array([[0.5, -1.0]], "float32"), np.array([[0.2, -0.7]], "float32")
    rng = np.random.default_rng(0)
    std = np.exp(0.5 * log_var)
    c = mean + std * rng.standard_normal((200_000, 2))
    log_q = -0.5 * (((c - mean) / std) ** 2 + log_var + np.log(2 * np.pi)).sum(axis=1)
    log_p = -0.5 * (c**2 + np.log(2 * np.pi)).sum(axis=1)
    assert np.isclose(float(gaussian_kl(mean, log_var)[0]), np.mean(log_q - log_p), atol=0.01)
    x, y = np.zeros((1, 3), "float32"), np.full((1, 3), 0.2, "float32")
    expected = 0.5 * 3 * 0.04 / 0.01 + 3 * np.log(0.1 * np.sqrt(2 * np.pi))
    assert np.isclose(float(gaussian_nll(x, y, 0.1)[0]), expected, rtol=1e-5)


def test_gaussian_codes_fit_the_codes_and_map_standard_normal_latents_onto_them():
    layer = GaussianCodes(momentum=0.9)
    layer.build((None, 2))
    rng = np.random.default_rng(1)
    covariance = np.array([[4.0, 1.2], [1.2, 1.0]])
    for _ in range(200):
        codes = rng.multivariate_normal([3.0, -1.0], covariance, size=512).astype("float32")
        layer.update(tf.constant(codes))
    np.testing.assert_allclose(layer.mean.numpy(), [3.0, -1.0], atol=0.1)
    samples = layer(tf.constant(rng.standard_normal((20_000, 2)).astype("float32"))).numpy()
    np.testing.assert_allclose(np.cov(samples.T), covariance, atol=0.2)
    np.testing.assert_allclose(samples.mean(axis=0), [3.0, -1.0], atol=0.1)


@pytest.mark.parametrize("variant", ["vae", "ae"])
def test_an_autoencoder_run_samples_exports_and_reconstructs(tmp_path, variant):
    run_dir = tmp_path / variant
    result = run("train", variant, "--steps", 3, "--out", run_dir, *TINY_AE)
    assert result.exit_code == 0, result.output
    history = json.loads((run_dir / "history.jsonl").read_text().splitlines()[-1])
    assert np.isfinite(history["loss"]) and (history["kl"] > 0) == (variant == "vae")

    assert run("sample", run_dir, "--n", 5, "--out", tmp_path / "s.npy").exit_code == 0
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (5, 16, 16, 1)
    result = run("export", run_dir, "--out", tmp_path / "export")
    assert result.exit_code == 0, result.output
    from gantk.export.runtime import Generator

    runtime = Generator.load(tmp_path / "export" / "generator.onnx")
    np.testing.assert_array_equal(runtime.sample(5, seed=0), samples)

    from sklearn.datasets import load_digits

    np.save(tmp_path / "digits.npy", (load_digits().images[:6] * 255 / 16).round().astype("uint8"))
    result = run("reconstruct", run_dir, tmp_path / "digits.npy", "--out", tmp_path / "rec.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rec.png").read_bytes()[:4] == b"\x89PNG"

    result = run("evaluate", run_dir, "--json", tmp_path / "e.json")
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "e.json").read_text())["scores"]
    assert scores["n_test"] == 450 and np.isfinite(scores["negative_elbo" if variant == "vae" else "reconstruction_nll"])


def test_the_autoencoder_samples_its_fitted_gaussian_and_the_vae_its_prior(tmp_path):
    from gantk.training.config import resolve_config
    from gantk.training.run import load_run, train

    for variant in ("ae", "vae"):
        config = resolve_config(variant, dataset="ring8", steps=3, batch_size=8, latent_dim=2, hidden=[8])
        train(config, run_dir=str(tmp_path / variant), progress=False, log=lambda *_: None)
        model = load_run(str(tmp_path / variant)).gan
        layers = [layer for layer in model.generator.layers if isinstance(layer, GaussianCodes)]
        assert len(layers) == (1 if variant == "ae" else 0)
        if layers:
            assert not np.allclose(layers[0].mean.numpy(), 0.0), "the code mean moves with training"
            assert model.decoder.inputs[0].shape[-1] == 2 and model.decoder is not model.generator


def test_reconstruct_refuses_a_gan_run(tiny_run, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 16, 16), "uint8"))
    result = run("reconstruct", tiny_run, tmp_path / "x.npy")
    assert result.exit_code == 2 and "does not reconstruct" in result.output
