"""The training tricks of Goodfellow's NIPS 2016 tutorial and Salimans et al. 2016, for any variant.

Each trick is a run option (``gantk.options``) applied to the networks a recipe built, so every
variant gets them without its recipe knowing:

- ``minibatch_discrimination`` (with ``minibatch_kernels`` B and ``minibatch_kernel_dim`` C):
  a ``MinibatchDiscrimination`` layer before the discriminator's logit (Salimans et al. 2016, 3.2).
- ``historical_averaging``: weight of the ``HistoricalAveraging`` penalty on the discriminator (3.3).
- ``virtual_batch_norm``: ``"generator"``, ``"discriminator"`` or ``"both"``: every
  ``BatchNormalization`` layer of those networks becomes a ``VirtualBatchNormalization`` against a
  reference batch of ``reference_batch_size`` examples (default 64) (3.4).
- ``spectral_norm``: every Dense and Conv2D layer of the discriminator divided by its largest
  singular value (``gantk.nets.spectral_norm.SpectralNorm``; Miyato et al. 2018); the recipes then
  build the convolutional discriminator without BatchNorm.
- ``r1_penalty``: weight gamma of the R1 penalty (gamma / 2) E||grad_x D(x)||^2 on real data
  (Mescheder et al. 2018; ``gantk.regularizers.r1_penalty``).
- ``balanced_consistency``: weight lambda of the consistency penalty on D's logits of the real and
  the generated images against their mirrored and shifted copies (Zhao et al. 2021;
  ``gantk.regularizers.balanced_consistency``).
- ``negative_augmentation`` (with ``negative_weight``): real pictures blurred or blended, scored by D
  as generated (Sinha et al. 2021; ``gantk.training.negative_augmentation``).
- ``latent_mixture``: K, with ``latent_mixture_scale`` (default 0.1): the generator's first layer
  turns z into a draw from a uniform mixture of K separated components (``LatentMixture``; built
  by the recipes through ``gantk.nets.latent_mixture.latent_prior``).
- ``info_code``: K, with ``info_weight`` lambda (default 1): InfoGAN's categorical code, the
  generator's first layer (``gantk.nets.info_code``) and a code head on the discriminator's
  features, read by ``GAN`` (Chen et al. 2016).
- ``instance_noise``: standard deviation of Gaussian noise added to everything the discriminator
  sees in training, annealed linearly to 0 over ``instance_noise_steps`` generator updates (default:
  the run's length) (Sønderby et al. 2016; Arjovsky & Bottou 2017).

One-sided label smoothing (Salimans et al. 2016, 3.4 footnote; Goodfellow 2016, 4.2) is the
``label_smoothing`` setting of every run and of ``GAN``.
"""

import keras
import numpy as np
from keras import layers, ops

from gantk.errors import ConfigError
from gantk.latents import grid_labels, latent_vectors
from gantk.nets.info_code import with_code_head
from gantk.nets.minibatch_discrimination import MinibatchDiscrimination
from gantk.nets.spectral_norm import with_spectral_norm
from gantk.nets.virtual_batch_norm import DropReference, ReferenceBatch, VirtualBatchNormalization
from gantk.regularizers import HistoricalAveraging, balanced_consistency, negative_augmentation, r1_penalty
from gantk.replicas import replica_slice
from gantk.training.diff_augment import DiffAugment
from gantk.training.negative_augmentation import NegativeAugmentation
from gantk.training.schedule import run_length

def vbn_targets(config):
    """The networks that virtual batch normalization applies to."""
    value = config.virtual_batch_norm
    if not value:
        return ()
    return ("generator", "discriminator") if value == "both" else (value,)


