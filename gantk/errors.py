"""Errors a user can cause: one sentence naming the bad value and what is accepted."""


class GantkError(ValueError):
    """A problem with the user's input; the CLI prints the message and exits with status 2."""


class DatasetError(GantkError):
    """A dataset name, folder or file that cannot be turned into training data."""


class ConfigError(GantkError):
    """An option value that no variant or network accepts."""


class RunDirError(GantkError):
    """A run directory that is missing or does not hold what the command needs."""


class TrainingDiverged(GantkError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class InputValueError(GantkError):
    """A value passed to a library call (a count, a seed, a latent, a label) outside what it accepts."""


class InputTypeError(InputValueError, TypeError):
    """A value passed to a library call with a type it does not accept (also a ``TypeError``)."""
