"""``gantk bench``: benchmarks that print figures with a reference measured in the same run."""

import importlib

import click

BENCH_MODULES = ("gantk.cli.bench_modes", "gantk.cli.bench_speed", "gantk.cli.bench_serve")
"""Modules that each define one click command ``command``, added as ``gantk bench <name>``."""


@click.group("bench")
def command():
    """Benchmarks: mode coverage on 2-D mixtures, training and inference speed, the HTTP server under load."""


for _module in BENCH_MODULES:
    command.add_command(importlib.import_module(_module).command)
