"""Run a gantk generator exported to ONNX, with numpy and onnxruntime only.

Applications embed a trained generator through this module without installing TensorFlow,
Keras or ``onnx``: it imports numpy, onnxruntime and the numpy-only ``gantk.latents`` (so a
seed draws the same latents, and the same images, as ``gantk sample``).

The file contract ("generator/1"), which the ONNX exporter writes:

Inputs
    ``z``       float32 [batch, latent_dim], batch dynamic.
    ``label``   int32 [batch], only when the generator is conditional.
    ``tokens``  int32 [batch, max_length], only for a text-to-image generator: the caption's
                word ids under ``gantk.tokenizer.RULES`` (vocabulary index + 1, 0 pads).

Outputs
    ``image``        float32 [batch, H, W, C] in [-1, 1].
    ``image_uint8``  uint8 [batch, H, W, C] in [0, 255].

Model ``metadata_props``, all strings
    ``gantk_format``   "generator/1"
    ``gantk_version``  gantk version that exported the file
    ``variant``        zoo variant name, e.g. "dcgan"
    ``dataset``        dataset name the generator was trained on
    ``latent_dim``     int
    ``image_shape``    JSON list [H, W, C]
    ``num_classes``    int, "0" when unconditional
    ``labels``         JSON list of label names, [] when none
    ``output_range``   "[-1, 1]"
    ``training_step``  int
    ``config_sha256``  hash of the training config
    ``vocabulary``     JSON list of the caption words, text-to-image generators only
    ``max_length``     int, words per caption (text-to-image only)
    ``tokenizer``      the tokenizer rules in words (text-to-image only)

Input rules: latents must be a 2-D floating-point array [batch, latent_dim] of finite values;
float16 and float64 are cast to float32, while integer, boolean, string and object arrays are
rejected because they are almost always a mistake for standard-normal latents. Labels are
class indices (Python or numpy integers) or label names (strings); a single label applies to
the whole batch, and ``labels=None`` on a conditional generator spreads the batch evenly over the classes
(``gantk.latents.grid_labels``). Counts and seeds are integers (``n >= 1``, ``seed >= 0``), and
one request makes at most ``gantk.latents.MAX_SAMPLE_BYTES`` of images; latents are drawn and
run chunk by chunk. A text-to-image generator takes ``caption`` instead of labels: one sentence
for the whole batch or one per image, tokenized by ``gantk.tokenizer`` exactly as in training; a
word outside the vocabulary is refused with a message listing it. Every input problem raises ``gantk.export.errors.InputValueError`` (a
``ValueError``), or ``InputTypeError`` (also a ``TypeError``) for a value of the wrong type.

Example::

    from gantk.export.runtime import Generator

    generator = Generator.load("generator.onnx")
    images = generator.sample(16, seed=0)            # uint8 [16, H, W, C]
    drawn = text_generator.sample(4, seed=0, caption="a small red circle in the top left on white")
"""

import json
import numbers
import os

import numpy as np
import onnxruntime as ort

from gantk.errors import GantkError, InputTypeError, InputValueError
from gantk.latents import check_integer, check_sample_size, grid_labels, latent_chunks
from gantk.tokenizer import encode

FORMAT = "generator/1"
CHUNK_SIZE = 256
OUTPUTS = {"uint8": "image_uint8", "float": "image"}

_REQUIRED_KEYS = ("gantk_format", "latent_dim", "image_shape", "num_classes")
_INT_KEYS = ("latent_dim", "num_classes", "training_step", "max_length")
_JSON_KEYS = ("image_shape", "labels", "vocabulary")


def _preview(values, limit=10):
    """Show at most ``limit`` items of a list, so long label lists keep messages to one line."""
    values = list(values)
    if len(values) <= limit:
        return repr(values)
    return repr(values[:limit])[:-1] + f", ... ({len(values)} in all)]"


