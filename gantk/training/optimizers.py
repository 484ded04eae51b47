"""The two optimizers of a run, built from its configuration."""

import keras

from gantk.errors import ConfigError

OPTIMIZERS = ("adam", "rmsprop", "sgd")


def make_optimizer(config, learning_rate, name):
    """Adam (Kingma & Ba 2014) with the run's betas, RMSProp as WGAN uses, or SGD with momentum 0.5."""
    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2, name=name)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate, name=name)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate, momentum=0.5, name=name)
    raise ConfigError(f"Argument `optimizer` must be one of {', '.join(OPTIMIZERS)}. Received: optimizer={config.optimizer!r}")


def decayed(config, rate, updates_per_step):
    """``rate``, or with ``lr_decay_steps = N`` a cosine decay to 1% of it over N steps
    (Loshchilov & Hutter 2017); the discriminator makes ``d_steps`` updates per step."""
    steps = config.lr_decay_steps
    if not steps:
        return rate
    return keras.optimizers.schedules.CosineDecay(rate, int(steps) * updates_per_step, alpha=0.01)


def make_optimizers(config):
    """(discriminator optimizer, generator optimizer)."""
    return (
        make_optimizer(config, decayed(config, config.d_learning_rate, config.d_steps), "d_optimizer"),
        make_optimizer(config, decayed(config, config.g_learning_rate, 1), "g_optimizer"),
    )