def insert_before_logit(discriminator, layer):
    """The discriminator with ``layer`` applied to the features its final ``Dense(1)`` logit reads.

    Every other layer (and its weights) is shared with ``discriminator``; the logit is a fresh
    ``Dense(1)`` with the old one's configuration, since its input grows.
    """
    logit = discriminator.layers[-1]
    if not (isinstance(logit, layers.Dense) and logit.units == 1 and len(discriminator.outputs) == 1):
        raise ConfigError(
            f"Minibatch discrimination needs a discriminator ending in a Dense(1) logit; {discriminator.name!r} "
            f"ends in {type(logit).__name__}."
        )
    features = layer(logit.input)
    new_logit = layers.Dense.from_config(logit.get_config())(features)
    return keras.Model(discriminator.input, new_logit, name=discriminator.name)


WEIGHT_LAYERS = (
    layers.Dense, layers.Conv1D, layers.Conv2D, layers.Conv3D,
    layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose,
)


def _vbn_like(layer, size):
    config = layer.get_config()
    axis = config["axis"][0] if isinstance(config["axis"], (list, tuple)) else config["axis"]
    if axis not in (-1, len(layer.input.shape) - 1):
        raise ConfigError(f"Virtual batch normalization needs channels-last layers; {layer.name} normalises axis {axis}.")
    return VirtualBatchNormalization(
        size, epsilon=config["epsilon"], center=config["center"], scale=config["scale"],
        beta_initializer=config["beta_initializer"], gamma_initializer=config["gamma_initializer"],
        name=f"{layer.name}_virtual",
    )


def with_virtual_batch_norm(model, size):
    """A copy of ``model`` normalised by ``VirtualBatchNormalization`` against a reference batch of ``size``.

    Its BatchNormalization layers become VirtualBatchNormalization layers; a network without any
    gets one after every Dense or convolution layer but the last (where DCGAN puts BatchNorm).
    A ``ReferenceBatch`` layer on every input prepends the reference batch; a ``DropReference``
    layer removes it at the output, or before a ``MinibatchDiscrimination`` layer so that minibatch
    features compare only the batch's own examples. All other layers are shared with ``model``,
    so they must treat examples independently (dense, convolution, activation, dropout, reshaping).
    """
    norms = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    followed = [] if norms else [layer for layer in model.layers if isinstance(layer, WEIGHT_LAYERS)][:-1]
    if not norms and not followed:
        raise ConfigError(f"Virtual batch normalization found no layer to normalise in {model.name!r}.")
    inputs = [keras.Input(batch_shape=t.shape, dtype=t.dtype, name=t.name) for t in model.inputs]
    prepended = {id(t): ReferenceBatch(size, reference_dtype=t.dtype, name=f"{t.name}_reference")(t) for t in inputs}
    dropped = []

    def replace(layer):
        return _vbn_like(layer, size) if isinstance(layer, layers.BatchNormalization) else layer

    def call(layer, *args, **kwargs):
        args, kwargs = keras.tree.map_structure(lambda t: prepended.get(id(t), t), (args, kwargs))
        if isinstance(layer, MinibatchDiscrimination):
            args = (DropReference(size, name="drop_reference")(args[0]), *args[1:])
            dropped.append(layer)
        if isinstance(layer, VirtualBatchNormalization):
            kwargs = {}
        output = layer(*args, **kwargs)
        if any(layer is other for other in followed):
            output = VirtualBatchNormalization(size, name=f"{layer.name}_virtual")(output)
        return output

    structure = inputs if isinstance(model.input, (list, tuple)) else inputs[0]
    output = keras.models.clone_model(model, input_tensors=structure, clone_function=replace, call_function=call).outputs[0]
    if not dropped:
        output = DropReference(size, dtype=output.dtype, name="drop_reference")(output)
    return keras.Model(structure, output, name=model.name)


def reference_layers(model):
    return [layer for layer in model.layers if isinstance(layer, ReferenceBatch)]


def set_generator_reference(generator, seed, num_classes=0):
    """Latents ``latent_vectors(R, latent_dim, seed + 1)`` (and labels cycling through the classes)."""
    for layer in reference_layers(generator):
        shape = tuple(layer.reference.shape)
        if "int" in str(layer.reference.dtype):
            layer.set_reference(grid_labels(shape[0], max(num_classes, 1)).reshape(shape))
        else:
            layer.set_reference(latent_vectors(shape[0], int(np.prod(shape[1:])), seed + 1).reshape(shape))


