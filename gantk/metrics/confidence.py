"""The confident share: how often a classifier of the real data gives one class a probability of at least a threshold.

A sample that a classifier trained on real images reads as one class with high probability
looks like an object of the domain; blurry or mixed samples (the per-pixel losses of an
auto-encoder or VAE) spread their probability. Read it beside the same share of real images.
"""

import numpy as np

CONFIDENT = 0.8


def confident_fraction(class_probabilities, threshold=CONFIDENT):
    """The fraction of rows of ``(n, num_classes)`` probabilities whose largest entry is at least ``threshold``."""
    probabilities = np.asarray(class_probabilities)
    return float(np.mean(probabilities.max(axis=1) >= threshold)) if len(probabilities) else float("nan")
