"""Quantized ONNX generators behind a quality gate, with onnxruntime's own tools.

- ``int8``: static quantization (onnxruntime ``quantize_static``, QDQ format, uint8
  activations and int8 weights as onnxruntime recommends for x86 CPUs, MinMax ranges)
  calibrated on fixed latents, after onnxruntime's ``quant_pre_process`` (shape inference and
  graph optimisation). The [-1, 1] tail (the last ``Tanh`` and the uint8 mapping) stays float.
- ``fp16``: onnxruntime's ``float16.convert_float_to_float16`` with float32 inputs and outputs.

A text-to-image generator is calibrated, measured and timed on the preview captions of its sample
grids (``gantk.data.captions.preview_grid_captions``), as ``gantk evaluate`` draws it.

Instead of the float export's 1e-4 parity check, a quantized file passes a quality gate: the
in-domain FID of ``gantk evaluate`` (the dataset's classifier features, else Inception) of its
images and of the float file's images for the same fixed latents, each against the dataset;
the relative change must stay within the bound. Both FIDs, both file sizes and both speeds at
batch 64 are printed and recorded in ``export.json`` and the model card.
"""

import os
import statistics
import tempfile
import time

import onnx

from gantk.data.captions import preview_grid_captions
from gantk.export.errors import ExportError, QualityError
from gantk.latents import grid_labels, latent_vectors
from gantk.tokenizer import encode

DEFAULT_BOUND = 0.05
QUALITY_SAMPLES = 2000
QUALITY_SEED = 1
CALIBRATION_SAMPLES = 256
CALIBRATION_BATCH = 32
CALIBRATION_SEED = 20160107
"""Seed of the calibration latents (the date Radford et al. posted DCGAN, v2)."""
SPEED_BATCH = 64
SPEED_REPEATS = 15
INT8_FORMAT = "qdq"
METHODS = {
    "fp16": "fp16: float16 weights and activations (onnxruntime float16 converter), float32 inputs and outputs",
    "int8": "int8: static, {format}, uint8 activations / int8 weights, MinMax ranges from {n} fixed latents",
}


def _conditions(generator, n):
    """The runtime's arguments beside z for ``n`` images: the preview captions of a text-to-image
    generator; a class-conditional one takes the grid's labels by default."""
    return {"caption": preview_grid_captions(n)} if generator.captioned else {}


def _feeds(generator, n, batch, seed):
    """The calibration inputs: ``n`` latents of ``seed`` with the grid's labels or captions, ``batch`` at a time."""
    inputs = {"z": latent_vectors(n, generator.latent_dim, seed)}
    if generator.num_classes:
        inputs["label"] = grid_labels(n, generator.num_classes)
    if generator.captioned:
        inputs["tokens"] = encode(preview_grid_captions(n), generator.vocabulary, generator.metadata["max_length"])
    for start in range(0, n, batch):
        yield {name: values[start : start + batch] for name, values in inputs.items()}


def _tail_nodes(model):
    """Nodes from the generator's last ``Tanh`` on (the [-1, 1] image and its uint8 mapping): kept float."""
    nodes = list(model.graph.node)
    last = max((i for i, node in enumerate(nodes) if node.op_type == "Tanh"), default=None)
    return [node.name for node in nodes[last:]] if last is not None else []


def quantize_int8(float_path, out_path, generator, int8_format=INT8_FORMAT):
    """``float_path`` quantized to ``out_path``, calibrated on inputs of ``generator`` (its runtime ``Generator``)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._feeds = _feeds(generator, CALIBRATION_SAMPLES, CALIBRATION_BATCH, CALIBRATION_SEED)

        def get_next(self):
            return next(self._feeds, None)

    with tempfile.TemporaryDirectory(prefix="gantk-quantize-") as scratch:
        prepared = os.path.join(scratch, "prepared.onnx")
        quant_pre_process(float_path, prepared, skip_symbolic_shape=True)
        quantize_static(
            prepared, out_path, Reader(),
            quant_format=QuantFormat.QDQ if int8_format == "qdq" else QuantFormat.QOperator,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=False,
            nodes_to_exclude=_tail_nodes(onnx.load(prepared, load_external_data=False)),
        )
    return METHODS["int8"].format(format="QDQ" if int8_format == "qdq" else "QOperator", n=CALIBRATION_SAMPLES)


def quantize_fp16(float_path, out_path):
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = convert_float_to_float16(onnx.load(float_path), keep_io_types=True)
    onnx.save(model, out_path)
    return METHODS["fp16"]


def _label_file(path, float_path, description):
    """Copy the float file's ``metadata_props`` into ``path`` and add ``quantization``."""
    metadata = {prop.key: prop.value for prop in onnx.load(float_path, load_external_data=False).metadata_props}
    model = onnx.load(path)
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, {**metadata, "quantization": description})
    onnx.save(model, path)


