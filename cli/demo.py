"""``gantk demo RUN_DIR --out SITE_DIR``: a static page that draws with the run's generator in the browser."""

import click


@click.command("demo")
@click.argument("run_dir", type=click.Path())
@click.option("--out", "site_dir", required=True, type=click.Path(file_okay=False), help="Site directory to write.")
@click.option(
    "--onnxruntime-web", "onnxruntime_web", type=click.Path(file_okay=False),
    help="Copy onnxruntime-web from this dist folder (e.g. node_modules/onnxruntime-web/dist) instead of the CDN, to work offline.",
)
@click.option("--seeds", default=100, show_default=True, type=int, help="The page draws seeds 0 to SEEDS - 1.")
def command(run_dir, site_dir, onnxruntime_web, seeds):
    """Write a page drawing RUN_DIR's generator with onnxruntime-web (wasm, WebGPU, WebGL).

    Serve SITE_DIR over HTTP (e.g. python -m http.server -d SITE_DIR) and open index.html: a seed
    box and a grid of samples equal to `gantk sample --n 16 --seed SEED`, a walk between two seeds,
    a class picker for conditional generators, a backend choice and the time of each draw.
    """
    from gantk.export.demo import write_demo

    write_demo(run_dir, site_dir, onnxruntime_web=onnxruntime_web, seeds=seeds, log=click.echo)
    click.echo(f"Wrote the demo of {run_dir} to {site_dir}; serve it with: python -m http.server -d {site_dir}")
