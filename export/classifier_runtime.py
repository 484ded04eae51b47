"""Run a gantk classifier exported to ONNX (``gantk export --classifier``) with numpy and onnxruntime only.

The file contract ("classifier/1"):

Inputs
    ``image``  float32 [batch, H, W, C] in [-1, 1] (``Classifier`` maps uint8 pixels there itself).

Outputs
    ``logits``         float32 [batch, K], the K class logits of the discriminator.
    ``probabilities``  float32 [batch, K], their softmax.
    ``label``          int32 [batch], the most probable class.

Model ``metadata_props``, all strings: ``gantk_format`` ("classifier/1"), ``gantk_version``,
``variant``, ``dataset``, ``image_shape`` (JSON [H, W, C]), ``num_classes``, ``labels`` (JSON list
of class names), ``input_range`` ("[-1, 1]"), ``training_step``, ``config_sha256``.

Example::

    from gantk.export.runtime import Classifier

    classifier = Classifier.load("classifier.onnx")
    labels = classifier.predict(images)      # images: uint8 [N, H, W] or [N, H, W, C]
"""

import json
import os

import numpy as np
import onnxruntime as ort

from gantk.errors import GantkError
from gantk.pixels import from_uint8

FORMAT = "classifier/1"
CHUNK_SIZE = 256


class Classifier:
    """A gantk image classifier loaded from ONNX: images in, class probabilities and labels out."""

    def __init__(self, session, chunk_size=CHUNK_SIZE):
        self._session = session
        self._chunk_size = int(chunk_size)
        source = getattr(session, "_model_path", None) or "<session>"
        raw = session.get_modelmeta().custom_metadata_map
        if raw.get("gantk_format") != FORMAT:
            raise GantkError(
                f"Argument `path` must be a gantk ONNX classifier in format {FORMAT!r}. "
                f"Received: path={source!r} with gantk_format={raw.get('gantk_format')!r}"
            )
        try:
            self._image_shape = tuple(int(d) for d in json.loads(raw["image_shape"]))
            self._labels = [str(name) for name in json.loads(raw.get("labels", "[]"))]
            self._num_classes = int(raw["num_classes"])
        except (KeyError, TypeError, ValueError):
            raise GantkError(f"Argument `path` must be a gantk ONNX classifier with well-formed metadata. Received: path={source!r}") from None
        self._metadata = dict(raw)

    @classmethod
    def load(cls, path, providers=None, chunk_size=CHUNK_SIZE):
        """Open an exported classifier file (``classifier.onnx``)."""
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise GantkError(f"Argument `path` must be an existing ONNX classifier file. Received: path={path!r}")
        try:
            session = ort.InferenceSession(path, providers=providers or ["CPUExecutionProvider"])
        except Exception as error:
            raise GantkError(f"Argument `path` must be an ONNX file that onnxruntime can load. Received: path={path!r}") from error
        return cls(session, chunk_size=chunk_size)

    @property
    def image_shape(self):
        return self._image_shape

    @property
    def num_classes(self):
        return self._num_classes

    @property
    def labels(self):
        """Class names, index ``i`` naming class ``i``."""
        return list(self._labels)

    @property
    def metadata(self):
        return dict(self._metadata)

    def __repr__(self):
        return (
            f"Classifier(variant={self._metadata.get('variant')!r}, dataset={self._metadata.get('dataset')!r}, "
            f"image_shape={self.image_shape}, num_classes={self.num_classes})"
        )

    def run(self, images):
        """``{"logits", "probabilities", "label"}`` for ``images``: uint8 pixels, or floats in [-1, 1]."""
        x = self._check_images(images)
        names = ["logits", "probabilities", "label"]
        outputs = {name: [] for name in names}
        for start in range(0, len(x), self._chunk_size):
            for name, value in zip(names, self._session.run(names, {"image": x[start : start + self._chunk_size]})):
                outputs[name].append(value)
        return {name: np.concatenate(values) for name, values in outputs.items()}

    def probabilities(self, images):
        """float32 [N, K] class probabilities."""
        return self.run(images)["probabilities"]

    def predict(self, images):
        """int32 [N] most probable class of each image."""
        return self.run(images)["label"]

    def _check_images(self, images):
        x = np.asarray(images)
        if x.ndim == len(self._image_shape) and self._image_shape[-1] == 1 and x.shape[1:] == self._image_shape[:-1]:
            x = x[..., None]
        if x.ndim != 4 or tuple(x.shape[1:]) != self._image_shape or not len(x):
            raise GantkError(
                f"Argument `images` must have shape [batch, {', '.join(map(str, self._image_shape))}]. Received: shape {x.shape}"
            )
        if x.dtype == np.uint8:
            return from_uint8(x)
        if x.dtype.kind != "f" or not np.all(np.isfinite(x)):
            raise GantkError(f"Argument `images` must be uint8 pixels or finite floats in [-1, 1]. Received: dtype {x.dtype}")
        return np.ascontiguousarray(x, dtype=np.float32)
