"""Export a run's generator: SavedModel and/or ONNX, a parity check, a sample grid and a model card.

Everything is written into a temporary sibling of the export directory and renamed into place
only after every file reloads and passes the parity check, so a failed export leaves nothing
half-written (and an earlier export in the same place untouched). Files of an earlier export
that this one does not rewrite are carried over when they came from the same weights
(``gantk.export.keep``), and staging folders of killed exports are cleaned first
(``gantk.export.staging``).
"""

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field

import numpy as np
import onnx

from gantk import zoo
from gantk.errors import ConfigError
from gantk.export import card, keep, manifest, onnx_export, onnx_web, parity, saved_model, serving, staging as stale
from gantk.export.errors import ExportError, ParityError, QualityError
from gantk.data.captions import preview_captions, preview_grid_captions
from gantk.images import save_images
from gantk.latents import grid_columns, grid_labels, grid_size, latent_vectors
from gantk.pixels import to_uint8
from gantk.tokenizer import encode

FORMATS = ("saved_model", "onnx", "web")
DEFAULT_FORMATS = ("saved_model", "onnx")
ONNX_FILE = "generator.onnx"
SAVED_MODEL_DIR = "saved_model"
CARD_FILE = "README.md"
SAMPLES_FILE = "samples.png"
QUANTIZE_KINDS = ("fp16", "int8")
QUANTIZED_FILES = tuple(f"generator.{kind}.onnx" for kind in QUANTIZE_KINDS)
EXPORT_FILES = (ONNX_FILE, onnx_web.WEB_FILE, SAVED_MODEL_DIR, CARD_FILE, SAMPLES_FILE, manifest.MANIFEST_FILE) + QUANTIZED_FILES
FORMAT_FILES = {"saved_model": SAVED_MODEL_DIR, "onnx": ONNX_FILE, "web": onnx_web.WEB_FILE}
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


def check_target(out_dir, known=EXPORT_FILES, kind="Export"):
    """``out_dir`` may be created or replaced: it is absent, empty, or holds only ``known`` names (an earlier export)."""
    if os.path.isdir(out_dir):
        others = sorted(set(os.listdir(out_dir)) - set(known))
        if others:
            raise ExportError(
                f"{kind} directory {out_dir!r} already holds other files ({', '.join(others[:3])}); "
                "choose an empty or new --out."
            )
    elif os.path.exists(out_dir):
        raise ExportError(f"{kind} path {out_dir!r} is a file; --out must name a directory.")


def _staging_dir(out_dir):
    parent = os.path.dirname(os.path.abspath(out_dir))
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(os.path.abspath(out_dir))}.tmp-", dir=parent)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        stale.mark_owner(staging)
        return staging
    except OSError as error:
        raise ExportError(f"Cannot write an export to {out_dir!r}: {error.strerror or error}.") from None


