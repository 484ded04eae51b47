"""``gantk serve EXPORT_DIR``: an HTTP endpoint drawing PNG grids or .npy arrays from an exported generator."""

import signal

import click

from gantk.export.serve import DEFAULT_GRACE


@click.command("serve")
@click.argument("export_dir", type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0 picks a free one).")
@click.option("--max-n", default=64, show_default=True, type=int, help="Most images one request may ask for (1 to 4096).")
@click.option("--quantized", type=click.Choice(["fp16", "int8"]), help="Serve generator.<KIND>.onnx instead of generator.onnx.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(0, 256),
              help="onnxruntime threads per request; concurrent requests run in parallel (0: onnxruntime's choice).")
@click.option("--grace", default=DEFAULT_GRACE, show_default=True, type=click.FloatRange(0, 3600), metavar="SECONDS",
              help="On Ctrl-C or SIGTERM, how long the requests in flight may take to finish.")
@click.option("--verbose", is_flag=True, help="Log every request.")
def command(export_dir, host, port, max_n, quantized, threads, grace, verbose):
    """Serve EXPORT_DIR's generator.onnx over HTTP (no TensorFlow needed).

    GET /sample?seed=S&n=N[&label=L][&format=png|npy] returns N images for seed S, the
    runtime's Generator.sample(N, seed=S); GET /health describes the model. Ctrl-C or SIGTERM
    stops it: no new requests (503), those in flight finish within --grace seconds, exit status 0.
    """
    from gantk.export.serve import open_server, serve_in_thread

    server = open_server(export_dir, host, port, max_n, quantized, threads, access_log=verbose, log=lambda m: click.echo(m, err=True))
    health = server.health
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        thread = serve_in_thread(server)
        click.echo(f"Serving {health['model']} (step {health['step']}, {health['file']}) on {server.url}; Ctrl-C or SIGTERM stops.")
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        cut_off = server.stop(grace)
        if cut_off:
            click.echo(f"{cut_off} request(s) still running after the {grace:g} s grace period were cut off.", err=True)
    finally:
        server.server_close()
    click.echo("Stopped.")


def _interrupt(signum, frame):
    """SIGTERM (a service manager, ``docker stop``, ``kill``) stops the server as Ctrl-C does."""
    raise KeyboardInterrupt
