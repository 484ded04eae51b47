"""An exponential moving average of a network's weights: the generator that samples and is exported,
or the discriminator that classifies.

Yazıcı et al. 2019, "The Unusual Effectiveness of Averaging in GAN Training": after every
generator update, theta_avg <- beta * theta_avg + (1 - beta) * theta, with beta = 0.999 in the
paper. The averaged generator is never trained; it damps the rotation of the adversarial updates
around the equilibrium, so its samples sit closer to the modes than those of the last iterate.
The same average of a semi-supervised discriminator's weights (the temporal ensembling of
Laine & Aila 2017 and the mean teacher of Tarvainen & Valpola 2017) is a steadier classifier.
Every floating-point variable is averaged (BatchNorm's moving statistics too, as BigGAN does);
integer ones (a reference batch's labels, a noise layer's seed) are copied.
"""

import keras
import tensorflow as tf

from gantk.errors import ConfigError


def check_decay(decay, option="generator_ema"):
    """``decay`` as a float in (0, 1), or one ConfigError naming ``option``."""
    try:
        value = float(decay)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 < value < 1.0:
        raise ConfigError(f"Option `{option}` must be a decay in (0, 1), such as 0.999. Received: {option}={decay!r}")
    return value


class WeightAverage:
    """A copy of ``model`` that follows its weights by an exponential moving average of ``decay``
    (the setting named ``option``).

    Build it under the strategy scope the model was built in: the copy's variables are then
    mirrored the same way, and ``update`` runs the assignment on every replica.
    """

    def __init__(self, model, decay, option="generator_ema"):
        self.decay = check_decay(decay, option)
        self.model = keras.models.clone_model(model)
        self.model.set_weights(model.get_weights())
        self.model.trainable = False

    @property
    def variables(self):
        return self.model.variables

    def update(self, source):
        """Move the average one step towards ``source`` (the trained network); call in ``train_step``."""
        pairs = [(average.value, value.value) for average, value in zip(self.model.variables, source.variables)]

        def move(average, value):
            if average.dtype.is_floating:
                return average.assign(self.decay * average + (1.0 - self.decay) * tf.cast(value, average.dtype))
            return average.assign(value)

        def update_all(strategy, pairs):
            for average, value in pairs:
                strategy.extended.update(average, move, args=(value,))

        tf.__internal__.distribute.interim.maybe_merge_call(update_all, tf.distribute.get_strategy(), pairs)
