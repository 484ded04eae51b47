"""The ``gantk`` command: a click group whose commands only call library functions.

TensorFlow is imported inside commands, never here, so ``gantk --help`` answers at once.
"""

import os
import time

import click

from gantk import __version__, quiet
from gantk.cli import (
    arithmetic, bench, classify, dataset, demo, digits_check, evaluate, export_cmd, interpolate, listing, prepare, probe, reconstruct, refine, sample,
    serve, shapes_check, train,
)
from gantk.errors import GantkError

COMMANDS = (train, sample, listing, dataset, prepare, bench, export_cmd, demo, serve, evaluate, digits_check, shapes_check, interpolate, arithmetic, probe, refine, classify, reconstruct)
"""Modules that each define one click ``command``; each module imports only click at the top."""


class UserError(click.ClickException):
    """A mistake in the user's input: printed as one line, exit status 2."""

    exit_code = 2


INTERRUPTED = 130
"""Exit status of a run stopped with Ctrl-C (128 + SIGINT), as shells report it."""


def one_line(error):
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."


class GantkGroup(click.Group):
    """Turns a user's mistake into one line and exit 2, and anything unexpected into one line and exit 1.

    With ``gantk --verbose`` (``GANTK_VERBOSE=1``) an unexpected error keeps its traceback.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GantkError as error:
            raise UserError(str(error)) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(INTERRUPTED) from None
        except Exception as error:  # noqa: BLE001 - the CLI's last line of defence
            if os.environ.get(quiet.VERBOSE_ENV) == "1":
                raise
            detail = f"{type(error).__name__}: {one_line(error)}" if str(error).strip() else type(error).__name__
            click.echo(
                f"Error: gantk stopped on an unexpected error ({detail}); "
                "rerun with `gantk --verbose ...` to see the traceback.",
                err=True,
            )
            raise click.exceptions.Exit(1) from None


@click.group(cls=GantkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gantk")
@click.option("--verbose", is_flag=True, help="Show every message of TensorFlow and tensorflow-datasets (sets GANTK_VERBOSE=1).")
@click.pass_context
def cli(ctx, verbose):
    """gantk: train GANs with Keras 3 and TensorFlow, and ship their generators."""
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
