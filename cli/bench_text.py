"""``gantk bench text-to-image``: attribute accuracy of text-to-image runs on captions written afresh."""

import click


@click.command("text-to-image")
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option("--n", default=16, show_default=True, type=click.IntRange(min=1), help="Images per caption.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write every figure as JSON.")
def command(run_dirs, n, json_path):
    """Judge each run's images of fresh shapes captions (seen and held-out colour-kind pairs, paraphrases)."""
    from gantk.api import load_run
    from gantk.bench import text_to_image
    from gantk.errors import ConfigError
    from gantk.files import write_json_atomically

    captions = text_to_image.benchmark_captions()
    results = {}
    for run_dir in run_dirs:
        run = load_run(run_dir)
        if not getattr(run.gan, "captioned", False):
            raise ConfigError(f"Run {run_dir!r} is a {run.config.variant} run; the benchmark judges text-to-image runs (gan-cls, gan-int).")
        results[run_dir] = {"variant": run.config.variant, "text_encoder": run.config.text_encoder, "step": run.step,
                            **text_to_image.judge(run, captions, n)}
    click.echo(text_to_image.format_table(results))
    if json_path:
        write_json_atomically(json_path, {"protocol": text_to_image.protocol(), "runs": results})
        click.echo(f"Wrote {json_path}.")
