"""GAN loss pairs as pure functions of discriminator logits.

Each pair has a discriminator loss ``d(real_logits, fake_logits, real_target)`` and a generator
loss ``g(fake_logits)``, the mean of G's loss of each sample (``generator_terms``), or
``g(real_mean, fake_mean)`` for a pair that ``matches_features`` (batch means of the
discriminator's last hidden layer); both return the mean over the examples given. ``real_target`` is 1
except under one-sided label smoothing (Salimans et al. 2016), which only the cross-entropy
losses accept.
"""

from dataclasses import dataclass
from typing import Callable

from keras import ops

from gantk.errors import ConfigError
from gantk.options import matches_features


@dataclass(frozen=True)
class LossPair:
    name: str
    discriminator: Callable
    generator_terms: Callable
    """G's loss of each sample from its logit, or for feature matching the loss of two batch means."""
    probability: bool
    """Whether the logit is read through a sigmoid as a probability of 'real' (D(x) in the papers)."""
    paper: str
    smoothable: bool = False
    """Whether the real target can be lowered from 1 (one-sided label smoothing)."""
    fake_terms: Callable = None
    """D's loss of each logit it should score as generated: the fake half of ``discriminator``."""

    def generator(self, *args):
        """G's loss: the mean of ``generator_terms(fake_logits)``, or feature matching's ``(real_mean, fake_mean)``."""
        if self.matches_features:
            return self.generator_terms(*args)
        return ops.mean(self.generator_terms(*args))

    @property
    def matches_features(self):
        """Whether the generator loss takes D's features of a real and a generated batch instead of logits."""
        return matches_features(self.name)

    def fake_loss(self, logits):
        """D's loss for scoring every one of ``logits`` as generated (the mean of ``fake_terms``)."""
        return ops.mean(self.fake_terms(logits))

    def check_smoothing(self, real_target):
        if real_target != 1.0 and not self.smoothable:
            raise ConfigError(
                f"Label smoothing needs a loss with a real-label target; the {self.name} loss has none. "
                "Use non-saturating, minimax or least-squares."
            )
        if not 0.0 < real_target <= 1.0:
            raise ConfigError(f"Argument `label_smoothing` must be in (0, 1]. Received: label_smoothing={real_target}")


def _bce(logits, target):
    """Sigmoid cross-entropy with a constant target, stable for large logits."""
    return ops.relu(logits) - logits * target + ops.softplus(-ops.abs(logits))


def cross_entropy_fake_terms(fake_logits):
    """-log(1 - D(G(z))) of each sample."""
    return _bce(fake_logits, 0.0)


def cross_entropy_discriminator(real_logits, fake_logits, real_target=1.0):
    """-E[log D(x)] - E[log(1 - D(G(z)))]: the discriminator side of Goodfellow et al. 2014."""
    return ops.mean(_bce(real_logits, real_target)) + ops.mean(cross_entropy_fake_terms(fake_logits))


def minimax_terms(fake_logits):
    """log(1 - D(G(z))) of each sample; its mean is minimised exactly as in the value function of Goodfellow et al. 2014."""
    return -ops.softplus(fake_logits)


def non_saturating_terms(fake_logits):
    """-log D(G(z)) of each sample: same fixed point, strong gradients early on (Goodfellow et al. 2014, section 3)."""
    return ops.softplus(-fake_logits)


def wasserstein_fake_terms(fake_logits):
    """D(G(z)) of each sample: the critic lowers its score of what it should call generated."""
    return fake_logits


def wasserstein_discriminator(real_logits, fake_logits, real_target=1.0):
    """E[D(G(z))] - E[D(x)]: the critic's side of the Kantorovich-Rubinstein dual (Arjovsky et al. 2017)."""
    return ops.mean(wasserstein_fake_terms(fake_logits)) - ops.mean(real_logits)


def critic_terms(fake_logits):
    """-D(G(z)) of each sample: the generator of WGAN (Arjovsky et al. 2017) and of the hinge loss (Lim & Ye 2017)."""
    return -fake_logits


def hinge_fake_terms(fake_logits):
    """max(0, 1 + D(G(z))) of each sample."""
    return ops.relu(1.0 + fake_logits)


def hinge_discriminator(real_logits, fake_logits, real_target=1.0):
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))] (Lim & Ye 2017, Geometric GAN)."""
    return ops.mean(ops.relu(1.0 - real_logits)) + ops.mean(hinge_fake_terms(fake_logits))


def least_squares_fake_terms(fake_logits):
    """1/2 D(G(z))^2 of each sample."""
    return 0.5 * ops.square(fake_logits)


def least_squares_discriminator(real_logits, fake_logits, real_target=1.0):
    """1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2] (Mao et al. 2017, LSGAN with a-b-c = 0-1-1)."""
    return 0.5 * ops.mean(ops.square(real_logits - real_target)) + ops.mean(least_squares_fake_terms(fake_logits))


def least_squares_terms(fake_logits):
    """1/2 (D(G(z)) - 1)^2 of each sample (Mao et al. 2017)."""
    return 0.5 * ops.square(fake_logits - 1.0)


def feature_matching_generator(real_mean, fake_mean):
    """||E f(x) - E f(G(z))||^2 / F for the batch means of the F features of D's last hidden layer
    (Salimans et al. 2016, section 3.1; divided by F as in their code)."""
    return ops.mean(ops.square(real_mean - fake_mean))


LOSSES = {
    "minimax": LossPair("minimax", cross_entropy_discriminator, minimax_terms, True, "Goodfellow et al. 2014", True, cross_entropy_fake_terms),
    "non-saturating": LossPair(
        "non-saturating", cross_entropy_discriminator, non_saturating_terms, True, "Goodfellow et al. 2014", True, cross_entropy_fake_terms
    ),
    "wasserstein": LossPair("wasserstein", wasserstein_discriminator, critic_terms, False, "Arjovsky et al. 2017", False, wasserstein_fake_terms),
    "hinge": LossPair("hinge", hinge_discriminator, critic_terms, False, "Lim & Ye 2017", False, hinge_fake_terms),
    "least-squares": LossPair(
        "least-squares", least_squares_discriminator, least_squares_terms, False, "Mao et al. 2017", True, least_squares_fake_terms
    ),
    "feature-matching": LossPair(
        "feature-matching", cross_entropy_discriminator, feature_matching_generator, True, "Salimans et al. 2016", True,
        cross_entropy_fake_terms,
    ),
}


def get(identifier):
    """A ``LossPair`` from its name or the pair itself."""
    if isinstance(identifier, LossPair):
        return identifier
    if identifier in LOSSES:
        return LOSSES[identifier]
    raise ConfigError(f"Argument `loss` must be one of {', '.join(LOSSES)}. Received: loss={identifier!r}")
