"""The options that `gantk digits-check` and `gantk shapes-check` share: how many samples, from which seed."""

import click


def sample_check_options(command):
    command = click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Latent seed of the samples.")(command)
    command = click.option("--per-label", default=100, show_default=True, type=click.IntRange(min=1), help="Conditional runs: images per label.")(command)
    return click.option("--n", default=1000, show_default=True, type=click.IntRange(min=1), help="Unconditional runs: images read.")(command)
