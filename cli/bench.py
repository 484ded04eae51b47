"""``gantk bench``: benchmarks that print figures with a reference measured in the same run."""

import click

from gantk.cli import bench_modes, bench_pipeline, bench_serve, bench_speed, bench_text

BENCHMARKS = (bench_modes, bench_speed, bench_pipeline, bench_serve, bench_text)
"""Modules that each define one click ``command``, added as ``gantk bench <name>``."""


@click.group("bench")
def command():
    """Benchmarks: mode coverage on 2-D mixtures, training and inference speed, the input pipeline, the HTTP server under load, text to image."""


for _module in BENCHMARKS:
    command.add_command(_module.command)
