"""Sample-quality metrics checked against independent computations on the same arrays."""

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import linalg
from scipy.spatial.distance import cdist
from sklearn.neighbors import NearestNeighbors

from gantk import metrics


def _psd_sqrt(matrix):
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _frechet_by_eigh(mu1, sigma1, mu2, sigma2):
    """Tr sqrt(S1 S2) = Tr sqrt(S1^1/2 S2 S1^1/2), a symmetric PSD matrix: no sqrtm needed."""
    root1 = _psd_sqrt(sigma1)
    middle = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    trace_root = np.sqrt(np.clip(middle, 0.0, None)).sum()
    diff = np.asarray(mu1) - np.asarray(mu2)
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_root


def _random_spd(rng, dim):
    a = rng.normal(size=(dim, dim))
    return a @ a.T + 0.1 * np.eye(dim)


# Frechet distance


def test_frechet_closed_form_for_diagonal_gaussians():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    var1, var2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    got = metrics.frechet_distance_from_statistics(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-10)
    assert expected == pytest.approx(7.25 + 5.0)


def test_frechet_matches_eigh_formula_for_non_commuting_covariances():
    rng = np.random.default_rng(0)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    sigma1, sigma2 = _random_spd(rng, 6), _random_spd(rng, 6)
    assert not np.allclose(sigma1 @ sigma2, sigma2 @ sigma1)
    got = metrics.frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2)
    assert got == pytest.approx(_frechet_by_eigh(mu1, sigma1, mu2, sigma2), rel=1e-8)


def test_frechet_on_features_uses_mean_and_unbiased_covariance():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(300, 5))
    fake = rng.normal(loc=0.3, scale=1.5, size=(250, 5)) @ rng.normal(size=(5, 5))
    mu, sigma = metrics.feature_statistics(real)
    centred = real - real.mean(axis=0)
    np.testing.assert_allclose(mu, real.sum(axis=0) / 300)
    np.testing.assert_allclose(sigma, centred.T @ centred / 299)
    expected = _frechet_by_eigh(
        real.mean(axis=0), np.cov(real.T), fake.mean(axis=0), np.cov(fake.T)
    )
    assert metrics.frechet_distance(real, fake) == pytest.approx(expected, rel=1e-8)
    cached = metrics.frechet_distance_from_statistics(mu, sigma, *metrics.feature_statistics(fake))
    assert cached == metrics.frechet_distance(real, fake)


def test_frechet_of_identical_sets_is_zero():
    features = np.random.default_rng(2).normal(size=(100, 16))
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_frechet_with_fewer_samples_than_dimensions_is_finite_and_accurate():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(10, 32)), rng.normal(loc=0.5, size=(12, 32))
    got = metrics.frechet_distance(real, fake)
    assert np.isfinite(got) and got >= 0.0
    expected = _frechet_by_eigh(
        real.mean(axis=0), np.cov(real.T), fake.mean(axis=0), np.cov(fake.T)
    )
    assert got == pytest.approx(expected, rel=1e-4)


def test_frechet_of_zero_covariances_retries_with_epsilon():
    mu = np.zeros(4)
    with pytest.warns(RuntimeWarning, match="singular"):
        got = metrics.frechet_distance_from_statistics(mu, 0 * np.eye(4), mu + 1.0, 0 * np.eye(4))
    assert np.isfinite(got)
    assert got == pytest.approx(4.0, abs=1e-5)


def test_frechet_non_finite_square_root_retries_with_epsilon(monkeypatch):
    rng = np.random.default_rng(4)
    sigma1, sigma2 = _random_spd(rng, 5), _random_spd(rng, 5)
    real_sqrtm, calls = linalg.sqrtm, []

    def flaky_sqrtm(matrix):
        calls.append(matrix)
        return np.full_like(matrix, np.nan) if len(calls) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(linalg, "sqrtm", flaky_sqrtm)
    with pytest.warns(RuntimeWarning, match="adding 1e-06"):
        got = metrics.frechet_distance_from_statistics(np.zeros(5), sigma1, np.ones(5), sigma2)
    offset = 1e-6 * np.eye(5)
    np.testing.assert_allclose(calls[1], (sigma1 + offset) @ (sigma2 + offset))
    expected = _frechet_by_eigh(np.zeros(5), sigma1 + offset, np.ones(5), sigma2 + offset)
    expected += -2e-6 * 5
    assert got == pytest.approx(expected, rel=1e-8)