def throughput(generators, batch=SPEED_BATCH, repeats=SPEED_REPEATS):
    """Images per second of each generator at ``batch``: median of ``repeats`` runs, interleaved so load hits all alike."""
    z = latent_vectors(batch, generators[0].latent_dim, 0)
    conditions = _conditions(generators[0], batch)
    for generator in generators:
        generator.generate(z, **conditions)
    times = [[] for _ in generators]
    for _ in range(repeats):
        for generator, kept in zip(generators, times):
            start = time.perf_counter()
            generator.generate(z, **conditions)
            kept.append(time.perf_counter() - start)
    return [batch / statistics.median(kept) for kept in times]


def fid_pair(float_generator, quantized_generator, config, n=QUALITY_SAMPLES, cache_dir=None, log=print):
    """In-domain FIDs of the float and the quantized generator's images for the same latents, and the protocol."""
    from gantk.evaluation.sample_quality import default_extractor, make_extractor, reference_features, score_features

    name = default_extractor(config)
    extractor = make_extractor(name, config, cache_dir=cache_dir, log=log)
    real, _, n_real, _ = reference_features(extractor, config, n, cache_dir, log=log)
    fids = []
    for generator in (float_generator, quantized_generator):
        fake, _ = extractor.extract(generator.sample(n, seed=QUALITY_SEED, **_conditions(generator, n)))
        fids.append(score_features(("fid",), real, fake)["fid"])
    protocol = f"{name} features ({extractor.identity}), {n} samples of seed {QUALITY_SEED} against {n_real} {config.dataset} images"
    return fids[0], fids[1], protocol


def quantize_export(folder, float_file, kinds, config, bound=None, log=print, cache_dir=None):
    """Write ``generator.<kind>.onnx`` beside ``folder/float_file`` for each kind, each through the gate.

    Returns ``{kind: record}`` with the figures; raises ``QualityError`` when a file's FID moves
    by more than ``bound`` (relative) from the float file's.
    """
    from gantk.export.runtime import Generator

    bound = DEFAULT_BOUND if bound is None else float(bound)
    float_path = os.path.join(folder, float_file)
    reference = Generator.load(float_path)
    records = {}
    for kind in kinds:
        path = os.path.join(folder, f"generator.{kind}.onnx")
        try:
            if kind == "int8":
                description = quantize_int8(float_path, path, reference)
            else:
                description = quantize_fp16(float_path, path)
            _label_file(path, float_path, description)
            quantized = Generator.load(path)
        except ExportError:
            raise
        except Exception as error:
            raise ExportError(f"onnxruntime could not quantize the generator to {kind}: {str(error).splitlines()[0] if str(error) else type(error).__name__}.") from error
        fid_float, fid_quantized, protocol = fid_pair(reference, quantized, config, cache_dir=cache_dir, log=log)
        speed_float, speed_quantized = throughput([reference, quantized])
        size_float, size = os.path.getsize(float_path), os.path.getsize(path)
        change = (fid_quantized - fid_float) / max(fid_float, 1e-12)
        log(f"Quantized {kind:>4}: FID {fid_float:.3f} (float) -> {fid_quantized:.3f} ({100 * change:+.2f}%, bound +-{100 * bound:g}%)")
        log(f"Quantized {kind:>4}: size {size_float / 1e6:.3f} MB -> {size / 1e6:.3f} MB ({100 * size / size_float:.0f}%), "
            f"batch {SPEED_BATCH}: {speed_float:.0f} -> {speed_quantized:.0f} images/s ({speed_quantized / speed_float:.2f}x)")
        if not abs(change) <= bound:
            raise QualityError(
                f"generator.{kind}.onnx failed the quality gate: FID {fid_quantized:.3f} against the float file's "
                f"{fid_float:.3f} is a {100 * change:+.2f}% change, beyond the bound of +-{100 * bound:g}%."
            )
        records[kind] = dict(
            file=os.path.basename(path), method=description, bytes=size, size_ratio=size / size_float,
            fid_float=fid_float, fid_quantized=fid_quantized, fid_change=change, bound=bound,
            speed_float=speed_float, speed_quantized=speed_quantized, speed_batch=SPEED_BATCH, protocol=protocol,
        )
    return records
