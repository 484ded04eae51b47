"""The semi-supervised GAN (Salimans et al. 2016, "Improved techniques for training GANs", section 5).

A K-class discriminator with the fake class's logit fixed at 0 (``gantk.training.semi_supervised``)
learns from ``labeled_per_class`` labels per class and the rest of the training split unlabelled;
the generator is trained by feature matching (section 3.1). The default networks are the paper's
MNIST ones: an MLP discriminator 1000-500-250-250-250 with Gaussian noise (0.3 on the input, 0.5
inside) and an MLP generator 500-500; ``--arch dcgan`` uses the DCGAN networks with K logits.
On digits the training split is the fixed 1,347 images of ``gantk probe``; the 450 held-out images
are never seen.
"""

from gantk.data.semi_supervised import semi_supervised_batches, split_labeled
from gantk.data.splits import training_split
from gantk.zoo import architectures
from gantk.zoo.recipe import Recipe, register

PAPER = "Salimans et al. 2016, arXiv:1606.03498"

OPTION_SPECS = {
    "labeled_per_class": dict(
        type=int, default=None, minimum=1, flag="--labeled-per-class",
        help="Labelled examples per class, drawn from the seed; the rest of the training split is unlabelled "
        "(default: all labelled).", paper=PAPER + ", section 5",
    ),
    "adversarial_weight": dict(
        type=float, default=1.0, minimum=0.0, flag="--adversarial-weight",
        help="Weight of the real/fake objective in D's loss; 0 trains the classifier on the labelled images alone.",
        paper=PAPER + ", section 5 (L = L_supervised + L_unsupervised)",
    ),
    "supervised_weight": dict(
        type=float, default=1.0, minimum=0.0, flag=None, help="Weight of the labelled cross-entropy in D's loss.",
        paper=PAPER + ", section 5",
    ),
    "d_noise": dict(
        type=float, default=0.5, minimum=0.0, flag="--d-noise",
        help="Std of Gaussian noise on each hidden layer of the MLP discriminator (training only).",
        paper=PAPER + ", MNIST network (code release)",
    ),
    "d_input_noise": dict(
        type=float, default=0.3, minimum=0.0, flag="--d-input-noise",
        help="Std of Gaussian noise on the MLP discriminator's input (training only).",
        paper=PAPER + ", MNIST network (code release)",
    ),
}


def option(config, name):
    return config.options.get(name, OPTION_SPECS[name]["default"])


def generator(config):
    return architectures.generator(config, default="mlp")


def discriminator(config):
    return architectures.discriminator(config, default="mlp", outputs=config.num_classes)


def model_options(config):
    return dict(supervised_weight=option(config, "supervised_weight"), adversarial_weight=option(config, "adversarial_weight"))


def prepare_data(config, data):
    """The training split cut into labelled and unlabelled examples (the draw is recorded in the run's ``data.json``)."""
    train = training_split(config.dataset, data, config.split)
    return split_labeled(train, option(config, "labeled_per_class"), config.seed)


register(
    Recipe(
        name="ssgan",
        summary="Semi-supervised GAN: K-class discriminator (fake logit 0) learning from a few labels, feature matching.",
        paper=PAPER,
        build_generator=generator,
        build_discriminator=discriminator,
        defaults=dict(
            latent_dim=100, loss="feature-matching", optimizer="adam", d_learning_rate=1e-3, g_learning_rate=1e-3,
            beta_1=0.5, beta_2=0.999, batch_size=100,
            options=dict(
                d_hidden=[1000, 500, 250, 250, 250], g_hidden=[500, 500], dropout=0.0,
                d_noise=OPTION_SPECS["d_noise"]["default"], d_input_noise=OPTION_SPECS["d_input_noise"]["default"],
            ),
        ),
        data_kind="any",
        default_dataset="digits",
        model="semi-supervised",
        model_options=model_options,
        prepare_data=prepare_data,
        batches=semi_supervised_batches,
        classifier=True,
    )
)
