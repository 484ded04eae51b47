"""What can go wrong while exporting or running a generator; all are ``GantkError``s, so the CLI exits with status 2.

``InputValueError`` (a ``ValueError``) and ``InputTypeError`` (also a ``TypeError``) are what the
runtime raises for a request it cannot serve (a count, seed, latent or label); they are defined
in ``gantk.errors`` so the numpy-only latent code shares them.
"""

from gantk.errors import GantkError, InputTypeError, InputValueError

__all__ = ["ExportError", "InputTypeError", "InputValueError", "ParityError"]


class ExportError(GantkError):
    """An export that cannot be written where or how it was asked for."""


class ParityError(ExportError):
    """An exported file whose images differ from the Keras generator's by more than the tolerance."""


class QualityError(ExportError):
    """A quantized file whose in-domain FID moved further from the float file's than the stated bound."""
