"""``gantk train VARIANT``: train a GAN variant on a dataset into a run directory.

Its setting flags are generated from the option schema (``gantk.options``): one flag per
declared option with ``flag=True``. Values are checked by the schema, before any data loads.
"""

import click

from gantk.options import flag_options


def option_help(option):
    """The flag's help: the option's text, what it accepts and the paper it comes from."""
    text = option.help
    if option.kind in (int, float, list) and not option.choices:
        text += f" [{option.describe_range()}]"
    if option.paper:
        text += f" ({option.paper})"
    return text


def setting_flag(option):
    """A click option for one schema entry; click parses the type, the schema checks the value."""
    declarations = (option.flag_name, option.name)
    if option.kind is bool:
        return click.option(*declarations, is_flag=True, default=None, help=option_help(option))
    metavar = "[" + "|".join(str(c) for c in option.choices) + "]" if option.choices else option.metavar
    kind = {int: int, float: float}.get(option.kind, str)
    if option.flag_value is not None:
        return click.option(*declarations, type=kind, is_flag=False, flag_value=option.flag_value, default=None,
                            metavar=metavar, help=option_help(option))
    return click.option(*declarations, type=kind, default=None, metavar=metavar, help=option_help(option))


def with_setting_flags(command):
    for option in reversed(flag_options()):
        command = setting_flag(option)(command)
    return command


@click.command("train")
@click.argument("variant")
@with_setting_flags
@click.option("--out", "run_dir", type=click.Path(file_okay=False), help="Run directory (default runs/<variant>-<time>).")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last intact checkpoint; only --steps/--epochs and how it runs or logs may change.")
@click.option("--restart", is_flag=True, help="Retrain the run in --out from step 0, deleting its checkpoints and history.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def command(variant, run_dir, resume, restart, quiet, **settings):
    """Train VARIANT (see `gantk list`), writing checkpoints, sample grids and the generator."""
    from gantk.api import train

    started_at = (click.get_current_context().find_root().obj or {}).get("started_at")
    run_dir = train(
        variant, run_dir=run_dir, resume=resume, restart=restart, progress=not quiet, log=click.echo, started_at=started_at, **settings
    )
    click.echo(f"Run saved in {run_dir} (samples: {run_dir}/samples.png, generator: {run_dir}/generator.keras).")
