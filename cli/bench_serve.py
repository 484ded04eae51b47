"""``gantk bench serve EXPORT_DIR``: concurrent clients against ``gantk serve`` on 127.0.0.1."""

import click


@click.command("serve")
@click.argument("export_dir", type=click.Path())
@click.option("--clients", default=8, show_default=True, type=click.IntRange(1, 256), help="Concurrent keep-alive connections.")
@click.option("--requests", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000), help="Requests in all (after 200 warm-up ones).")
@click.option("--n", default=1, show_default=True, type=click.IntRange(1, 4096), help="Images per request.")
@click.option("--format", "fmt", default="png", show_default=True, type=click.Choice(["png", "npy"]), help="Response format.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(0, 256), help="onnxruntime threads per request in the server (0: onnxruntime's choice).")
@click.option("--quantized", type=click.Choice(["fp16", "int8"]), help="Serve generator.<KIND>.onnx.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write the figures as JSON.")
def command(export_dir, clients, requests, n, fmt, threads, quantized, json_path):
    """Start gantk serve on 127.0.0.1, send REQUESTS /sample requests over CLIENTS connections; print p50/p99, throughput, errors, memory."""

    from gantk.bench.serve import bench_serve, format_report
    from gantk.export.serve import model_path

    model_path(export_dir, quantized)
    result = bench_serve(export_dir, clients, requests, n, fmt, threads, quantized, log=lambda line: click.echo(line, err=True))
    click.echo(format_report(result))
    if json_path:
        from gantk.files import write_json_atomically

        write_json_atomically(json_path, result)
