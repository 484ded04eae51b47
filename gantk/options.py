"""Every setting of a training run, declared once.

Each ``Option`` names a setting of ``TrainConfig`` with its type, default, allowed values, help
text and the paper it comes from. ``gantk train``'s flags are generated from this table
(``gantk.cli.train``), ``config.json`` is validated against it on load, and a recipe names the
variant-specific options it takes (``Recipe.takes``). Adding a setting is one entry here.

This module imports no TensorFlow, so a bad value is refused before anything heavy loads.
"""

import math
from dataclasses import dataclass
from itertools import combinations

from gantk.errors import ConfigError

IMAGE_SIZES = (8, 16, 32, 64, 128)
CONVOLUTIONAL_MIN_SIZE = 16
"""The smallest image side of the DCGAN networks: a 4x4 start doubled at least twice."""
LOSSES = ("non-saturating", "minimax", "wasserstein", "hinge", "least-squares", "feature-matching")


def matches_features(loss):
    """Whether the generator loss ``loss`` compares batch means of D's features rather than reading
    D's output for each generated sample; ``gantk.losses.LossPair.matches_features`` asks it too."""
    return loss == "feature-matching"


@dataclass(frozen=True)
class Option:
    """One declared setting.

    ``kind`` is ``int``, ``float``, ``str``, ``bool`` or ``list`` (a list of positive integers, given
    on the command line as ``256,256``). ``minimum``/``maximum`` bound numbers (``open_min``/``open_max``
    exclude the bound); ``choices`` lists the accepted values. ``flag`` is False for settings that
    are recorded, not chosen (what the data turned out to be). ``on_resume`` says what ``--resume``
    may do with it: ``"fixed"`` (it defines the model or the data), ``"extend"`` (the run's length)
    or ``"free"`` (how or where the run executes). A ``variant_specific`` option is taken only by
    the variants whose recipe lists it in ``Recipe.takes``.
    """

    name: str
    kind: type
    default: object = None
    help: str = ""
    group: str = "training"
    minimum: float = None
    maximum: float = None
    open_min: bool = False
    open_max: bool = False
    choices: tuple = ()
    paper: str = ""
    metavar: str = None
    flag: bool = True
    flag_value: object = None
    on_resume: str = "fixed"
    variant_specific: bool = False
    accepts: str = None
    needs: tuple = None
    """(the option this one refines, what that option is in words): refused when given without it."""

    @property
    def flag_name(self):
        return "--" + self.name.replace("_", "-")

    def describe_range(self):
        """The accepted values in words, e.g. ``a positive integer`` or ``one of adam, sgd``."""
        if self.accepts:
            return self.accepts
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        noun = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "positive integers"}[self.kind]
        if self.kind in (int, float) and self.minimum == 0 and self.maximum is None:
            return f"a {'positive' if self.open_min else 'non-negative'} {'integer' if self.kind is int else 'number'}"
        if self.kind is int and self.minimum == 1 and self.maximum is None:
            return "a positive integer"
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.open_min else '>='} {self.minimum:g}")
        if self.maximum is not None:
            bounds.append(f"{'<' if self.open_max else '<='} {self.maximum:g}")
        return noun + (" " + " and ".join(bounds) if bounds else "")

    def is_set(self, value):
        """Whether ``value`` asks for something: given, and not this option's default."""
        return value not in (None, self.default)

    def check(self, value):
        """``value`` converted to this option's type, or a ``ConfigError`` naming the option."""
        if value is None:
            return None
        try:
            value = self._convert(value)
        except (TypeError, ValueError):
            raise self.refuse(value) from None
        if self.choices and value not in self.choices:
            raise self.refuse(value)
        for number in value if self.kind is list else [value]:
            if self.kind in (int, float, list) and not self._in_range(number):
                raise self.refuse(value)
        return value

    def refuse(self, value):
        """The one-sentence error for a bad ``value``, naming the option (and its flag)."""
        name = f"`{self.name}` ({self.flag_name})" if self.flag else f"`{self.name}`"
        return ConfigError(f"Option {name} must be {self.describe_range()}. Received: {self.name}={value!r}")

    def _convert(self, value):
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise TypeError
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError
            return int(value)
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise TypeError
            return float(value)
        if self.kind is str:
            if not isinstance(value, str):
                raise TypeError
            return value
        if isinstance(value, str):
            value = [int(part) for part in value.split(",")]
        if not isinstance(value, (list, tuple)) or not value or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise TypeError
        return [int(v) for v in value]

    def _in_range(self, number):
        low, high = self.minimum, self.maximum
        if self.kind is list:
            low = 1 if low is None else low
        if low is not None and (number < low or (self.open_min and number == low)):
            return False
        if high is not None and (number > high or (self.open_max and number == high)):
            return False
        return True