def _decode_metadata(raw, source):
    """Decode the string ``metadata_props`` of a gantk generator, checking the required keys."""
    if raw.get("gantk_format") is None:
        raise GantkError(
            f"Argument `path` must be a gantk ONNX generator with `gantk_format` metadata. "
            f"Received: path={source!r}, which has none"
        )
    if raw["gantk_format"] != FORMAT:
        raise GantkError(
            f"Argument `path` must be a gantk ONNX generator in format {FORMAT!r}. "
            f"Received: path={source!r} with gantk_format={raw['gantk_format']!r}"
        )
    missing = [key for key in _REQUIRED_KEYS if key not in raw]
    if missing:
        raise GantkError(
            f"Argument `path` must be a gantk ONNX generator with metadata {list(_REQUIRED_KEYS)}. "
            f"Received: path={source!r}, missing {missing}"
        )
    metadata = dict(raw)
    metadata.setdefault("labels", "[]")
    for key in _INT_KEYS + _JSON_KEYS:
        if key not in metadata:
            continue
        try:
            metadata[key] = int(metadata[key]) if key in _INT_KEYS else json.loads(metadata[key])
        except (TypeError, ValueError):
            raise GantkError(
                f"Argument `path` must be a gantk ONNX generator with well-formed metadata. "
                f"Received: path={source!r} with {key}={raw[key]!r}"
            ) from None
    shape = metadata["image_shape"]
    if not (isinstance(shape, list) and len(shape) == 3 and all(isinstance(d, int) for d in shape)):
        raise GantkError(
            f"Argument `path` must be a gantk ONNX generator whose image_shape is [H, W, C]. "
            f"Received: path={source!r} with image_shape={raw['image_shape']!r}"
        )
    names = metadata["labels"]
    if not isinstance(names, list) or (names and len(names) != metadata["num_classes"]):
        raise GantkError(
            f"Argument `path` must be a gantk ONNX generator with one label name per class. "
            f"Received: path={source!r} with num_classes={metadata['num_classes']} "
            f"and labels={raw.get('labels')!r}"
        )
    words = metadata.get("vocabulary")
    if words is not None and not (isinstance(words, list) and all(isinstance(w, str) for w in words) and isinstance(metadata.get("max_length"), int)):
        raise GantkError(
            f"Argument `path` must be a gantk ONNX generator whose vocabulary is a list of words with a max_length. "
            f"Received: path={source!r} with vocabulary={raw.get('vocabulary')!r:.80}"
        )
    return metadata


