"""``gantk classify RUN_DIR INPUT``: class predictions of a classifier run (``ssgan``) for a .npy of images or a folder."""

import click


@click.command("classify")
@click.argument("run_dir", type=click.Path())
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True))
@click.option("--out", default="predictions.npy", show_default=True, type=click.Path(dir_okay=False), help="Predicted class indices (.npy) or a table of input, label, name and probability (.csv).")
@click.option("--labels", "labels_path", type=click.Path(exists=True, dir_okay=False), default=None, help="A .npy of true class indices: also print the accuracy.")
def command(run_dir, input_path, out, labels_path):
    """Classify INPUT (a .npy of images [N, H, W(, C)] or a folder of images) with RUN_DIR's discriminator."""
    import numpy as np

    from gantk.api import load_run

    from gantk.errors import DatasetError
    from gantk.evaluation.classification import class_probabilities, read_inputs, require_classifier, write_predictions

    loaded = load_run(run_dir)
    config, gan = loaded.config, loaded.gan
    require_classifier(config)
    images, names = read_inputs(input_path, config)
    predicted = write_predictions(out, names, class_probabilities(gan, images), config.label_names)
    click.echo(f"Wrote {len(predicted)} predictions to {out}.")
    if labels_path:
        truth = np.load(labels_path).astype(np.int64).ravel()
        if len(truth) != len(predicted):
            raise DatasetError(f"--labels holds {len(truth)} labels for {len(predicted)} images.")
        click.echo(f"Accuracy: {np.mean(truth == predicted):.4f} ({int(np.sum(truth != predicted))} errors).")
