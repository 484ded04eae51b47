"""How long a run is and where it stops to checkpoint: counted in generator updates (steps)."""

from gantk.data.pipeline import steps_per_epoch
from gantk.errors import ConfigError

DEFAULT_EPOCHS = 20


def total_steps(config, per_epoch):
    """``steps`` when set, else ``epochs`` (default 20) passes of ``per_epoch`` steps."""
    if config.steps is not None:
        return int(config.steps)
    return int(config.epochs or DEFAULT_EPOCHS) * per_epoch


def epoch_length(config, needed_by, instead):
    """Generator updates per pass over the loaded data; before the data is loaded, option ``needed_by``
    is refused with a sentence naming ``instead``, the options that would have fixed its length."""
    if not config.num_examples:
        raise ConfigError(f"Option `{needed_by}` needs {instead} before the data is loaded.")
    return steps_per_epoch(config.num_examples, config.batch_size * config.d_steps)


def run_length(config):
    """The run's number of generator updates, before the data is loaded when ``steps`` is set."""
    if config.steps is not None:
        return int(config.steps)
    return total_steps(config, epoch_length(config, "instance_noise", "`instance_noise_steps` or `steps`"))


def segments(start, total, per_epoch, checkpoint_every=None):
    """(epoch, first step, number of steps) pieces from ``start`` to ``total``, cut at epoch ends."""
    if checkpoint_every is not None and (isinstance(checkpoint_every, bool) or int(checkpoint_every) < 1):
        raise ConfigError(f"Argument `checkpoint_every` must be a positive number of steps. Received: checkpoint_every={checkpoint_every}")
    if int(per_epoch) < 1:
        raise ConfigError(f"An epoch must hold at least one step. Received: {per_epoch} steps per epoch")
    pieces, step = [], start
    while step < total:
        stop = min(total, (step // per_epoch + 1) * per_epoch)
        if checkpoint_every:
            stop = min(stop, (step // checkpoint_every + 1) * checkpoint_every)
        pieces.append((step // per_epoch, step, stop - step))
        step = stop
    return pieces