SALIMANS = "Salimans et al. 2016, arXiv:1606.03498"
REED = "Reed et al. 2016, arXiv:1605.05396"
DISCRIMINATOR_OPTIONS = (
    "d_steps", "label_smoothing", "clip_discriminator", "minibatch_discrimination", "historical_averaging",
    "instance_noise", "r1_penalty", "balanced_consistency", "negative_augmentation", "diff_augment", "top_k",
)
"""Options that need a discriminator, acting on its update or on its scores of G's samples (an auto-encoder,
which has none, refuses them)."""

DIFF_AUGMENT_POLICIES = tuple(
    ",".join(c) for n in (1, 2, 3) for c in combinations(("color", "translation", "cutout"), n)
)

NEGATIVE_AUGMENTATIONS = ("blur", "mixup", "blur,mixup")

OPTIONS = (
    # What to train on.
    Option("variant", str, None, "The GAN variant (see `gantk list`).", group="data", flag=False),
    Option("dataset", str, "digits", "digits, shapes[/ATTRIBUTE] or ring8/grid25 (bundled), a folder of images, or a tensorflow-datasets name such as celeb_a.", group="data"),
    Option("data_dir", str, None, "Where tensorflow-datasets keeps prepared data.", group="data", on_resume="free", metavar="DIR"),
    Option("split", str, None, "The dataset split to train on (default: the dataset's own; digits: all, others: train).", group="data"),
    Option("image_size", int, None, "Square image size (default: the dataset's).", group="data", choices=IMAGE_SIZES, accepts="a power of two from 8 to 128 (16 or more for convolutional networks)"),
    Option("channels", int, None, "Colour channels (default: those of the data).", group="data", choices=(1, 3)),
    Option("data_kind", str, None, "image or points, decided from the dataset.", group="data", choices=("image", "points"), flag=False),
    # Networks.
    Option("latent_dim", int, 100, "Size of the noise vector z.", group="networks", minimum=1),
    Option("width", int, 64, "Channels of the convolutional networks' widest-resolution layer; doubled at each halving.", group="networks", minimum=1),
    Option("d_width", int, None, "Channels of the convolutional discriminator's (critic's, encoder's) widest-resolution layer (default: --width); lapgan: of its coarsest level's.", group="networks", minimum=1),
    Option("kernel_size", int, 4, "Convolution kernel size of the DCGAN networks.", group="networks", minimum=1, flag=False),
    Option("batch_norm", bool, True, "BatchNorm in the DCGAN networks.", group="networks", flag=False, paper="Radford et al. 2015, arXiv:1511.06434"),
    Option("arch", str, None, "Networks of gan, cgan, ssgan (default mlp), wgan, wgan-gp, vae, ae (default dcgan); point data always uses mlp; lapgan: of its coarsest level (default mlp, the paper's; dcgan needs --coarsest-size 16 or more).", group="networks", choices=("mlp", "dcgan")),
    Option("hidden", list, None, "MLP hidden layer sizes of both networks, comma-separated, e.g. 512,512.", group="networks", metavar="SIZES"),
    Option("g_hidden", list, None, "MLP hidden layer sizes of the generator only.", group="networks", flag=False),
    Option("d_hidden", list, None, "MLP hidden layer sizes of the discriminator only.", group="networks", flag=False),
    Option("dropout", float, None, "Dropout after each hidden layer of an MLP discriminator (gan: 0.5).", group="networks", minimum=0, maximum=1, open_max=True, paper="Goodfellow et al. 2014, arXiv:1406.2661"),
    Option("sync_bn", bool, False, "BatchNorm statistics over the global batch across replicas (default: per replica).", group="networks"),
    # Optimisation.
    Option("batch_size", int, 64, "Global batch size (split across replicas).", group="optimisation", minimum=1),
    Option("steps", int, None, "Generator updates; overrides --epochs.", group="optimisation", minimum=1, on_resume="extend"),
    Option("epochs", int, None, "Passes over the data (default 20).", group="optimisation", minimum=1, on_resume="extend"),
    Option("cpu_minutes", float, None, "Also end the run (checkpoint, samples, generator) after the first step at which its CPU time (all threads, start-up and earlier resumed processes included) reaches M minutes.", group="optimisation", minimum=0, open_min=True, on_resume="extend", metavar="M"),
    Option("seed", int, 0, "Seed for weights, noise, data order and sample grids.", group="optimisation", minimum=0),
    Option("loss", str, "non-saturating", "Loss pair.", group="optimisation", choices=LOSSES),
    Option("d_steps", int, 1, "Discriminator updates per generator update (k).", group="optimisation", minimum=1, paper="Goodfellow et al. 2014, Algorithm 1"),
    Option("optimizer", str, "adam", "Optimizer of both networks.", group="optimisation", choices=("adam", "rmsprop", "sgd"), flag=False),
    Option("d_learning_rate", float, 2e-4, "Discriminator learning rate (default: the variant's paper).", group="optimisation", minimum=0, open_min=True),
    Option("g_learning_rate", float, 2e-4, "Generator learning rate (default: the variant's paper).", group="optimisation", minimum=0, open_min=True),
    Option("beta_1", float, 0.5, "Adam's beta_1.", group="optimisation", minimum=0, maximum=1, open_max=True, flag=False),
    Option("beta_2", float, 0.999, "Adam's beta_2.", group="optimisation", minimum=0, maximum=1, open_max=True, flag=False),
    Option("lr_decay_steps", int, None, "Cosine decay of both learning rates to 1% over N generator updates.", group="optimisation", minimum=1, metavar="N", paper="Loshchilov & Hutter 2017, arXiv:1608.03983"),
    Option("clip_discriminator", float, None, "Clip every critic weight to [-C, C] after each update.", group="optimisation", minimum=0, open_min=True, flag=False, paper="Arjovsky et al. 2017, arXiv:1701.07875"),
    Option("gp_weight", float, 10.0, "Weight of the gradient penalty.", group="optimisation", minimum=0, flag=False, variant_specific=True, paper="Gulrajani et al. 2017, arXiv:1704.00028"),
    Option("generator_ema", float, None, "Sample, save and export a moving average of G's weights with this decay, e.g. 0.999.", group="optimisation", minimum=0, maximum=1, open_min=True, open_max=True, metavar="DECAY", accepts="a decay in (0, 1)", paper="Yazici et al. 2019, arXiv:1806.04498"),
    Option("coarsest_size", int, 8, "lapgan: side of the coarsest pyramid level, an ordinary GAN.", group="networks", choices=(4, 8, 16, 32, 64), variant_specific=True, paper="Denton et al. 2015, arXiv:1506.05751, section 4"),
    Option("level_noise_dim", int, None, "lapgan: latent dimensions of each finer level (default: they share half of --latent-dim).", group="networks", minimum=1, variant_specific=True, paper="Denton et al. 2015, arXiv:1506.05751, section 4"),
    Option("level_width", int, None, "lapgan: feature maps of the finer levels' convolutions (default: --width).", group="networks", minimum=1, variant_specific=True, paper="Denton et al. 2015, arXiv:1506.05751, section 4"),
    Option("level_batch_norm", str, "both", "lapgan: BatchNorm in the finer levels' networks: in both, in the generators only, or in none.", group="networks", choices=("both", "generator", "none"), variant_specific=True, paper="Ioffe & Szegedy 2015, arXiv:1502.03167"),
    Option("class_conditional", bool, False, "lapgan: feed the class label to every level (the paper's CIFAR-10 model).", group="networks", variant_specific=True, paper="Denton et al. 2015, arXiv:1506.05751, section 4"),
    Option("labeled_per_class", int, None, "ssgan: labelled examples per class, drawn from the seed; the rest of the training split is unlabelled (default: all labelled).", group="data", minimum=1, variant_specific=True, paper=SALIMANS + ", section 5"),
    Option("unlabeled", str, "rest", "ssgan: the unlabelled stream: the rest of the training split, or all of it (the labelled examples too, as the paper's code does).", group="data", choices=("rest", "all"), variant_specific=True, paper=SALIMANS + ", code release"),
    Option("adversarial_weight", float, 1.0, "ssgan: weight of the real/fake objective in D's loss; 0 trains the classifier on the labelled images alone.", group="optimisation", minimum=0, variant_specific=True, paper=SALIMANS + ", section 5"),
    Option("entropy_weight", float, 0.0, "ssgan: weight of the entropy of D's class distribution on the unlabelled batch, which pushes its decision boundaries away from the unlabelled images.", group="optimisation", minimum=0, variant_specific=True, paper="Grandvalet & Bengio 2005 (entropy minimisation); Dai et al. 2017, arXiv:1705.09783"),
    Option("consistency_weight", float, 0.0, "ssgan: weight of the squared gap between D's class probabilities on two noisy passes of the unlabelled batch (the second held fixed).", group="optimisation", minimum=0, variant_specific=True, paper="Laine & Aila 2017, arXiv:1610.02242 (Pi-model)"),
    Option("supervised_weight", float, 1.0, "ssgan: weight of the labelled cross-entropy in D's loss.", group="optimisation", minimum=0, flag=False, variant_specific=True, paper=SALIMANS + ", section 5"),
    Option("d_noise", float, None, "ssgan: std of Gaussian noise on each hidden layer of the MLP discriminator (training only).", group="networks", minimum=0, variant_specific=True, paper=SALIMANS + ", MNIST network (code release)"),
    Option("d_input_noise", float, None, "ssgan: std of Gaussian noise on the MLP discriminator's input (training only).", group="networks", minimum=0, variant_specific=True, paper=SALIMANS + ", MNIST network (code release)"),
    Option("d_logit_noise", float, None, "ssgan: std of Gaussian noise on the MLP discriminator's last hidden layer, in front of the logits (training only; feature matching reads the features before it).", group="networks", minimum=0, variant_specific=True, paper=SALIMANS + ", MNIST network (code release)"),
    Option("weight_norm", str, None, "ssgan: weight-normalised layers (w = g v / ||v||, initialised from the first batch) in the MLP networks (alone: discriminator).", group="networks", choices=("discriminator", "generator", "both"), flag_value="discriminator", variant_specific=True, paper="Salimans & Kingma 2016, arXiv:1602.07868; " + SALIMANS + ", MNIST network (code release)"),
    Option("g_batch_norm", bool, False, "ssgan: batch norm (no learned scale) on every hidden layer of the MLP generator.", group="networks", variant_specific=True, paper=SALIMANS + ", MNIST network (code release)"),
    Option("discriminator_ema", float, None, "ssgan: classify, evaluate and export a moving average of D's weights with this decay, e.g. 0.995.", group="optimisation", minimum=0, maximum=1, open_min=True, open_max=True, metavar="DECAY", accepts="a decay in (0, 1)", variant_specific=True, paper="Tarvainen & Valpola 2017, arXiv:1703.01780 (mean teacher)"),
    Option("beta", float, 1.0, "vae: weight of the KL term; 1 gives the negative ELBO, other values the beta-VAE.", group="optimisation", minimum=0, variant_specific=True, paper="Kingma & Welling 2014, arXiv:1312.6114; Higgins et al. 2017 (beta-VAE)"),
    Option("decoder_std", float, 0.1, "ae, vae: standard deviation of the Gaussian decoder, in model units.", group="networks", minimum=0, open_min=True, flag=False, variant_specific=True, paper="Kingma & Welling 2014, arXiv:1312.6114, appendix C.2"),
    Option("code_momentum", float, 0.99, "ae: momentum of the moving moments of the training codes that the sampling Gaussian is fitted to.", group="networks", minimum=0, maximum=1, flag=False, variant_specific=True),
    Option("interpolation", float, 0.0, "gan-cls: GAN-INT's beta: G also learns from beta * phi(t1) + (1 - beta) * phi(t2) of two captions (0.5 in the paper; 0: GAN-CLS alone).", group="optimisation", minimum=0, maximum=1, open_max=True, metavar="BETA", variant_specific=True, paper=REED + ", section 4.3"),
    Option("text_encoder", str, "pretrained", "gan-cls: phi(t): the word encoder pretrained against images (cached per dataset), or the caption's attribute one-hots read by a fixed word table (the upper bound).", group="networks", choices=("pretrained", "attributes"), variant_specific=True, paper=REED + ", section 3.1"),
    Option("caption_matching", float, 0.0, "gan-cls: weight of a text-image matching loss on G: the contrastive loss between phi(t) and the image encoder pretrained with it, applied to G(z, phi(t)) (0: the paper's objective alone).", group="optimisation", minimum=0, metavar="WEIGHT", variant_specific=True, paper="Xu et al. 2018, arXiv:1711.10485 (AttnGAN's DAMSM loss, its sentence-level term)"),
    Option("caption_negatives", bool, False, "gan-cls: caption matching also sets each generated image against its caption with one attribute word swapped, one per attribute (hard negatives).", group="optimisation", variant_specific=True, paper="Yuksekgonul et al. 2023, arXiv:2210.01936 (NegCLIP)"),
    Option("auxiliary_classifier", float, 0.0, "gan-cls: weight of an auxiliary classifier of the dataset's class label (the shapes kind) on D's image features: D learns it on real and generated images, and G is rewarded when its image is classified as its caption's class (0: none).", group="optimisation", minimum=0, metavar="WEIGHT", variant_specific=True, paper="Odena, Olah & Shlens 2017, arXiv:1610.09585 (AC-GAN); Dash et al. 2017, arXiv:1703.06412 (TAC-GAN)"),
    Option("projection", bool, False, "cgan (--arch dcgan), gan-cls: D takes the label or caption by projection, adding y^T V phi(x) of its last feature map phi(x) to the logit, instead of by concatenation.", group="networks", variant_specific=True, paper="Miyato & Koyama 2018, arXiv:1802.05637"),
    Option("text_encoder_steps", int, 5000, "gan-cls: updates of the text encoder's contrastive pretraining, batch 128 (cached per dataset and setting).", group="networks", minimum=1, variant_specific=True, paper="Reed, Akata, Lee & Schiele 2016, arXiv:1605.05395; Radford et al. 2021, arXiv:2103.00020"),
    # Training tricks.
    Option("label_smoothing", float, None, "One-sided label smoothing: the real target, e.g. 0.9.", group="tricks", minimum=0, maximum=1, open_min=True, paper=SALIMANS),
    Option("minibatch_discrimination", bool, False, "Minibatch features before D's logit.", group="tricks", paper=SALIMANS),
    Option("minibatch_kernels", int, 100, "Minibatch discrimination: number of kernels B.", group="tricks", minimum=1, flag=False, paper=SALIMANS),
    Option("minibatch_kernel_dim", int, 5, "Minibatch discrimination: dimension C of each kernel.", group="tricks", minimum=1, flag=False, paper=SALIMANS),
    Option("historical_averaging", float, None, "Penalty WEIGHT * ||theta_D - mean of past theta_D||^2.", group="tricks", minimum=0, open_min=True, metavar="WEIGHT", paper=SALIMANS),
    Option("virtual_batch_norm", str, None, "Virtual batch normalization against a fixed reference batch (alone: generator).", group="tricks", choices=("generator", "discriminator", "both"), flag_value="generator", paper=SALIMANS),
    Option("reference_batch_size", int, 64, "Size of virtual batch normalization's reference batch.", group="tricks", minimum=1, flag=False, paper=SALIMANS),
    Option("instance_noise", float, None, "Gaussian noise on D's inputs, STD annealed linearly to 0 over the run.", group="tricks", minimum=0, open_min=True, metavar="STD", paper="Sonderby et al. 2016, arXiv:1610.04490"),
    Option("instance_noise_steps", int, None, "Generator updates over which instance noise anneals (default: the run).", group="tricks", minimum=1, flag=False),
    Option("diff_augment", str, None, "DiffAugment: the same random, differentiable colour, translation and/or cutout on real and generated images wherever D sees them, so D cannot memorise pixels.", group="tricks", choices=DIFF_AUGMENT_POLICIES, metavar="POLICY", accepts="color, translation, cutout or several of them comma-separated in that order, e.g. translation,cutout", paper="Zhao et al. 2020, arXiv:2006.10738"),
    Option("top_k", float, None, "Top-k training: G's adversarial loss counts only the samples D scores highest, a share that starts at the whole batch and shrinks by 0.99 every `top_k_steps` updates down to NU.", group="tricks", minimum=0, open_min=True, maximum=1, metavar="NU", paper="Sinha et al. 2020, arXiv:2002.06224"),
    Option("top_k_steps", int, None, "Top-k training: generator updates per 0.99 decay of the kept share (default: one epoch, as in the paper).", group="tricks", minimum=1, metavar="N", paper="Sinha et al. 2020, arXiv:2002.06224", needs=("top_k", "the share of samples kept")),
    Option("spectral_norm", bool, False, "Every Dense and Conv2D layer of D divided by its largest singular value (the DCGAN D then has no BatchNorm).", group="tricks", paper="Miyato et al. 2018, arXiv:1802.05957"),
    Option("r1_penalty", float, None, "Penalty GAMMA/2 * E||grad D(x)||^2 on real data.", group="tricks", minimum=0, open_min=True, metavar="GAMMA", paper="Mescheder et al. 2018, arXiv:1801.04406"),
    Option("balanced_consistency", float, None, "Consistency regularization: penalty LAMBDA * (D(x) - D(T(x)))^2 on the real and on the generated images, T a random mirror and a shift of up to 1/8 of the side, so D judges what is drawn rather than where its pixels sit.", group="tricks", minimum=0, open_min=True, metavar="LAMBDA", paper="Zhao et al. 2021 (bCR), arXiv:2002.04724"),
    Option("negative_augmentation", str, None, "Negative data augmentation: D also scores, as generated, real pictures blurred (the pyramid's u(d(x))) and/or blended with another (mixup), so G is pushed away from soft edges and mixed colours.", group="tricks", choices=NEGATIVE_AUGMENTATIONS, metavar="KINDS", accepts="blur, mixup or blur,mixup", paper="Sinha et al. 2021, arXiv:2102.05113"),
    Option("negative_weight", float, 1.0, "Negative data augmentation: the weight W of D's loss on the negatives beside its loss on G's samples (the paper's mixture, lambda = 1 / (1 + W)).", group="tricks", minimum=0, open_min=True, metavar="W", paper="Sinha et al. 2021, arXiv:2102.05113", needs=("negative_augmentation", "the kinds of negatives")),
    Option("latent_mixture", int, None, "z picks one of K equally likely latent components (one-hot) plus scaled noise, so G need not bridge separated modes.", group="tricks", minimum=2, metavar="K", accepts="a whole number of components >= 2", paper="Gurumurthy et al. 2017 (DeLiGAN), arXiv:1706.02071"),
    Option("latent_mixture_scale", float, None, "Scale of the noise within each latent component (default 0.1).", group="tricks", minimum=0, open_min=True, metavar="S", needs=("latent_mixture", "the number of components")),
    Option("info_code", int, None, "InfoGAN: z picks one of K equally likely categories, shown to G as a one-hot code; a head on D's features learns to read the code back from G's images, and both networks minimise its cross-entropy, so each category draws something of its own. Keep K well below the batch size, or each category may collapse to one picture.", group="tricks", minimum=2, metavar="K", accepts="a whole number of categories >= 2", paper="Chen et al. 2016, arXiv:1606.03657"),
    Option("info_weight", float, 1.0, "InfoGAN: weight lambda of the code's cross-entropy in both networks' losses (1 in the paper for a categorical code).", group="tricks", minimum=0, open_min=True, metavar="LAMBDA", paper="Chen et al. 2016, arXiv:1606.03657", needs=("info_code", "the number of categories")),
    # How the run executes and what it records.
    Option("strategy", str, "auto", "tf.distribute strategy.", group="execution", choices=("auto", "default", "mirrored", "multi-worker", "tpu"), on_resume="free"),
    Option("precision", str, "float32", "Compute precision; auto: mixed_float16 on tensor-core GPUs; on CPUs with native bf16 (AVX-512 BF16/AMX) float32 or mixed_bfloat16, whichever measured faster; else float32.", group="execution", choices=("float32", "mixed_float16", "mixed_bfloat16", "auto"), paper="Micikevicius et al. 2018, arXiv:1710.03740"),
    Option("jit_compile", str, "auto", "XLA-compile the train step; auto: on a CPU whichever of XLA and graph mode measured faster for this model (cached per machine), on GPUs only with one replica.", group="execution", choices=("auto", "on", "off"), on_resume="free"),
    Option("onednn", str, "auto", "TensorFlow's oneDNN CPU kernels (TF_ENABLE_ONEDNN_OPTS); auto: on or off, whichever measured faster for this model (cached per machine).", group="execution", choices=("auto", "on", "off"), on_resume="free"),
    Option("checkpoint_every", int, None, "Also checkpoint every N steps (always at each epoch end).", group="execution", minimum=1, on_resume="free", metavar="N"),
    Option("checkpoints_kept", int, 3, "Checkpoints kept on disk.", group="execution", minimum=1, flag=False, on_resume="free"),
    Option("eval_every", int, None, "Log sample-quality metrics to TensorBoard and history.jsonl every N epochs.", group="execution", minimum=1, on_resume="free", metavar="N"),
    Option("eval_samples", int, 1000, "Samples per periodic evaluation.", group="execution", minimum=2, flag=False, on_resume="free"),
    Option("eval_extractor", str, None, "Features of periodic evaluation (default: classifier on labelled data).", group="execution", choices=("classifier", "inception", "none"), flag=False, on_resume="free"),
    Option("log_every", int, 10, "Steps between the per-step TensorBoard scalars and steps.jsonl lines.", group="execution", minimum=1, on_resume="free", metavar="N"),
    # Facts recorded when the data is read.
    Option("image_shape", list, None, "Shape of one example.", group="record", flag=False),
    Option("num_examples", int, None, "Examples in the training split.", group="record", minimum=1, flag=False, on_resume="free"),
    Option("label_names", list, None, "Class names of a labelled dataset.", group="record", flag=False),
    Option("vocabulary", list, None, "Words of the training captions, sorted (gantk.tokenizer): word i has id i + 1.", group="record", flag=False),
    Option("image_encoder_version", int, None, "Layout of the frozen image encoder a caption-matching run was trained with (gantk.nets.text.IMAGE_ENCODER_VERSION).", group="record", flag=False),
    Option("gantk_version", str, None, "gantk release that wrote the run.", group="record", flag=False, on_resume="free"),
)

