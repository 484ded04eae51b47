"""``gantk export [RUN_DIR]``: the run's generator as SavedModel and ONNX, verified, with a model card."""

import click


@click.command("export")
@click.argument("run_dir", required=False, type=click.Path())
@click.option("--onnx", "onnx", is_flag=True, help="Write generator.onnx (with neither flag: both formats).")
@click.option("--saved-model", "saved_model", is_flag=True, help="Write saved_model/ (with neither flag: both formats).")
@click.option("--out", "out_dir", type=click.Path(), help="Export directory (default RUN_DIR/export).")
@click.option("--opset", type=int, help="ONNX opset, 13 to 18 (default 17).")
@click.option("--classifier", is_flag=True, help="Export the discriminator of a classifier run (ssgan) as an image classifier instead (default --out RUN_DIR/export-classifier).")
def command(run_dir, onnx, saved_model, out_dir, opset, classifier):
    """Export RUN_DIR's generator (default: the newest run under ./runs).

    Writes generator.onnx, saved_model/, samples.png and a README.md model card, after checking
    that both reloaded files make the Keras generator's images (max difference 1e-4).
    """
    from gantk.errors import ConfigError
    from gantk.export.exporter import export_run
    from gantk.training.run_dir import newest_run_dir

    if run_dir is None:
        run_dir = newest_run_dir("runs")
        click.echo(f"Exporting the newest run, {run_dir}.")
    formats = [name for name, wanted in (("saved_model", saved_model), ("onnx", onnx)) if wanted]
    if opset is not None and formats == ["saved_model"]:
        raise ConfigError(f"Argument `--opset` applies to ONNX only; drop it or add --onnx. Received: opset={opset}")
    if classifier:
        from gantk.export.classifier import export_classifier_run

        out, files, _ = export_classifier_run(run_dir, out_dir, formats=formats or ("saved_model", "onnx"), opset=opset, log=click.echo)
        click.echo(f"Exported the classifier of {run_dir} to {out}: {', '.join(files)}.")
        return
    result = export_run(run_dir, out_dir, formats=formats or ("saved_model", "onnx"), opset=opset, log=click.echo)
    click.echo(f"Exported {run_dir} (step {result.metadata['training_step']}) to {result.out_dir}: {', '.join(result.files)}.")