def test_frechet_rejects_a_clearly_complex_square_root():
    mu, not_a_covariance = np.zeros(3), np.diag([-1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="imaginary part of 1"):
        metrics.frechet_distance_from_statistics(mu, not_a_covariance, mu, np.eye(3))


def test_frechet_drops_a_rounding_imaginary_part(monkeypatch):
    monkeypatch.setattr(
        linalg, "sqrtm", lambda matrix: np.eye(matrix.shape[0]) * (1.0 + 1e-9j)
    )
    got = metrics.frechet_distance_from_statistics(np.zeros(3), np.eye(3), np.zeros(3), np.eye(3))
    assert got == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "real, fake, match",
    [
        (np.zeros(8), np.zeros((8, 2)), r"Argument `real_features` must be a 2-D.*shape=\(8,\)"),
        (np.zeros((1, 2)), np.zeros((8, 2)), r"num_samples >= 2.*shape=\(1, 2\)"),
        (np.zeros((8, 2)), np.zeros((8, 3)), r"Argument `fake_features` must have as many columns"),
        (np.full((8, 2), np.nan), np.zeros((8, 2)), r"must contain only finite values"),
    ],
)
def test_frechet_rejects_bad_features(real, fake, match):
    with pytest.raises(ValueError, match=match):
        metrics.frechet_distance(real, fake)


def test_frechet_rejects_mismatched_statistics():
    with pytest.raises(ValueError, match=r"Argument `sigma1` must be a square .* shape \(3, 3\)"):
        metrics.frechet_distance_from_statistics(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match=r"Argument `mu2` must have the shape of `mu1`"):
        metrics.frechet_distance_from_statistics(np.zeros(3), np.eye(3), np.zeros(2), np.eye(2))


# Kernel Inception Distance


def _mmd2_by_loops(x, y):
    m, d = len(x), x.shape[1]
    kernel = lambda a, b: (float(np.dot(a, b)) / d + 1.0) ** 3  # noqa: E731
    xx = sum(kernel(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    xy = sum(kernel(x[i], y[j]) for i in range(m) for j in range(m))
    return (xx + yy) / (m * (m - 1)) - 2.0 * xy / (m * m)


def test_kid_matches_a_direct_loop_when_each_subset_is_the_whole_set():
    rng = np.random.default_rng(5)
    real, fake = rng.normal(size=(10, 4)), rng.normal(loc=0.5, size=(10, 4))
    result = metrics.kernel_inception_distance(real, fake, num_subsets=4, subset_size=10)
    assert result.mean == pytest.approx(_mmd2_by_loops(real, fake), rel=1e-10)
    assert result.std == pytest.approx(0.0, abs=1e-12)
    assert isinstance(result, metrics.KernelInceptionDistance)
    mean, std = result
    assert (mean, std) == (result.mean, result.std)


def test_kid_clips_subset_size_to_the_smaller_set():
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(30, 4)), rng.normal(size=(10, 4))
    clipped = metrics.kernel_inception_distance(real, fake, num_subsets=5, subset_size=1000, seed=3)
    explicit = metrics.kernel_inception_distance(real, fake, num_subsets=5, subset_size=10, seed=3)
    assert clipped == explicit


def test_kid_averages_subset_estimates_with_a_seeded_generator():
    rng = np.random.default_rng(7)
    real, fake = rng.normal(size=(40, 6)), rng.normal(loc=0.3, size=(50, 6))
    result = metrics.kernel_inception_distance(real, fake, num_subsets=20, subset_size=15, seed=11)
    draw = np.random.default_rng(11)
    values = []
    for _ in range(20):
        x = real[draw.choice(40, 15, replace=False)]
        y = fake[draw.choice(50, 15, replace=False)]
        values.append(_mmd2_by_loops(x, y))
    assert result.mean == pytest.approx(np.mean(values), rel=1e-9)
    assert result.std == pytest.approx(np.std(values), rel=1e-9)
    assert result.std > 0
    again = metrics.kernel_inception_distance(real, fake, num_subsets=20, subset_size=15, seed=11)
    assert again == result
    other = metrics.kernel_inception_distance(real, fake, num_subsets=20, subset_size=15, seed=12)
    assert other != result


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(8)
    real, same = rng.normal(size=(200, 8)), rng.normal(size=(200, 8))
    near = metrics.kernel_inception_distance(real, same, num_subsets=20, subset_size=100)
    itself = metrics.kernel_inception_distance(real, real, num_subsets=20, subset_size=100)
    shifted = metrics.kernel_inception_distance(real, same + 1.0, num_subsets=20, subset_size=100)
    assert shifted.mean > 0.5
    assert abs(near.mean) < 0.02 * shifted.mean
    assert abs(itself.mean) < 0.02 * shifted.mean


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_subsets": 0}, r"Argument `num_subsets` must be an integer >= 1. Received: num_"),
        ({"subset_size": 1}, r"Argument `subset_size` must be an integer >= 2. Received: subset_"),
        ({"subset_size": 2.5}, r"Received: subset_size=2.5"),
        ({"fake_features": np.zeros((8, 5))}, r"Argument `fake_features` must have as many col"),
        ({"real_features": np.zeros((2, 4, 4))}, r"Argument `real_features` must be a 2-D array"),
    ],
)
def test_kid_rejects_bad_arguments(kwargs, match):
    arguments = {"real_features": np.ones((8, 4)), "fake_features": np.ones((8, 4)), **kwargs}
    with pytest.raises(ValueError, match=match):
        metrics.kernel_inception_distance(**arguments)


