"""The training tricks of Goodfellow's NIPS 2016 tutorial and Salimans et al. 2016, for any variant.

Each trick is read from ``config.options`` and applied to the networks a recipe built, so every
variant gets them without its recipe knowing:

- ``minibatch_discrimination``: ``{"num_kernels": B, "kernel_dim": C}`` (or ``True`` for 100 x 5):
  a ``MinibatchDiscrimination`` layer before the discriminator's logit (Salimans et al. 2016, 3.2).
- ``historical_averaging``: weight of the ``HistoricalAveraging`` penalty on the discriminator (3.3).
- ``virtual_batch_norm``: ``"generator"``, ``"discriminator"`` or ``"both"``: every
  ``BatchNormalization`` layer of those networks becomes a ``VirtualBatchNormalization`` against a
  reference batch of ``reference_batch_size`` examples (default 64) (3.4).
- ``r1_penalty``: weight gamma of the R1 penalty (gamma / 2) E||grad_x D(x)||^2 on real data
  (Mescheder et al. 2018; ``gantk.regularizers.r1_penalty``).
- ``latent_mixture``: K, with ``latent_mixture_scale`` (default 0.1): the generator's first layer
  turns z into a draw from a uniform mixture of K separated components (``LatentMixture``; built
  by the recipes through ``gantk.nets.latent_mixture.latent_prior``).
- ``instance_noise``: standard deviation of Gaussian noise added to everything the discriminator
  sees in training, annealed linearly to 0 over ``instance_noise_steps`` generator updates (default:
  the run's length) (Sønderby et al. 2016; Arjovsky & Bottou 2017).

One-sided label smoothing (Salimans et al. 2016, 3.4 footnote; Goodfellow 2016, 4.2) is the
``label_smoothing`` setting of every run and of ``GAN``.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from gantk.errors import ConfigError
from gantk.latents import grid_labels, latent_vectors
from gantk.nets.tricks import DropReference, MinibatchDiscrimination, ReferenceBatch, VirtualBatchNormalization
from gantk.regularizers import r1_penalty
from gantk.regularizers_history import HistoricalAveraging

VBN_TARGETS = ("generator", "discriminator", "both")
DEFAULT_KERNELS = {"num_kernels": 100, "kernel_dim": 5}
DEFAULT_REFERENCE_SIZE = 64


def minibatch_settings(options):
    value = options.get("minibatch_discrimination")
    if not value:
        return None
    if value is True:
        return dict(DEFAULT_KERNELS)
    if isinstance(value, dict) and set(value) <= set(DEFAULT_KERNELS) and all(int(v) > 0 for v in value.values()):
        return {**DEFAULT_KERNELS, **{k: int(v) for k, v in value.items()}}
    raise ConfigError(
        "Option `minibatch_discrimination` must be true or {'num_kernels': B, 'kernel_dim': C} with positive "
        f"integers. Received: {value!r}"
    )


def _positive(options, name, kind=float):
    value = options.get(name)
    if value is None:
        return None
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0):
        raise ConfigError(f"Option `{name}` must be a positive number. Received: {name}={value!r}")
    return kind(value)


def vbn_targets(options):
    value = options.get("virtual_batch_norm")
    if not value:
        return ()
    if value not in VBN_TARGETS:
        raise ConfigError(
            f"Option `virtual_batch_norm` must be one of {', '.join(VBN_TARGETS)}. Received: virtual_batch_norm={value!r}"
        )
    return ("generator", "discriminator") if value == "both" else (value,)


def reference_size(options):
    return _positive(options, "reference_batch_size", int) or DEFAULT_REFERENCE_SIZE


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
    """(generator, discriminator) with the tricks of ``config.options`` built in."""
    options = config.options
    kernels = minibatch_settings(options)
    if kernels:
        discriminator = insert_before_logit(discriminator, MinibatchDiscrimination(**kernels, name="minibatch_discrimination"))
    targets = vbn_targets(options)
    size = reference_size(options)
    if "generator" in targets:
        generator = with_virtual_batch_norm(generator, size)
        set_generator_reference(generator, config.seed, config.num_classes)
    if "discriminator" in targets:
        discriminator = with_virtual_batch_norm(discriminator, size)
    return generator, discriminator


def regularizers(config, discriminator):
    """The discriminator penalties the run's options ask for."""
    found = []
    weight = _positive(config.options, "historical_averaging")
    if weight:
        found.append(HistoricalAveraging(weight, discriminator))
    gamma = _positive(config.options, "r1_penalty")
    if gamma:
        found.append(r1_penalty(gamma))
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

        Each replica takes its slice of one global draw, as ``GAN.draw_latents`` does.
        """
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        shape = ops.shape(images)
        noise = keras.random.normal((shape[0] * replicas, *shape[1:]), seed=gan.seed_generator)
        if replicas > 1:
            start = context.replica_id_in_sync_group * shape[0]
            noise = noise[start : start + shape[0]]
        std = self.current_std(gan.g_optimizer.iterations)
        return images + ops.cast(std, images.dtype) * ops.cast(noise, images.dtype)


def instance_noise(config):
    std = _positive(config.options, "instance_noise")
    if not std:
        return None
    steps = _positive(config.options, "instance_noise_steps", int) or run_length(config)
    return InstanceNoise(std, steps)


def run_length(config):
    """The run's number of generator updates, as ``gantk.training.run`` will count them."""
    from gantk.data.pipeline import steps_per_epoch
    from gantk.training.run import total_steps

    if config.steps is not None:
        return int(config.steps)
    if not config.num_examples:
        raise ConfigError("Option `instance_noise` needs `instance_noise_steps` or `steps` before the data is loaded.")
    return total_steps(config, steps_per_epoch(config.num_examples, config.batch_size * config.d_steps))


def choose_real_reference(gan, data, config):
    """Fix the discriminator's reference batch, if it has one: the first real examples of the run's data order."""
    found = reference_layers(gan.discriminator)
    if not found:
        return
    from gantk.data.pipeline import training_batches

    batch = next(iter(training_batches(data, found[0].size, seed=config.seed)))
    labels = np.asarray(batch["label"]) if "label" in batch else None
    set_discriminator_reference(gan.discriminator, np.asarray(batch["image"]), labels)


def pop_trick_flags(flags):
    """The trick options set among ``gantk train``'s flags, removed from ``flags``."""
    options = {}
    for name in (
        "minibatch_discrimination", "historical_averaging", "virtual_batch_norm", "instance_noise", "r1_penalty",
        "latent_mixture", "latent_mixture_scale",
    ):
        value = flags.pop(name, None)
        if value:
            options[name] = minibatch_settings({name: value}) if name == "minibatch_discrimination" else value
    return options
