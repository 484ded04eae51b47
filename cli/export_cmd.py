"""``gantk export [RUN_DIR]``: the run's generator as SavedModel and ONNX, verified, with a model card."""

import click


@click.command("export")
@click.argument("run_dir", required=False, type=click.Path())
@click.option("--onnx", "onnx", is_flag=True, help="Write generator.onnx (with neither flag: both formats).")
@click.option("--saved-model", "saved_model", is_flag=True, help="Write saved_model/ (with neither flag: both formats).")
@click.option("--web", "web", is_flag=True, help="Also write generator.web.onnx for onnxruntime-web's WebGPU and WebGL backends.")
@click.option("--out", "out_dir", type=click.Path(), help="Export directory (default RUN_DIR/export).")
@click.option("--opset", type=int, help="ONNX opset, 13 to 18 (default 17).")
@click.option("--quantize", type=click.Choice(["fp16", "int8"]), multiple=True,
              help="Also write generator.<KIND>.onnx, gated on in-domain FID (repeatable).")
@click.option("--max-fid-change", type=float, default=0.05, show_default=True,
              help="Quality gate of --quantize: largest relative FID change from the float file (0.05 = 5%).")
@click.option("--classifier", is_flag=True, help="Export the discriminator of a classifier run (ssgan) as an image classifier instead (default --out RUN_DIR/export-classifier).")
def command(run_dir, onnx, saved_model, web, out_dir, opset, quantize, max_fid_change, classifier):
    """Export RUN_DIR's generator (default: the newest run under ./runs).

    Writes generator.onnx, saved_model/, samples.png and a README.md model card, after checking
    that both reloaded files make the Keras generator's images (max difference 1e-4). A format
    not asked for is kept from an earlier export of the same weights. --web adds generator.web.onnx:
    float output, batch fixed at 16, every node on onnxruntime-web's GPU backends. --quantize adds smaller
    files whose FID must stay within --max-fid-change of the float file's (else exit 2, nothing written).
    """
    from gantk.api import check_run
    from gantk.errors import ConfigError
    from gantk.training.run_dir import newest_run_dir

    if run_dir is None:
        run_dir = newest_run_dir("runs")
        click.echo(f"Exporting the newest run, {run_dir}.")
    check_run(run_dir)
    formats = [name for name, wanted in (("saved_model", saved_model), ("onnx", onnx)) if wanted]
    if opset is not None and formats == ["saved_model"] and not web:
        raise ConfigError(f"Argument `--opset` applies to ONNX only; drop it or add --onnx. Received: opset={opset}")
    if classifier:
        from gantk.export.classifier import export_classifier_run

        out, files, _ = export_classifier_run(run_dir, out_dir, formats=formats or ("saved_model", "onnx"), opset=opset, log=click.echo)
        click.echo(f"Exported the classifier of {run_dir} to {out}: {', '.join(files)}.")
        return
    from gantk.export.exporter import export_run

    formats = (formats or ["saved_model", "onnx"]) + (["web"] if web else [])
    result = export_run(
        run_dir, out_dir, formats=formats, opset=opset, log=click.echo, quantize=quantize, quality_bound=max_fid_change,
    )
    click.echo(f"Exported {run_dir} (step {result.metadata['training_step']}) to {result.out_dir}: {', '.join(result.files)}.")
