"""What can go wrong while exporting a generator; both are ``GantkError``s, so the CLI exits with status 2."""

from gantk.errors import GantkError


class ExportError(GantkError):
    """An export that cannot be written where or how it was asked for."""


class ParityError(ExportError):
    """An exported file whose images differ from the Keras generator's by more than the tolerance."""


class QualityError(ExportError):
    """A quantized file whose in-domain FID moved further from the float file's than the stated bound."""