# Improved precision and recall


def _precision_recall_by_sklearn(real, fake, k):
    def radii(points):
        distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)
        return distances[:, k]

    def inside(queries, points, point_radii):
        return np.mean((cdist(queries, points) <= point_radii[None, :]).any(axis=1))

    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_matches_sklearn_neighbours(k):
    rng = np.random.default_rng(9)
    real = rng.normal(size=(60, 4))
    fake = rng.normal(loc=0.7, scale=0.6, size=(45, 4))
    expected = _precision_recall_by_sklearn(real, fake, k)
    assert 0.0 < expected[0] < 1.0 and 0.0 < expected[1] < 1.0
    got = metrics.precision_recall(real, fake, k=k, batch_size=7)
    assert got == pytest.approx(expected, abs=0)
    assert metrics.precision_recall(real, fake, k=k) == got


def test_precision_recall_float32_features_agree_with_float64():
    rng = np.random.default_rng(10)
    real, fake = rng.normal(size=(80, 16)), rng.normal(loc=0.4, size=(70, 16))
    real32, fake32 = real.astype(np.float32), fake.astype(np.float32)
    single = metrics.precision_recall(real32, fake32, batch_size=9)
    assert single == metrics.precision_recall(real, fake)


def test_precision_recall_of_identical_and_of_disjoint_sets():
    points = np.random.default_rng(11).normal(size=(30, 3))
    assert metrics.precision_recall(points, points) == (1.0, 1.0)
    assert metrics.precision_recall(points, points + 100.0) == (0.0, 0.0)


def test_precision_recall_separates_quality_from_coverage():
    rng = np.random.default_rng(12)
    real = rng.normal(size=(400, 2))
    collapsed = 0.1 * rng.normal(size=(400, 2))
    result = metrics.precision_recall(real, collapsed)
    assert result.precision > 0.95
    assert result.recall < 0.3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"k": 0}, r"Argument `k` must be an integer from 1 to 7.*Received: k=0"),
        ({"k": 8}, r"Received: k=8"),
        ({"batch_size": 0}, r"Argument `batch_size` must be a positive integer"),
        ({"fake_features": np.zeros((8, 3))}, r"Argument `fake_features` must have as many col"),
        ({"fake_features": np.zeros(8)}, r"Argument `fake_features` must be a 2-D array"),
    ],
)
def test_precision_recall_rejects_bad_arguments(kwargs, match):
    arguments = {"real_features": np.ones((10, 4)), "fake_features": np.ones((8, 4)), **kwargs}
    with pytest.raises(ValueError, match=match):
        metrics.precision_recall(**arguments)


# Inception Score


def test_inception_score_of_confident_uniform_predictions_is_the_class_count():
    predictions = np.tile(np.eye(5), (12, 1))
    result = metrics.inception_score(predictions, splits=4)
    assert result.mean == pytest.approx(5.0, rel=1e-12)
    assert result.std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_of_constant_predictions_is_one():
    predictions = np.tile([0.7, 0.2, 0.1, 0.0], (40, 1))
    assert metrics.inception_score(predictions, splits=5) == pytest.approx((1.0, 0.0), abs=1e-12)


def test_inception_score_matches_the_definition_on_uneven_splits():
    rng = np.random.default_rng(13)
    logits = 3.0 * rng.normal(size=(31, 6))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    scores = []
    for lo, hi in [(0, 10), (10, 20), (20, 31)]:
        part = probabilities[lo:hi]
        marginal = part.mean(axis=0)
        kl = [sum(p * math.log(p / q) for p, q in zip(row, marginal)) for row in part]
        scores.append(math.exp(sum(kl) / len(kl)))
    result = metrics.inception_score(probabilities, splits=3)
    assert result.mean == pytest.approx(np.mean(scores), rel=1e-10)
    assert result.std == pytest.approx(np.std(scores), rel=1e-8)
    assert 1.0 < result.mean < 6.0


