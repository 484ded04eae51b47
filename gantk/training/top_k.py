"""Top-k training (Sinha, Zhao, Goyal, Raffel & Odena 2020, "Top-k Training of GANs: Improving GAN
Performance by Throwing Away Bad Samples", arXiv:2002.06224).

The generator's adversarial loss is taken only on the k samples of its batch that the
discriminator scores as most real. The gradient a rejected sample gets points towards the
average of what D accepts, so dropping the worst samples keeps them from pulling G's update
there; the kept samples carry the update. k starts at the whole batch, while D's scores mean
little, and shrinks by a factor ``decay`` (0.99 in the paper) every ``decay_steps`` generator
updates (an epoch in the paper) until it reaches the fraction ``nu`` of the batch (0.5 to 0.75
in the paper). D's update is unchanged.

The kept samples are a mask over the batch by rank, so every shape is static: under XLA,
``tf.math.top_k`` with a k that varies needs k as a compile-time constant and compiles the step
again each time.

Under ``tf.distribute`` each replica keeps the top share of its own slice of the batch, so with
several replicas the samples kept can differ from those one device would keep from the whole batch.
"""

from keras import ops

from gantk.training.schedule import epoch_length

DECAY = 0.99


class TopK:
    """Keeps the highest ``max(nu, decay ** (step / decay_steps))`` share of D's scores of a generated batch."""

    def __init__(self, nu, decay_steps, decay=DECAY):
        self.nu = float(nu)
        self.decay_steps = int(decay_steps)
        self.decay = float(decay)

    def fraction(self, step):
        return ops.maximum(self.nu, ops.power(self.decay, ops.cast(step, "float32") / self.decay_steps))

    def kept(self, scores, step):
        """A float32 [N] mask of the ``k`` highest of the float32 ``scores`` [N] at generator update ``step``
        (ties broken by position), and k (>= 1) as a float32 scalar."""
        k = ops.maximum(1.0, ops.ceil(self.fraction(step) * ops.cast(ops.shape(scores)[0], "float32")))
        ranks = ops.argsort(ops.argsort(-scores))
        return ops.cast(ops.cast(ranks, "float32") < k, "float32"), k

    def loss(self, terms, logits, step):
        """The mean of ``terms`` (G's loss of each sample, ``LossPair.generator_terms``) over the kept samples."""
        scores = ops.cast(logits[:, 0], "float32")
        mask, k = self.kept(scores, step)
        return ops.sum(terms(scores) * mask) / k


def top_k(config):
    """The run's ``TopK`` (``top_k``: nu; ``top_k_steps``: updates per decay, default one epoch), or None;
    ``gantk.training.config.check_top_k`` has checked the options."""
    if not config.top_k:
        return None
    steps = config.top_k_steps
    if steps is None:
        steps = epoch_length(config, "top_k", "`top_k_steps`")
    return TopK(config.top_k, steps)
