"""Export a run's generator: SavedModel and/or ONNX, a parity check, a sample grid and a model card.

Everything is written into a temporary sibling of the export directory and renamed into place
only after every file reloads and passes the parity check, so a failed export leaves nothing
half-written (and an earlier export in the same place untouched).
"""

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field

import numpy as np

from gantk import zoo
from gantk.errors import ConfigError
from gantk.export import card, onnx_export, parity, saved_model, serving
from gantk.export.errors import ExportError, ParityError
from gantk.images import save_images
from gantk.latents import grid_columns, grid_labels, grid_size, latent_vectors

FORMATS = ("saved_model", "onnx")
ONNX_FILE = "generator.onnx"
SAVED_MODEL_DIR = "saved_model"
CARD_FILE = "README.md"
SAMPLES_FILE = "samples.png"
EXPORT_FILES = (ONNX_FILE, SAVED_MODEL_DIR, CARD_FILE, SAMPLES_FILE)
DEFAULT_EXPORT_DIR = "export"
SAMPLE_GRID_SIZE = 64


@dataclass
class ExportResult:
    out_dir: str
    files: list
    parity: dict
    metadata: dict = field(default_factory=dict)


def check_formats(formats):
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise ConfigError(f"Argument `formats` must name some of {list(FORMATS)}. Received: formats={list(formats)}")
    return formats


def check_target(out_dir, export_files=EXPORT_FILES):
    """``out_dir`` may be created or replaced: it is absent, empty, or an earlier gantk export."""
    if os.path.isdir(out_dir):
        others = sorted(set(os.listdir(out_dir)) - set(export_files))
        if others:
            raise ExportError(
                f"Export directory {out_dir!r} already holds other files ({', '.join(others[:3])}); "
                "choose an empty or new --out."
            )
    elif os.path.exists(out_dir):
        raise ExportError(f"Export path {out_dir!r} is a file; --out must name a directory.")


def _staging_dir(out_dir):
    parent = os.path.dirname(os.path.abspath(out_dir))
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(out_dir))}.tmp-", dir=parent)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        return staging
    except OSError as error:
        raise ExportError(f"Cannot write an export to {out_dir!r}: {error.strerror or error}.") from None


def _move_into_place(staging, out_dir):
    """Rename ``staging`` to ``out_dir``, replacing an earlier export only once the new one is complete."""
    previous = None
    if os.path.isdir(out_dir):
        previous = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(out_dir))}.old-", dir=os.path.dirname(staging))
        os.rmdir(previous)
        os.replace(out_dir, previous)
    os.replace(staging, out_dir)
    if previous:
        shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def staged(out_dir):
    """A staging directory that becomes ``out_dir`` when the block succeeds and is removed when it fails."""
    staging = _staging_dir(out_dir)
    try:
        yield staging
        _move_into_place(staging, out_dir)
    except ParityError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ParityError(f"{error} Nothing was written to {out_dir!r}.") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _sample_grid(files, staging, latent_dim, num_classes, seed):
    """64 images from the exported generator itself: the runtime on the ONNX file, else the SavedModel."""
    if ONNX_FILE in files:
        from gantk.export.runtime import Generator

        return Generator.load(os.path.join(staging, ONNX_FILE)).sample(grid_size(SAMPLE_GRID_SIZE, num_classes), seed=seed)
    z = latent_vectors(grid_size(SAMPLE_GRID_SIZE, num_classes), latent_dim, seed)
    labels = grid_labels(len(z), num_classes) if num_classes else None
    return saved_model.run_saved_model(os.path.join(staging, SAVED_MODEL_DIR), z, labels)["image_uint8"]


def export_generator(gan, config, out_dir, training_step, formats=FORMATS, opset=None, log=print):
    """Export ``gan``'s generator (of the run described by ``config``) into ``out_dir``.

    Args:
        gan: a ``gantk.training.gan.GAN`` holding the weights to export.
        config: its ``TrainConfig``, completed with the data (``image_shape``, ``label_names``).
        out_dir: the export directory; created, or replaced when it holds an earlier export.
        training_step: generator updates behind the weights, recorded in the metadata.
        formats: some of ``("saved_model", "onnx")``.
        opset: ONNX opset (default ``gantk.export.onnx_export.DEFAULT_OPSET``).
        log: where progress lines and the parity figures go.

    Returns:
        an ``ExportResult``.
    """
    formats = check_formats(formats)
    opset = onnx_export.check_opset(opset)
    if len(config.image_shape or ()) != 3:
        raise ExportError(
            f"gantk export writes image generators (H, W, C); run {config.variant!r} on {config.dataset!r} "
            f"makes samples of shape {config.image_shape}."
        )
    check_target(out_dir)
    num_classes = gan.num_classes
    generator = serving.float32_generator(gan)
    serve, specs = serving.serving_function(generator, config.latent_dim, num_classes)
    metadata = onnx_export.metadata_props(config, num_classes, training_step)
    z, labels = parity.parity_inputs(config.latent_dim, num_classes)
    reference = np.asarray(generator([z, labels] if num_classes else z, training=False), np.float32)

    with staged(out_dir) as staging:
        files, exported = [], {}
        if "saved_model" in formats:
            path = saved_model.write_saved_model(generator, serve, specs, os.path.join(staging, SAVED_MODEL_DIR))
            exported["saved_model"] = saved_model.run_saved_model(path, z, labels)
            files.append(SAVED_MODEL_DIR)
        if "onnx" in formats:
            from gantk.export.runtime import Generator

            path = onnx_export.write_onnx(serve, specs, os.path.join(staging, ONNX_FILE), metadata, opset)
            runtime = Generator.load(path)
            exported["onnx"] = {
                "image": runtime.generate(z, labels, output="float"),
                "image_uint8": runtime.generate(z, labels, output="uint8"),
            }
            files.append(ONNX_FILE)
        differences = parity.check_parity(reference, exported)
        for name, difference in differences.items():
            log(f"Parity {card.FORMAT_NAMES[name]:>10}: max |difference| from Keras {difference:.2e} (limit {parity.TOLERANCE:.0e})")
        images = _sample_grid(files, staging, config.latent_dim, num_classes, config.seed)
        save_images(images, os.path.join(staging, SAMPLES_FILE), columns=grid_columns(len(images), num_classes) if num_classes else None)
        files += [SAMPLES_FILE, CARD_FILE]
        recipe = zoo.get(config.variant)
        text = card.model_card(metadata, differences, files, paper=recipe.paper, summary=recipe.summary)
        with open(os.path.join(staging, CARD_FILE), "w") as handle:
            handle.write(text + "\n")
    return ExportResult(out_dir=out_dir, files=files, parity=differences, metadata=metadata)


def _checkpoint_step(path):
    with np.load(path) as stored:
        return int(stored["step"])


def export_run(run_dir, out_dir=None, formats=FORMATS, opset=None, log=print):
    """Export the generator of ``run_dir``'s latest checkpoint into ``out_dir`` (default ``RUN_DIR/export``)."""
    from gantk.training.checkpoint import latest_checkpoint
    from gantk.training.run import load_run
    from gantk.training.run_dir import require_run_dir

    formats = check_formats(formats)
    opset = onnx_export.check_opset(opset)
    require_run_dir(run_dir)
    out_dir = out_dir or os.path.join(run_dir, DEFAULT_EXPORT_DIR)
    check_target(out_dir)
    checkpoint = latest_checkpoint(run_dir)
    config, gan = load_run(run_dir, checkpoint)
    return export_generator(gan, config, out_dir, _checkpoint_step(checkpoint), formats, opset, log)