@pytest.mark.parametrize(
    "probabilities, splits, match",
    [
        (np.full((10, 3), 2.0), 2, r"must have rows summing to 1 \(softmax outputs, not logits\)"),
        (np.array([[1.5, -0.5]] * 4), 2, r"must contain finite non-negative probabilities"),
        (np.full(10, 0.1), 2, r"must be a 2-D array.*shape=\(10,\)"),
        (np.full((4, 2), 0.5), 5, r"Argument `splits` must be an integer from 1 to .* \(4\)"),
        (np.full((4, 2), 0.5), 0, r"Received: splits=0"),
    ],
)
def test_inception_score_rejects_bad_arguments(probabilities, splits, match):
    with pytest.raises(ValueError, match=match):
        metrics.inception_score(probabilities, splits=splits)


# Mode coverage


def test_standard_mixture_centres():
    ring = metrics.ring8_centers()
    assert ring.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 2.0)
    np.testing.assert_allclose(ring[0], [2.0, 0.0])
    np.testing.assert_allclose(ring[2], [0.0, 2.0], atol=1e-12)
    grid = metrics.grid25_centers()
    assert grid.shape == (25, 2)
    assert set(map(tuple, grid)) == set(itertools.product([-4.0, -2.0, 0.0, 2.0, 4.0], repeat=2))
    assert (metrics.RING8_STD, metrics.GRID25_STD) == (0.02, 0.05)


@pytest.mark.parametrize(
    "centers, std",
    [(metrics.ring8_centers(), metrics.RING8_STD), (metrics.grid25_centers(), metrics.GRID25_STD)],
)
def test_samples_from_the_mixture_cover_every_mode(centers, std):
    rng = np.random.default_rng(14)
    samples = centers[rng.integers(len(centers), size=2500)] + std * rng.normal(size=(2500, 2))
    result = metrics.mode_coverage(samples, centers, std)
    assert (result.modes_covered, result.modes_total) == (len(centers), len(centers))
    # The radius of a 2-D isotropic Gaussian is below 3 std with probability 1 - exp(-9 / 2).
    assert result.high_quality_fraction == pytest.approx(1.0 - math.exp(-4.5), abs=0.006)
    assert result.counts.sum() == round(result.high_quality_fraction * 2500)


def test_one_high_quality_sample_covers_a_mode():
    centers, std = metrics.ring8_centers(), metrics.RING8_STD
    samples = np.concatenate(
        [
            np.repeat(centers[:1], 97, axis=0),
            centers[5:6] + [2.9 * std, 0.0],
            centers[3:4] + [3.1 * std, 0.0],
            (centers[6:7] + centers[7:8]) / 2,
        ]
    )
    result = metrics.mode_coverage(samples, centers, std)
    assert result.modes_covered == 2
    assert result.modes_total == 8
    assert result.high_quality_fraction == pytest.approx(98 / 100)
    np.testing.assert_array_equal(result.counts, [97, 0, 0, 0, 0, 1, 0, 0])


def test_mode_coverage_num_std_widens_the_threshold():
    centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.0, 0.35], [10.0, 0.0]])
    assert metrics.mode_coverage(samples, centers, 0.1).modes_covered == 1
    assert metrics.mode_coverage(samples, centers, 0.1, num_std=4.0).modes_covered == 2


@pytest.mark.parametrize(
    "samples, std, match",
    [
        (np.zeros(2), 0.02, r"Argument `samples` must be a 2-D array of shape \(num_points, num_"),
        (np.zeros((5, 3)), 0.02, r"Argument `samples` must have as many columns as `centers`"),
        (np.zeros((5, 2)), 0.0, r"Argument `std` must be a positive number. Received: std=0.0"),
        (np.full((5, 2), np.inf), 0.02, r"Argument `samples` must contain only finite values"),
    ],
)
def test_mode_coverage_rejects_bad_arguments(samples, std, match):
    with pytest.raises(ValueError, match=match):
        metrics.mode_coverage(samples, metrics.ring8_centers(), std)


def test_metrics_import_without_tensorflow():
    code = "import sys, gantk.metrics; sys.exit(bool({'tensorflow', 'keras'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_confident_share_counts_rows_whose_top_probability_reaches_the_threshold():
    from gantk.metrics import confident_fraction

    probabilities = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8], [0.79, 0.21]])
    assert confident_fraction(probabilities) == 0.5
    assert confident_fraction(probabilities, threshold=0.5) == 1.0