def _move_into_place(staging, out_dir):
    """Rename ``staging`` to ``out_dir``, replacing an earlier export only once the new one is complete."""
    os.remove(os.path.join(staging, stale.OWNER_FILE))
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
    except (ParityError, QualityError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise type(error)(f"{error} Nothing was written to {out_dir!r}.") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _sample_grid(files, staging, config, num_classes, rows):
    """64 images from the exported generator itself: the runtime on the ONNX file, else the SavedModel or web file.

    A text-to-image export draws the preview captions, one row each (``rows`` of them)."""
    n = grid_size(SAMPLE_GRID_SIZE, rows)
    captions = preview_grid_captions(n) if config.vocabulary else None
    if ONNX_FILE in files:
        from gantk.export.runtime import Generator

        return Generator.load(os.path.join(staging, ONNX_FILE)).sample(n, seed=config.seed, caption=captions)
    z = latent_vectors(n, config.latent_dim, config.seed)
    labels = grid_labels(len(z), num_classes) if num_classes else None
    tokens = encode(captions, config.vocabulary) if captions else None
    if SAVED_MODEL_DIR not in files:
        return to_uint8(onnx_web.run_web(os.path.join(staging, onnx_web.WEB_FILE), z, labels, tokens))
    return saved_model.run_saved_model(os.path.join(staging, SAVED_MODEL_DIR), z, labels, tokens)["image_uint8"]


def export_generator(gan, config, out_dir, training_step, formats=DEFAULT_FORMATS, opset=None, log=print, quantize=(), quality_bound=None):
    """Export ``gan``'s generator (of the run described by ``config``) into ``out_dir``.

    Args:
        gan: a ``gantk.training.gan.GAN`` holding the weights to export.
        config: its ``TrainConfig``, completed with the data (``image_shape``, ``label_names``).
        out_dir: the export directory; created, or replaced when it holds an earlier export.
        training_step: generator updates behind the weights, recorded in the metadata.
        formats: some of ``("saved_model", "onnx", "web")``; "web" is ``generator.web.onnx``
            (``gantk.export.onnx_web``).
        opset: ONNX opset (default ``gantk.export.onnx_export.DEFAULT_OPSET``).
        log: where progress lines and the parity figures go.
        quantize: some of ``("fp16", "int8")``: quantized ONNX files written beside the float one,
            each passing the quality gate of ``gantk.export.quantize``.
        quality_bound: largest relative FID change the gate accepts (default
            ``gantk.export.quantize.DEFAULT_BOUND``).

    Formats in ``out_dir`` that this export does not write are kept when they came from the same
    weights, and otherwise dropped with a log line saying so (``gantk.export.keep``).

    Returns:
        an ``ExportResult``.
    """
    formats = check_formats(formats)
    opset = onnx_export.check_opset(opset)
    quantize = _check_quantize(quantize, formats, quality_bound)
    if len(config.image_shape or ()) != 3:
        raise ExportError(
            f"gantk export writes image generators (H, W, C); run {config.variant!r} on {config.dataset!r} "
            f"makes samples of shape {config.image_shape}."
        )
    check_target(out_dir)
    stale.clean_stale(out_dir, log)
    previous = manifest.read(out_dir)
    num_classes = gan.num_classes
    max_length = gan.max_length if getattr(gan, "captioned", False) else 0
    generator = serving.float32_generator(gan)
    serve, specs = serving.serving_function(generator, config.latent_dim, num_classes, max_length)
    metadata = onnx_export.metadata_props(config, num_classes, training_step)
    z, labels = parity.parity_inputs(config.latent_dim, num_classes)
    captions = preview_grid_captions(len(z)) if max_length else None
    tokens = encode(captions, config.vocabulary) if captions else None
    inputs = [z, labels] if num_classes else [z, tokens] if max_length else z
    reference = np.asarray(generator(inputs, training=False), np.float32)

    with staged(out_dir) as staging:
        files, exported = [], {}
        if "saved_model" in formats:
            path = saved_model.write_saved_model(generator, serve, specs, os.path.join(staging, SAVED_MODEL_DIR))
            exported["saved_model"] = saved_model.run_saved_model(path, z, labels, tokens)
            files.append(SAVED_MODEL_DIR)
        if "onnx" in formats:
            from gantk.export.runtime import Generator

            path = onnx_export.write_onnx(serve, specs, os.path.join(staging, ONNX_FILE), metadata, opset)
            runtime = Generator.load(path)
            exported["onnx"] = {
                "image": runtime.generate(z, labels, output="float", caption=captions),
                "image_uint8": runtime.generate(z, labels, output="uint8", caption=captions),
            }
            files.append(ONNX_FILE)
        if "web" in formats:
            model = onnx.load(os.path.join(staging, ONNX_FILE)) if ONNX_FILE in files else onnx_export.convert(serve, specs, metadata, opset)
            path = onnx_web.write_web(model, os.path.join(staging, onnx_web.WEB_FILE), metadata)
            image = onnx_web.run_web(path, z, labels, tokens)
            exported["web"] = {"image": image, "image_uint8": to_uint8(image)}
            files.append(onnx_web.WEB_FILE)
        differences = parity.check_parity(reference, exported)
        for name, difference in differences.items():
            log(f"Parity {card.FORMAT_NAMES[name]:>10}: max |difference| from Keras {difference:.2e} (limit {parity.TOLERANCE:.0e})")
        others = {name: FORMAT_FILES[name] for name in FORMATS if name not in formats}
        redone = " and ".join(card.FORMAT_NAMES[name] for name in formats) + " export"
        kept_parity, quantized = keep.keep_earlier(
            out_dir, staging, previous, metadata, others, {kind: quantized_file(kind) for kind in QUANTIZE_KINDS if kind not in quantize}, redone, log
        )
        merged = {**kept_parity, **differences}
        differences = {name: merged[name] for name in FORMATS if name in merged}
        files = [FORMAT_FILES[name] for name in differences]
        if quantize:
            from gantk.export import quantize as quantizer

            quantized.update(quantizer.quantize_export(staging, ONNX_FILE, quantize, config, quality_bound, log))
        files += [quantized_file(kind) for kind in QUANTIZE_KINDS if kind in quantized]
        rows = len(preview_captions()) if max_length else num_classes
        images = _sample_grid(files, staging, config, num_classes, rows)
        save_images(images, os.path.join(staging, SAMPLES_FILE), columns=grid_columns(len(images), rows) if rows else None)
        files += [SAMPLES_FILE, CARD_FILE, manifest.MANIFEST_FILE]
        recipe = zoo.get(config.variant)
        text = card.model_card(
            metadata, differences, files, paper=recipe.paper, summary=recipe.summary, quantized=quantized, caption=captions[0] if captions else None
        )
        with open(os.path.join(staging, CARD_FILE), "w") as handle:
            handle.write(text + "\n")
        manifest.write(staging, manifest.manifest(metadata, differences, quantized))
    return ExportResult(out_dir=out_dir, files=files, parity=differences, metadata=metadata)


def quantized_file(kind):
    """``generator.<kind>.onnx``: where a quantized generator is written beside ``generator.onnx``."""
    return QUANTIZED_FILES[QUANTIZE_KINDS.index(kind)]


def _check_quantize(quantize, formats, quality_bound):
    quantize = tuple(dict.fromkeys(quantize or ()))
    unknown = [kind for kind in quantize if kind not in QUANTIZE_KINDS]
    if unknown:
        raise ConfigError(f"Argument `quantize` must name some of {list(QUANTIZE_KINDS)}. Received: quantize={list(quantize)}")
    if quantize and "onnx" not in formats:
        raise ConfigError(f"Argument `quantize` needs the ONNX format, the quantized files' reference; add --onnx. Received: formats={list(formats)}")
    if quality_bound is not None and (isinstance(quality_bound, bool) or not isinstance(quality_bound, (int, float)) or not 0 <= quality_bound < 10):
        raise ConfigError(f"Argument `quality_bound` must be a relative FID change from 0 to 10 (0.05 is 5%). Received: quality_bound={quality_bound!r}")
    return quantize


def export_run(run_dir, out_dir=None, formats=DEFAULT_FORMATS, opset=None, log=print, quantize=(), quality_bound=None):
    """Export the generator of ``run_dir``'s latest checkpoint into ``out_dir`` (default ``RUN_DIR/export``)."""
    from gantk.training.run import load_run
    from gantk.training.run_dir import require_run_dir

    formats = check_formats(formats)
    opset = onnx_export.check_opset(opset)
    _check_quantize(quantize, formats, quality_bound)
    require_run_dir(run_dir)
    out_dir = out_dir or os.path.join(run_dir, DEFAULT_EXPORT_DIR)
    check_target(out_dir)
    run = load_run(run_dir)
    return export_generator(run.gan, run.config, out_dir, run.step, formats, opset, log, quantize, quality_bound)