BY_NAME = {option.name: option for option in OPTIONS}


def get_option(name):
    if name not in BY_NAME:
        raise ConfigError(f"Unknown option `{name}`: known options are {', '.join(sorted(BY_NAME))}.")
    return BY_NAME[name]


def check_options(values):
    """``values`` checked against the schema and converted, or one ``ConfigError`` for the first bad entry."""
    checked = {}
    for name, value in values.items():
        option = get_option(name)
        if option.name in WORD_LISTS:
            checked[name] = _words(name, value)
            continue
        checked[name] = option.check(value)
    return checked


WORD_LISTS = {"label_names": "class names", "vocabulary": "words"}
"""Recorded options that hold a list of strings."""


def _words(name, value):
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"Option `{name}` must be a list of {WORD_LISTS[name]}. Received: {name}={value!r}")
    return list(value)


def flag_options():
    """The options that ``gantk train`` takes as flags, in table order."""
    return [option for option in OPTIONS if option.flag]


def legacy_values(values):
    """A config written before the schema (an ``options`` dict beside the fields) as flat settings."""
    values = dict(values)
    extra = dict(values.pop("options", None) or {})
    minibatch = extra.pop("minibatch_discrimination", None)
    if isinstance(minibatch, dict):
        extra["minibatch_discrimination"] = True
        extra.update({f"minibatch_{'kernels' if k == 'num_kernels' else k}": v for k, v in minibatch.items()})
    elif minibatch is not None:
        extra["minibatch_discrimination"] = bool(minibatch)
    return {**values, **extra}
