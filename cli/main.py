"""The ``gantk`` command: a click group whose commands only call library functions.

TensorFlow is imported inside commands, never here, so ``gantk --help`` answers at once.
"""

import importlib
import os

import click

from gantk import __version__
from gantk.errors import GantkError

COMMAND_MODULES = (
    "gantk.cli.train",
    "gantk.cli.sample",
    "gantk.cli.listing",
    "gantk.cli.bench",
    "gantk.cli.export_cmd",
    "gantk.cli.evaluate",
    "gantk.cli.interpolate",
    "gantk.cli.arithmetic",
    "gantk.cli.probe",
    "gantk.cli.classify",
    "gantk.cli.reconstruct",
)
"""Modules that each define one click command named like the module's ``command`` attribute."""


class UserError(click.ClickException):
    """A mistake in the user's input: printed as one line, exit status 2."""

    exit_code = 2


class GantkGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GantkError as error:
            raise UserError(str(error)) from None


def quiet_tensorflow():
    """Keep TensorFlow's C++ start-up chatter out of the user's terminal."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")


@click.group(cls=GantkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gantk")
def cli():
    """gantk: train GANs with Keras 3 and TensorFlow, and ship their generators."""
    quiet_tensorflow()


for _module in COMMAND_MODULES:
    cli.add_command(importlib.import_module(_module).command)


def main():
    cli(prog_name="gantk")


if __name__ == "__main__":
    main()