class Generator:
    """A gantk image generator loaded from ONNX: latents (and labels) in, images out.

    Args:
        session: an ``onnxruntime.InferenceSession`` on a file that follows the
            "generator/1" contract of this module.
        chunk_size: how many images one ``session.run`` call makes; large requests run in
            chunks of this size so memory stays bounded.
    """

    def __init__(self, session, chunk_size=CHUNK_SIZE):
        self._chunk_size = check_integer(chunk_size, "chunk_size", 1)
        self._session = session
        source = getattr(session, "_model_path", None) or "<session>"
        self._metadata = _decode_metadata(session.get_modelmeta().custom_metadata_map, source)
        self._label_index = {name: i for i, name in enumerate(self._metadata["labels"])}
        inputs = {arg.name for arg in session.get_inputs()}
        outputs = {arg.name for arg in session.get_outputs()}
        expected = {"z", "label"} if self.num_classes else {"z", "tokens"} if self.captioned else {"z"}
        if inputs != expected or not set(OUTPUTS.values()) <= outputs:
            raise GantkError(
                f"Argument `path` must be a gantk ONNX generator with inputs {sorted(expected)} "
                f"and outputs {sorted(OUTPUTS.values())}. Received: path={source!r} with inputs "
                f"{sorted(inputs)} and outputs {sorted(outputs)}"
            )

    @classmethod
    def load(cls, path, providers=None, chunk_size=CHUNK_SIZE):
        """Open an exported generator file.

        Args:
            path: path of a ``.onnx`` file written by the gantk ONNX exporter.
            providers: onnxruntime execution providers, e.g. ``["CUDAExecutionProvider",
                "CPUExecutionProvider"]``; defaults to ``["CPUExecutionProvider"]`` so results
                do not depend on which onnxruntime build is installed.
            chunk_size: images per ``session.run`` call.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise InputTypeError(
                f"Argument `path` must be a file path (str or os.PathLike). Received: path of type {type(path).__name__}"
            )
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise GantkError(
                f"Argument `path` must be an existing ONNX generator file. Received: path={path!r}"
            )
        try:
            session = ort.InferenceSession(path, providers=providers or ["CPUExecutionProvider"])
        except Exception as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise GantkError(
                f"Argument `path` must be an ONNX file that onnxruntime can load. "
                f"Received: path={path!r} ({first_line})"
            ) from error
        return cls(session, chunk_size=chunk_size)

    @property
    def metadata(self):
        """All ``metadata_props``, with ints and JSON lists decoded (a copy)."""
        return json.loads(json.dumps(self._metadata))

    @property
    def latent_dim(self):
        """Size of one latent vector."""
        return self._metadata["latent_dim"]

    @property
    def image_shape(self):
        """Shape of one image, ``(H, W, C)``."""
        return tuple(self._metadata["image_shape"])

    @property
    def num_classes(self):
        """Number of classes a conditional generator takes; 0 when unconditional."""
        return self._metadata["num_classes"]

    @property
    def labels(self):
        """Class names, index ``i`` naming class ``i``; ``[]`` when the file has none."""
        return list(self._metadata["labels"])

    @property
    def captioned(self):
        """Whether the generator draws images of captions (a text-to-image export)."""
        return self._metadata.get("vocabulary") is not None

    @property
    def vocabulary(self):
        """The words a caption may use; ``[]`` for a generator without a text encoder."""
        return list(self._metadata.get("vocabulary") or [])

    @property
    def session(self):
        """The underlying ``onnxruntime.InferenceSession``."""
        return self._session

    def __repr__(self):
        meta = self._metadata
        return (
            f"Generator(variant={meta.get('variant')!r}, dataset={meta.get('dataset')!r}, "
            f"latent_dim={self.latent_dim}, image_shape={self.image_shape}, "
            f"num_classes={self.num_classes})"
        )

    def sample(self, n, seed=0, labels=None, caption=None):
        """Draw ``n`` images from fixed-seed latents; the same seed gives the same images.

        Args:
            n: number of images.
            seed: seed of ``gantk.latents.latent_vectors``.
            labels: for a conditional generator, one label or ``n`` labels (class indices or
                names); ``None`` spreads them evenly over the classes, in class order.
            caption: for a text-to-image generator, one sentence or ``n`` sentences.

        Returns:
            uint8 array [n, H, W, C].
        """
        n = check_sample_size(n, self.image_shape)
        check_integer(seed, "seed", 0)
        return self._run(latent_chunks(n, self.latent_dim, seed, self._chunk_size), n, labels, "uint8", caption)

    def generate(self, z, labels=None, output="uint8", caption=None):
        """Turn the caller's latent vectors into images.

        Args:
            z: floating-point array [batch, latent_dim]; cast to float32.
            labels: as in ``sample``.
            caption: as in ``sample``.
            output: "uint8" for [0, 255] uint8 images, "float" for [-1, 1] float32 images.

        Returns:
            array [batch, H, W, C] of the requested kind.
        """
        if output not in OUTPUTS:
            raise InputValueError(
                f"Argument `output` must be one of {sorted(OUTPUTS)}. Received: output={output!r}"
            )
        z = self._check_latents(z)
        check_sample_size(len(z), self.image_shape, bytes_per_value=1 if output == "uint8" else 4, minimum=0)
        chunks = (z[start : start + self._chunk_size] for start in range(0, len(z), self._chunk_size))
        return self._run(chunks, len(z), labels, output, caption)

    def _run(self, chunks, n, labels, output, caption=None):
        """Images for ``n`` latents given as consecutive ``chunks``, one ``session.run`` per chunk."""
        label = self._label_array(labels, n)
        tokens = self._tokens(caption, n)
        dtype = np.uint8 if output == "uint8" else np.float32
        images = np.empty((n,) + self.image_shape, dtype=dtype)
        start = 0
        for z in chunks:
            stop = start + len(z)
            feed = {"z": z}
            if label is not None:
                feed["label"] = label[start:stop]
            if tokens is not None:
                feed["tokens"] = tokens[start:stop]
            (images[start:stop],) = self._session.run([OUTPUTS[output]], feed)
            start = stop
        return images

    def _check_latents(self, z):
        """Return ``z`` as a float32 [batch, latent_dim] array, or raise for a bad input."""
        expected = f"[batch, {self.latent_dim}]"
        try:
            z = np.asarray(z)
        except ValueError:
            raise InputValueError(
                f"Argument `z` must be a rectangular array of shape {expected}. "
                f"Received: a ragged sequence"
            ) from None
        if z.dtype.kind != "f":
            raise InputTypeError(
                f"Argument `z` must be floating-point latent vectors (float16, float32 or float64). "
                f"Received: z with dtype {z.dtype}"
            )
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise InputValueError(
                f"Argument `z` must have shape {expected}; wrap a single vector as z[None]. "
                f"Received: z with shape {tuple(z.shape)}"
            )
        if not np.all(np.isfinite(z)):
            raise InputValueError(
                "Argument `z` must hold finite values. Received: z containing NaN or infinity"
            )
        largest = float(np.max(np.abs(z))) if z.size else 0.0
        if largest > float(np.finfo(np.float32).max):
            raise InputValueError(
                f"Argument `z` must hold values within float32 range (|z| <= {np.finfo(np.float32).max:.3g}). "
                f"Received: z with largest magnitude {largest:.3g}"
            )
        return np.ascontiguousarray(z, dtype=np.float32)

    def _tokens(self, caption, n):
        """int32 word ids ``[n, max_length]`` of ``caption`` (one sentence or ``n``), or None without a text encoder."""
        if not self.captioned:
            if caption is not None:
                raise InputValueError(f"Argument `caption` must be None for this generator, which has no text encoder. Received: caption={caption!r:.60}")
            return None
        if caption is None:
            raise InputValueError("Argument `caption` is required: this text-to-image generator draws images of a sentence.")
        captions = [caption] if isinstance(caption, str) else caption
        if not isinstance(captions, (list, tuple)) or len(captions) not in (1, n):
            raise InputValueError(f"Argument `caption` must be one sentence or a list of {n}, one per image. Received: caption={caption!r:.60}")
        tokens = encode(list(captions), self.vocabulary, self._metadata["max_length"])
        return np.repeat(tokens, n, axis=0) if len(tokens) == 1 else tokens

    def _label_array(self, labels, n):
        """Return int32 class indices for ``n`` images, or None for an unconditional generator."""
        if not self.num_classes:
            if labels is not None:
                raise InputValueError(
                    f"Argument `labels` must be None for this unconditional generator. "
                    f"Received: labels={_preview(np.ravel(labels).tolist())}"
                )
            return None
        if labels is None:
            return grid_labels(n, self.num_classes)
        if isinstance(labels, (str, bytes, numbers.Number, np.generic)):
            return np.full(n, self._index(labels), dtype=np.int32)
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise InputTypeError(
                f"Argument `labels` must be one label or a list of labels (class indices or names). "
                f"Received: labels of type {type(labels).__name__}"
            )
        items = labels.tolist() if isinstance(labels, np.ndarray) else list(labels)
        if len(items) != n or any(isinstance(item, (list, tuple)) for item in items):
            raise InputValueError(
                f"Argument `labels` must be one label or a flat list of {n} labels, one per image. "
                f"Received: {len(items)} labels"
            )
        return np.array([self._index(item) for item in items], dtype=np.int32)

    def _index(self, label):
        """Return the class index of one label given as an index or a name."""
        names = f" or names from {_preview(self.labels)}" if self.labels else ""
        if isinstance(label, (int, np.integer)) and not isinstance(label, (bool, np.bool_)):
            if 0 <= label < self.num_classes:
                return int(label)
        elif isinstance(label, str):
            if label in self._label_index:
                return self._label_index[label]
        else:
            raise InputTypeError(
                f"Argument `labels` must hold class indices (integers) in [0, {self.num_classes - 1}]{names}. "
                f"Received: {label!r} ({type(label).__name__})"
            )
        raise InputValueError(
            f"Argument `labels` must hold class indices in [0, {self.num_classes - 1}]{names}. "
            f"Received: {label!r}"
        )


from gantk.export.classifier_runtime import Classifier  # noqa: E402, F401  (the classifier runtime, beside Generator)
