"""``gantk demo``: a static page that draws with a run's generator in the browser (onnxruntime-web).

The site holds the page (``index.html``, ``demo.js``, ``gantk-generator.js``, ``demo.css``, the
package data under ``gantk/export/web``), a web export of the run (``model/``, see
``gantk.export.onnx_web``), ``model.json`` describing it, and ``latents.f32``: for each seed
``s < seeds``, ``gantk.latents.latent_vectors(batch, latent_dim, s)`` as float32 little-endian,
so the page draws exactly the runtime's images for a seed. A text-to-image generator's page also
has a caption box; ``model.json`` carries the vocabulary its tokenizer (a port of
``gantk.tokenizer``) reads. onnxruntime-web is loaded from a CDN at a pinned version with a
subresource-integrity hash (W3C Subresource Integrity), or copied from a local
``node_modules/onnxruntime-web/dist`` so the page works offline.
"""

import json
import os
import shutil
from importlib import resources

from gantk.data.captions import preview_captions
from gantk.errors import ConfigError
from gantk.export import exporter, onnx_web
from gantk.export.errors import ExportError
from gantk.latents import latent_vectors

ORT_VERSION = "1.30.0"
ORT_SCRIPT = "ort.all.min.js"
"""The bundle with the wasm, WebGPU and WebGL backends."""
ORT_INTEGRITY = "sha384-5URwgKAGS31PQX06sHDOIB6bk/2FTNB7z3n4trPAWV9sCv5xwV+qiGRxPkuHv6Gf"
"""SHA-384 of onnxruntime-web 1.30.0's ``dist/ort.all.min.js``, as the npm package ships it."""
ORT_CDN = f"https://cdn.jsdelivr.net/npm/onnxruntime-web@{ORT_VERSION}/dist/"
ORT_FILES = (ORT_SCRIPT, "ort-wasm-simd-threaded.jsep.mjs", "ort-wasm-simd-threaded.jsep.wasm")
"""What the page fetches from onnxruntime-web's ``dist`` folder, on every backend."""
PAGE_FILES = ("index.html", "demo.js", "gantk-generator.js", "demo.css")
MODEL_DIR = "model"
LATENTS_FILE = "latents.f32"
INFO_FILE = "model.json"
SITE_FILES = PAGE_FILES + (MODEL_DIR, LATENTS_FILE, INFO_FILE, "ort")
DEFAULT_SEEDS = 100
MAX_SEEDS = 10000


def check_seeds(seeds):
    if isinstance(seeds, bool) or not isinstance(seeds, int) or not 1 <= seeds <= MAX_SEEDS:
        raise ConfigError(f"Argument `seeds` must be an integer from 1 to {MAX_SEEDS}. Received: seeds={seeds!r}")
    return seeds


def check_onnxruntime_web(folder):
    """``folder`` holds onnxruntime-web's ``dist`` files the page needs, at ``ORT_VERSION``."""
    missing = [name for name in ORT_FILES if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise ExportError(
            f"Argument `--onnxruntime-web` must be onnxruntime-web's dist folder (e.g. node_modules/onnxruntime-web/dist) "
            f"holding {', '.join(ORT_FILES)}. Received: {folder!r}, without {', '.join(missing)}"
        )
    return folder


def _ort_script(local):
    if local:
        return f'<script src="ort/{ORT_SCRIPT}"></script>'
    return f'<script src="{ORT_CDN}{ORT_SCRIPT}" integrity="{ORT_INTEGRITY}" crossorigin="anonymous"></script>'


def _info(metadata, seeds):
    labels = json.loads(metadata["labels"])
    return {
        "model": f"{MODEL_DIR}/{onnx_web.WEB_FILE}",
        "latents": LATENTS_FILE,
        "seeds": seeds,
        "batch": int(metadata["batch"]),
        "latent_dim": int(metadata["latent_dim"]),
        "image_shape": json.loads(metadata["image_shape"]),
        "num_classes": int(metadata["num_classes"]),
        "labels": labels or [str(i) for i in range(int(metadata["num_classes"]))],
        "text_encoder": _text_encoder(metadata),
        "about": f"{metadata['variant']} generator trained on {metadata['dataset']} for {metadata['training_step']} steps "
        f"(gantk {metadata['gantk_version']}); onnxruntime-web {ORT_VERSION}.",
        "metadata": metadata,
    }


def _text_encoder(metadata):
    """What the page's tokenizer needs (``gantk-generator.js``'s ``tokenize``), and the caption it starts with."""
    if not metadata.get("vocabulary"):
        return None
    return {
        "vocabulary": json.loads(metadata["vocabulary"]),
        "max_length": int(metadata["max_length"]),
        "tokenizer": metadata["tokenizer"],
        "caption": preview_captions()[0],
    }


def write_demo(run_dir, site_dir, onnxruntime_web=None, seeds=DEFAULT_SEEDS, log=print):
    """Write the demo site of ``run_dir``'s latest generator into ``site_dir``; returns ``site_dir``.

    Args:
        run_dir: a gantk run directory.
        site_dir: the site; created, or replaced when it holds an earlier demo.
        onnxruntime_web: onnxruntime-web's ``dist`` folder to copy (offline), or None for the CDN.
        seeds: the page draws seeds ``0 .. seeds - 1``.
        log: where the export's progress lines go.
    """
    seeds = check_seeds(seeds)
    exporter.check_target(site_dir, SITE_FILES, kind="Site")
    if onnxruntime_web is not None:
        check_onnxruntime_web(onnxruntime_web)
    staging = exporter._staging_dir(site_dir)
    try:
        result = exporter.export_run(run_dir, os.path.join(staging, MODEL_DIR), formats=("web",), log=log)
        metadata = onnx_web.web_metadata(result.metadata)
        info = _info(metadata, seeds)
        with open(os.path.join(staging, LATENTS_FILE), "wb") as handle:
            for seed in range(seeds):
                handle.write(latent_vectors(info["batch"], info["latent_dim"], seed).astype("<f4").tobytes())
        with open(os.path.join(staging, INFO_FILE), "w") as handle:
            json.dump(info, handle, indent=1)
        page = resources.files("gantk.export") / "web"
        for name in PAGE_FILES:
            text = (page / name).read_text()
            if name == "index.html":
                title = f"{metadata['variant']} on {metadata['dataset']}"
                text = text.replace("{{TITLE}}", title).replace("{{ORT_SCRIPT}}", _ort_script(onnxruntime_web))
            with open(os.path.join(staging, name), "w") as handle:
                handle.write(text)
        if onnxruntime_web is not None:
            os.makedirs(os.path.join(staging, "ort"))
            for name in ORT_FILES:
                shutil.copyfile(os.path.join(onnxruntime_web, name), os.path.join(staging, "ort", name))
        exporter._move_into_place(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return site_dir
