"""Export a classifier run's discriminator (``ssgan``) as an image classifier: SavedModel and ONNX, parity-checked.

The serving function maps ``image`` (float32 [batch, H, W, C] in [-1, 1]) to the K class
``logits``, their softmax ``probabilities`` and the argmax ``label`` (the "classifier/1" contract of
``gantk.export.classifier_runtime``). As for generators, everything is written into a staging
directory and moved into place only after both reloaded files agree with Keras.
"""

import json
import os

import numpy as np
import tensorflow as tf

from gantk import __version__, zoo
from gantk.export import onnx_export, saved_model, serving
from gantk.export.classifier_runtime import FORMAT
from gantk.export.errors import ParityError
from gantk.export.exporter import DEFAULT_FORMATS, check_formats, check_target, staged
from gantk.export.parity import PARITY_SAMPLES, PARITY_SEED, TOLERANCE, max_abs_difference

ONNX_FILE = "classifier.onnx"
SAVED_MODEL_DIR = "saved_model"
CARD_FILE = "README.md"
EXPORT_FILES = (ONNX_FILE, SAVED_MODEL_DIR, CARD_FILE)
DEFAULT_EXPORT_DIR = "export-classifier"


def serving_function(model, image_shape):
    spec = [tf.TensorSpec([None, *image_shape], tf.float32, name="image")]

    @tf.function(input_signature=spec)
    def serve(image):
        logits = tf.cast(model(image, training=False), tf.float32)
        return {"logits": logits, "probabilities": tf.nn.softmax(logits), "label": tf.argmax(logits, axis=-1, output_type=tf.int32)}

    return serve, spec


def metadata_props(config, training_step):
    return {
        "gantk_format": FORMAT, "gantk_version": __version__, "variant": config.variant, "dataset": str(config.dataset),
        "image_shape": json.dumps([int(d) for d in config.image_shape]), "num_classes": str(int(config.num_classes)),
        "labels": json.dumps([str(name) for name in config.label_names or []]), "input_range": "[-1, 1]",
        "training_step": str(int(training_step)), "config_sha256": config.sha256(),
    }


def parity_images(image_shape, n=PARITY_SAMPLES, seed=PARITY_SEED):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (n, *image_shape)).astype(np.float32)


def check_classifier_parity(reference, exported, tolerance=TOLERANCE):
    """Largest probability differences of each format from Keras; a ``ParityError`` past ``tolerance``
    or when a predicted label differs where Keras' top two classes are further apart than it."""
    differences, failures = {}, []
    top = np.sort(reference, axis=1)
    clear = top[:, -1] - top[:, -2] > 2 * tolerance
    for name, outputs in exported.items():
        differences[name] = difference = max_abs_difference(reference, outputs["probabilities"])
        if not difference <= tolerance:
            failures.append(f"{name} probabilities differ from Keras by {difference:.3g} (limit {tolerance:g})")
        elif np.any(outputs["label"][clear] != reference.argmax(axis=1)[clear]):
            failures.append(f"{name} predicts other labels than Keras")
    if failures:
        raise ParityError("Classifier export failed its parity check: " + "; ".join(failures) + ".")
    return differences


def model_card(metadata, differences, files, recipe):
    lines = [
        f"# {metadata['variant']} classifier of {metadata['dataset']}", "",
        f"{recipe.summary} ({recipe.paper}).", "",
        f"The discriminator's {metadata['num_classes']} class logits as a classifier of {metadata['image_shape']} images "
        f"in [-1, 1] (uint8 pixels / 127.5 - 1), after {metadata['training_step']} training steps.", "",
        "Files: " + ", ".join(files) + ".", "",
        "Parity (max |difference| of the probabilities from Keras on 16 fixed images): "
        + ", ".join(f"{name} {value:.2e}" for name, value in differences.items()) + ".", "",
        "```python", "from gantk.export.runtime import Classifier", "",
        f'labels = Classifier.load("{ONNX_FILE}").predict(images)  # uint8 [N, H, W, C]', "```",
    ]
    return "\n".join(lines)


def export_classifier(gan, config, out_dir, training_step, formats=DEFAULT_FORMATS, opset=None, log=print):
    """Export ``gan.inference_classifier`` (the discriminator, or its weight average) of a classifier run into
    ``out_dir``; returns ``(files, differences)``."""
    from gantk.export.runtime import Classifier

    formats = check_formats(formats)
    opset = onnx_export.check_opset(opset)
    check_target(out_dir, EXPORT_FILES, kind="Classifier export")
    model = serving.float32_model(gan.inference_classifier)
    serve, specs = serving_function(model, config.image_shape)
    metadata = metadata_props(config, training_step)
    images = parity_images(config.image_shape)
    reference = serve(images)["probabilities"].numpy()
    with staged(out_dir) as staging:
        files, exported = [], {}
        if "saved_model" in formats:
            path = saved_model.write_saved_model(model, serve, specs, os.path.join(staging, SAVED_MODEL_DIR))
            signature = tf.saved_model.load(path).signatures[saved_model.SIGNATURE]
            exported["saved_model"] = {k: v.numpy() for k, v in signature(image=tf.constant(images)).items()}
            files.append(SAVED_MODEL_DIR)
        if "onnx" in formats:
            path = os.path.join(staging, ONNX_FILE)
            model_proto = onnx_export.convert(serve, specs, metadata, opset)
            import onnx

            onnx.save(model_proto, path)
            exported["onnx"] = Classifier.load(path).run(images)
            files.append(ONNX_FILE)
        differences = check_classifier_parity(reference, exported)
        for name, difference in differences.items():
            log(f"Parity {name:>11}: max |difference| of the probabilities from Keras {difference:.2e} (limit {TOLERANCE:.0e})")
        files.append(CARD_FILE)
        with open(os.path.join(staging, CARD_FILE), "w") as handle:
            handle.write(model_card(metadata, differences, files, zoo.get(config.variant)) + "\n")
    return files, differences


def export_classifier_run(run_dir, out_dir=None, formats=DEFAULT_FORMATS, opset=None, log=print):
    """Export the classifier of ``run_dir``'s latest checkpoint (default ``RUN_DIR/export-classifier``)."""
    from gantk.evaluation.classification import require_classifier
    from gantk.training.run import load_run
    from gantk.training.run_dir import require_run_dir

    require_run_dir(run_dir)
    out_dir = out_dir or os.path.join(run_dir, DEFAULT_EXPORT_DIR)
    run = load_run(run_dir)
    config, gan = run.config, run.gan
    require_classifier(config)
    files, differences = export_classifier(gan, config, out_dir, run.step, formats, opset, log)
    return out_dir, files, differences
