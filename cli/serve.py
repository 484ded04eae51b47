"""``gantk serve EXPORT_DIR``: an HTTP endpoint drawing PNG grids or .npy arrays from an exported generator."""

import click


@click.command("serve")
@click.argument("export_dir", type=click.Path())
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0 picks a free one).")
@click.option("--max-n", default=64, show_default=True, type=int, help="Most images one request may ask for (1 to 4096).")
@click.option("--quantized", type=click.Choice(["fp16", "int8"]), help="Serve generator.<KIND>.onnx instead of generator.onnx.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(0, 256),
              help="onnxruntime threads per request; concurrent requests run in parallel (0: onnxruntime's choice).")
@click.option("--verbose", is_flag=True, help="Log every request.")
def command(export_dir, host, port, max_n, quantized, threads, verbose):
    """Serve EXPORT_DIR's generator.onnx over HTTP (no TensorFlow needed).

    GET /sample?seed=S&n=N[&label=L][&format=png|npy] returns N images for seed S, the
    runtime's Generator.sample(N, seed=S); GET /health describes the model. Ctrl-C stops it.
    """
    from gantk.export.serve import open_server, serve_in_thread

    server = open_server(export_dir, host, port, max_n, quantized, threads, access_log=verbose, log=lambda m: click.echo(m, err=True))
    health = server.health
    try:
        thread = serve_in_thread(server)
        click.echo(f"Serving {health['model']} (step {health['step']}, {health['file']}) on {server.url}; Ctrl-C stops.")
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        server.shutdown()
    finally:
        server.server_close()
    click.echo("Stopped.")
