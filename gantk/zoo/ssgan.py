"""The semi-supervised GAN (Salimans et al. 2016, "Improved techniques for training GANs", section 5).

A K-class discriminator with the fake class's logit fixed at 0 (``gantk.training.semi_supervised``)
learns from ``labeled_per_class`` labels per class and the rest of the training split unlabelled;
the generator is trained by feature matching (section 3.1). The default networks are the paper's
MNIST ones: an MLP discriminator 1000-500-250-250-250 with Gaussian noise (0.3 on the input, 0.5
inside) and an MLP generator 500-500; ``--arch dcgan`` uses the DCGAN networks with K logits.
On digits the training split is the fixed 1,347 images of ``gantk probe``; the 450 held-out images
are never seen.
"""

from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe

PAPER = "Salimans et al. 2016, arXiv:1606.03498"


def discriminator(config):
    return architectures.discriminator(config, outputs=config.num_classes)


def model_options(config):
    return dict(
        supervised_weight=config.supervised_weight, adversarial_weight=config.adversarial_weight,
        classifier_ema=config.discriminator_ema, entropy_weight=config.entropy_weight,
        consistency_weight=config.consistency_weight,
    )


def prepare_data(config, data):
    """The training split (``train``: for digits the probe's 1,347 images) cut into labelled and unlabelled
    examples (the draw is recorded in the run's ``data.json``)."""
    from gantk.data.semi_supervised import split_labeled

    return split_labeled(data, config.labeled_per_class, config.seed, unlabeled=config.unlabeled)


def batches(*args, **kwargs):
    """``gantk.data.semi_supervised.semi_supervised_batches``: labelled and unlabelled batches side by side."""
    from gantk.data.semi_supervised import semi_supervised_batches

    return semi_supervised_batches(*args, **kwargs)


RECIPE = Recipe(
    name="ssgan",
    summary="Semi-supervised GAN: K-class discriminator (fake logit 0) learning from a few labels, feature matching.",
    paper=PAPER,
    build_generator=architectures.generator,
    build_discriminator=discriminator,
    default_arch="mlp",
    defaults=dict(
        latent_dim=100, loss="feature-matching", optimizer="adam", d_learning_rate=1e-3, g_learning_rate=1e-3,
        beta_1=0.5, beta_2=0.999, batch_size=100, split="train",
        d_hidden=[1000, 500, 250, 250, 250], g_hidden=[500, 500], dropout=0.0, d_noise=0.5, d_input_noise=0.3,
    ),
    data_kind="any",
    default_dataset="digits",
    model="semi-supervised",
    model_options=model_options,
    prepare_data=prepare_data,
    batches=batches,
    classifier=True,
    takes=("labeled_per_class", "unlabeled", "adversarial_weight", "supervised_weight", "entropy_weight",
           "consistency_weight", "d_noise", "d_input_noise", "d_logit_noise", "weight_norm", "g_batch_norm",
           "discriminator_ema"),
)
