"""``gantk bench modes``: mode coverage of every variant and trick on the 2-D mixtures, next to the papers."""

import click


def split(text):
    return [part.strip() for part in text.split(",") if part.strip()] if text else []


@click.command("modes")
@click.option("--datasets", default="ring8,grid25", show_default=True, help="Comma-separated mixtures.")
@click.option("--variants", help="Comma-separated variants (default: every variant that trains on points; 'none' for no variant rows).")
@click.option("--tricks", default="", help="Comma-separated tricks added to the gan row, or 'all': label-smoothing, minibatch-discrimination, historical-averaging, virtual-batch-norm, instance-noise.")
@click.option("--no-best", is_flag=True, help="Leave out gantk's tuned configuration.")
@click.option("--seeds", default=5, show_default=True, type=click.IntRange(min=1), help="Runs per configuration (seeds 0 .. N-1).")
@click.option("--steps", type=click.IntRange(min=1), help="Generator updates per run (default: the protocol's 3,000).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write every run and the summary as JSON.")
@click.option("--plots", type=click.Path(file_okay=False), help="Write a scatter plot of each run into this folder.")
def command(datasets, variants, tricks, no_best, seeds, steps, json_path, plots):
    """Train each configuration on ring8 and grid25 over several seeds; print modes and high-quality %."""
    import json

    from gantk.bench import modes

    tricks = list(modes.TRICKS) if tricks == "all" else split(tricks)
    datasets = split(datasets)
    for dataset in datasets:
        if dataset not in modes.DATASETS:
            from gantk.errors import ConfigError

            raise ConfigError(f"Argument `datasets` must be among {', '.join(modes.DATASETS)}. Received: {dataset!r}")
    results = modes.run_benchmark(
        datasets, [] if variants == "none" else split(variants) or None, tricks, best=not no_best, seeds=seeds, steps=steps, plots=plots,
        log=lambda line: click.echo(line, err=True),
    )
    summary = modes.summarize(results)
    click.echo(modes.format_table(summary, datasets))
    if json_path:
        with open(json_path, "w") as handle:
            json.dump(dict(protocol=modes.PROTOCOL, best=modes.BEST, tricks=modes.TRICKS, runs=results, summary=summary), handle, indent=1)
        click.echo(f"Wrote {json_path}.")
