"""Frechet distance between Gaussians fitted to feature sets: the FID of Heusel et al. 2017.

Heusel, Ramsauer, Unterthiner, Nessler and Hochreiter, "GANs Trained by a Two Time-Scale
Update Rule Converge to a Local Nash Equilibrium", NeurIPS 2017 (arXiv:1706.08500). Given
features of real and generated samples (Inception pool3 activations for FID), fit a Gaussian
to each set and return

    d^2 = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)).

The matrix square root follows the reference pytorch-fid implementation: ``scipy.linalg.sqrtm``
of the product; if that fails on a singular product (non-finite or inaccurate result), 1e-6
is added to both diagonals and the root is taken again; a numerically imaginary root is
reduced to its real part, and a clearly complex one is an error. Split into statistics and
distance so the statistics of a reference set can be computed once and cached.
"""

import warnings

import numpy as np

from gantk.errors import GantkError
from gantk.metrics.validation import as_matrix, feature_pair

EPSILON = 1e-6
_SQRTM_RESIDUAL_TOLERANCE = 1e-3
_IMAGINARY_TOLERANCE = 1e-3


def feature_statistics(features):
    """Return the mean ``(d,)`` and unbiased covariance ``(d, d)`` of ``(n, d)`` features."""
    features = as_matrix(features, "features")
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False))


def frechet_distance(real_features, fake_features):
    """Return the Frechet distance (the FID on Inception features) of two ``(n, d)`` sets."""
    real_features, fake_features = feature_pair(real_features, fake_features)
    return frechet_distance_from_statistics(
        *feature_statistics(real_features), *feature_statistics(fake_features)
    )


def frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2):
    """Return the Frechet distance between N(mu1, sigma1) and N(mu2, sigma2) as a float >= 0."""
    mu1, sigma1 = _as_statistics(mu1, sigma1, "mu1", "sigma1")
    mu2, sigma2 = _as_statistics(mu2, sigma2, "mu2", "sigma2")
    if mu1.shape != mu2.shape:
        raise GantkError(
            f"Argument `mu2` must have the shape of `mu1` {mu1.shape}. "
            f"Received: mu2.shape={mu2.shape}"
        )
    diff = mu1 - mu2
    covmean = _sqrtm_product(sigma1, sigma2)
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    return max(float(distance), 0.0)


def _sqrtm_product(sigma1, sigma2):
    covmean = _try_sqrtm(sigma1 @ sigma2)
    if covmean is None:
        warnings.warn(
            f"The covariance product is singular; adding {EPSILON} to the diagonals of both "
            "covariances to take its square root; features that (nearly) do not vary cause this.",
            RuntimeWarning,
            stacklevel=3,
        )
        offset = EPSILON * np.eye(sigma1.shape[0])
        covmean = _try_sqrtm((sigma1 + offset) @ (sigma2 + offset))
        if covmean is None:
            raise GantkError(
                "The covariances must have a finite matrix square root of their product, even "
                f"after adding {EPSILON} to their diagonals. Received: covariances of dimension "
                f"{sigma1.shape[0]} with traces {np.trace(sigma1):.6g} and {np.trace(sigma2):.6g}"
            )
    if np.iscomplexobj(covmean):
        imaginary = np.abs(np.diagonal(covmean).imag).max()
        scale = max(1.0, np.abs(np.diagonal(covmean).real).max())
        if imaginary > _IMAGINARY_TOLERANCE * scale:
            raise GantkError(
                "The matrix square root of the covariance product must be real up to rounding, "
                f"but its diagonal has an imaginary part of {imaginary:.3g}; check the features "
                "for degenerate or non-finite values."
            )
        covmean = covmean.real
    return covmean


def _try_sqrtm(product):
    """Return ``sqrtm(product)``, or None when it is non-finite, singular or inaccurate."""
    from scipy import linalg

    with warnings.catch_warnings():
        warnings.simplefilter("error", linalg.LinAlgWarning)
        try:
            root = linalg.sqrtm(product)
        except (linalg.LinAlgWarning, linalg.LinAlgError):
            return None
    if not np.all(np.isfinite(root)):
        return None
    scale = np.linalg.norm(product)
    if scale > 0 and np.linalg.norm(root @ root - product) > _SQRTM_RESIDUAL_TOLERANCE * scale:
        return None
    return root


def _as_statistics(mu, sigma, mu_name, sigma_name):
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    sigma = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    if mu.ndim != 1:
        raise GantkError(
            f"Argument `{mu_name}` must be a 1-D mean vector. Received: {mu_name}.shape={mu.shape}"
        )
    if sigma.shape != (mu.size, mu.size):
        raise GantkError(
            f"Argument `{sigma_name}` must be a square covariance of shape {(mu.size, mu.size)} "
            f"matching `{mu_name}`. Received: {sigma_name}.shape={sigma.shape}"
        )
    for value, name in ((mu, mu_name), (sigma, sigma_name)):
        if not np.all(np.isfinite(value)):
            raise GantkError(
                f"Argument `{name}` must contain only finite values. "
                f"Received: {name} with {value.size - np.isfinite(value).sum()} non-finite values"
            )
    return mu, sigma