def set_discriminator_reference(discriminator, images, labels=None):
    """Real examples (and their labels), chosen once at the start of training."""
    for layer in reference_layers(discriminator):
        size = layer.size
        values = labels if "int" in str(layer.reference.dtype) else images
        if values is None or len(values) < size:
            raise ConfigError(f"The discriminator's reference batch needs {size} real examples; got {0 if values is None else len(values)}.")
        layer.set_reference(np.asarray(values)[:size])


def apply_to_networks(config, generator, discriminator):
    """(generator, discriminator) with the run's tricks built in."""
    if config.minibatch_discrimination:
        layer = MinibatchDiscrimination(config.minibatch_kernels, config.minibatch_kernel_dim, name="minibatch_discrimination")
        discriminator = insert_before_logit(discriminator, layer)
    if config.info_code:
        discriminator = with_code_head(discriminator, config.info_code)
    targets = vbn_targets(config)
    if config.spectral_norm:
        if "discriminator" in targets:
            raise ConfigError("Spectral normalization replaces the discriminator's BatchNorm; drop `virtual_batch_norm` discriminator or `spectral_norm`.")
        discriminator = with_spectral_norm(discriminator)
    size = config.reference_batch_size
    if "generator" in targets:
        generator = with_virtual_batch_norm(generator, size)
        set_generator_reference(generator, config.seed, config.num_classes)
    if "discriminator" in targets:
        discriminator = with_virtual_batch_norm(discriminator, size)
    return generator, discriminator


def regularizers(config, discriminator):
    """The discriminator penalties the run's options ask for."""
    found = []
    if config.historical_averaging:
        found.append(HistoricalAveraging(config.historical_averaging, discriminator))
    if config.r1_penalty:
        found.append(r1_penalty(config.r1_penalty))
    if config.balanced_consistency:
        found.append(balanced_consistency(DiffAugment("flip,translation"), config.balanced_consistency))
    if config.negative_augmentation:
        found.append(negative_augmentation(NegativeAugmentation(config.negative_augmentation), config.negative_weight))
    return found


class InstanceNoise:
    """Gaussian noise on the discriminator's inputs, its std annealed linearly from ``std`` to 0.

    At generator step t the std is ``std * max(0, 1 - t / steps)`` (Sønderby et al. 2016,
    "Amortised MAP inference for image super-resolution", appendix; Arjovsky & Bottou 2017,
    "Towards principled methods for training GANs", section 3): the noise makes the real and the
    generated distributions overlap, so the discriminator cannot be perfect and its gradients stay
    informative early on; annealing it removes the bias at the end.
    """

    def __init__(self, std, steps):
        self.std = float(std)
        self.steps = int(steps)

    def current_std(self, step):
        return self.std * ops.maximum(0.0, 1.0 - ops.cast(step, "float32") / float(self.steps))

    def __call__(self, gan, images):
        """``images`` plus noise at the std of step ``gan.g_optimizer.iterations``, drawn from ``gan``'s seed.

        Each replica takes its slice of one global draw (``gantk.replicas``).
        """
        shape = ops.shape(images)
        noise = replica_slice(lambda n: keras.random.normal((n, *shape[1:]), seed=gan.seed_generator), shape[0])
        std = self.current_std(gan.g_optimizer.iterations)
        return images + ops.cast(std, images.dtype) * ops.cast(noise, images.dtype)


def instance_noise(config):
    if not config.instance_noise:
        return None
    return InstanceNoise(config.instance_noise, config.instance_noise_steps or run_length(config))


def choose_real_reference(gan, data, config):
    """Fix the discriminator's reference batch, if it has one: the first real examples of the run's data order."""
    found = reference_layers(gan.discriminator)
    if not found:
        return
    from gantk.data.pipeline import training_batches

    batch = next(iter(training_batches(data, found[0].size, seed=config.seed)))
    labels = np.asarray(batch["label"]) if "label" in batch else None
    set_discriminator_reference(gan.discriminator, np.asarray(batch["image"]), labels)
