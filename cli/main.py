"""The ``gantk`` command: a click group whose commands only call library functions.

TensorFlow is imported inside commands, never here, so ``gantk --help`` answers at once.
"""

import os
import time

import click

from gantk import __version__
from gantk.cli import (
    arithmetic, bench, dataset, digits_check, evaluate, export_cmd, interpolate, listing, prepare, probe, sample, train,
)
from gantk.errors import GantkError

COMMANDS = (train, sample, listing, dataset, prepare, bench, export_cmd, evaluate, digits_check, interpolate, arithmetic, probe)
"""Modules that each define one click ``command``; each module imports only click at the top."""


class UserError(click.ClickException):
    """A mistake in the user's input: printed as one line, exit status 2."""

    exit_code = 2


class GantkGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GantkError as error:
            raise UserError(str(error)) from None


@click.group(cls=GantkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gantk")
@click.option("--verbose", is_flag=True, help="Show every message of TensorFlow and tensorflow-datasets (sets GANTK_VERBOSE=1).")
@click.pass_context
def cli(ctx, verbose):
    """gantk: train GANs with Keras 3 and TensorFlow, and ship their generators."""
    from gantk import quiet

    ctx.ensure_object(dict)["started_at"] = time.time()
    if verbose:
        os.environ[quiet.VERBOSE_ENV] = "1"
    quiet.install()


for _module in COMMANDS:
    cli.add_command(_module.command)


def main():
    cli(prog_name="gantk")


if __name__ == "__main__":
    main()
