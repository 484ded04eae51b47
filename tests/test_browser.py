"""The generator in JavaScript: ``generator.web.onnx``, ``gantk demo`` in headless Chromium, and Node.js.

Needs Node.js, Debian's ``chromium`` and ``npm ci --prefix tests/web`` (onnxruntime-web and
puppeteer-core; ``.ci/run`` installs them); skipped with the reason when they are absent.
"""

import base64
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading

import numpy as np
import onnx
import pytest

from gantk.export import demo, onnx_web
from gantk.export.card import model_card
from gantk.export.runtime import Generator
from gantk.latents import grid_labels, latent_vectors
from helpers import TINY, train_text_run

WEB_DIR = os.path.join(os.path.dirname(__file__), "web")
NODE_MODULES = os.path.join(WEB_DIR, "node_modules")
ORT_DIST = os.path.join(NODE_MODULES, "onnxruntime-web", "dist")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DOCS = os.path.join(os.path.dirname(__file__), "..", "docs", "web.md")
NUM_CLASSES = 10


def _missing():
    if not shutil.which("node"):
        return "Node.js is not installed (apt-get install nodejs)"
    if not os.path.isdir(os.path.join(NODE_MODULES, "puppeteer-core")) or not os.path.isdir(ORT_DIST):
        return "tests/web has no node_modules (npm ci --prefix tests/web)"
    return None


needs_node = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))
needs_chromium = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    """A two-step conditional DCGAN (cgan, DCGAN networks) wide enough for the sub-pixel rewrite."""
    from gantk.training.config import resolve_config
    from gantk.training.run import train

    config = resolve_config("cgan", steps=2, arch="dcgan", **dict(TINY, width=16))
    return train(config, run_dir=str(tmp_path_factory.mktemp("runs") / "cgan"), progress=False, log=lambda *_: None)


@pytest.fixture(scope="module")
def exported(conditional_run, tmp_path_factory):
    """``gantk export RUN --onnx --web``: (export directory, what the command printed)."""
    from click.testing import CliRunner

    from gantk.cli.main import cli

    out = str(tmp_path_factory.mktemp("export") / "export")
    result = CliRunner().invoke(cli, ["export", conditional_run, "--onnx", "--web", "--out", out])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_web_file_has_only_gpu_ops_a_fixed_batch_and_the_float_output(exported):
    out, output = exported
    assert sorted(os.listdir(out)) == ["README.md", "export.json", "generator.onnx", "generator.web.onnx", "samples.png"]
    assert float(re.search(r"Parity ONNX \(web\): max \|difference\| from Keras (\S+)", output).group(1)) < 1e-4
    model = onnx.load(os.path.join(out, onnx_web.WEB_FILE))
    original = onnx.load(os.path.join(out, "generator.onnx"))
    assert {"Shape", "OneHot", "Round"} <= {node.op_type for node in original.graph.node}
    assert {node.op_type for node in model.graph.node} <= onnx_web.WEB_OPS
    assert [value.name for value in model.graph.output] == ["image"]
    for value in list(model.graph.input) + list(model.graph.output):
        assert value.type.tensor_type.shape.dim[0].dim_value == onnx_web.WEB_BATCH
    props = {entry.key: entry.value for entry in model.metadata_props}
    assert props["target"] == "web" and props["batch"] == str(onnx_web.WEB_BATCH) and props["num_classes"] == str(NUM_CLASSES)
    card = open(os.path.join(out, "README.md")).read()
    assert "generator.web.onnx" in card and "ONNX (web)" in card and "```js" in card


def test_web_file_matches_the_runtime_after_the_uint8_mapping(exported):
    out, _ = exported
    runtime = Generator.load(os.path.join(out, "generator.onnx"))
    z, labels = latent_vectors(20, runtime.latent_dim, 4), grid_labels(20, NUM_CLASSES)
    from gantk.pixels import to_uint8

    web = to_uint8(onnx_web.run_web(os.path.join(out, onnx_web.WEB_FILE), z, labels))
    np.testing.assert_array_equal(web, runtime.generate(z, labels))


def _covers(versions, opset):
    """Whether onnxruntime-web's version list (``1-10, 11-12, 13+``) includes ``opset``."""
    for low, plus, high in re.findall(r"(\d+)(?:(\+)|-(\d+))?", versions):
        if int(low) <= opset and (plus or (high and opset <= int(high)) or int(low) == opset):
            return True
    return False


def test_web_ops_have_gpu_kernels_at_the_export_opset_in_onnxruntime_webs_operator_tables():
    if not os.path.isdir(NODE_MODULES):
        pytest.skip("tests/web has no node_modules (npm ci --prefix tests/web)")
    from gantk.export.onnx_export import DEFAULT_OPSET

    docs = os.path.join(NODE_MODULES, "onnxruntime-web", "docs")
    webgpu = open(os.path.join(docs, "webgpu-operators.md")).read()
    webgl = open(os.path.join(docs, "webgl-operators.md")).read()
    for op in sorted(onnx_web.WEB_OPS):
        row = re.search(rf"^\| {op} \| ([^|]*)\| ([^|]*)\|", webgpu, re.M)
        assert row and _covers(re.search(r"ai\.onnx\(([^)]*)\)", row.group(1)).group(1), DEFAULT_OPSET), op
        assert "no GPU kernel" not in row.group(2) or op == "Reshape", op
        row = re.search(rf"^\| \[{op}\]\([^)]*\) \| ([^|]*)\|", webgl, re.M)
        assert row and _covers(re.sub(r"\([^)]*\)", "", row.group(1)), DEFAULT_OPSET), op
    for op in ("Round", "Min", "Max", "OneHot"):
        assert not re.search(rf"^\| {op} \|", webgpu, re.M), op
    reduce_sum = re.search(r"^\| \[ReduceSum\]\([^)]*\) \| ([^|]*)\|", webgl, re.M).group(1)
    assert not _covers(re.sub(r"\([^)]*\)", "", reduce_sum), DEFAULT_OPSET), "ReduceSum runs on WebGL now: it need not be rewritten"


def test_demo_pins_the_onnxruntime_web_it_is_tested_with():
    if not os.path.isdir(ORT_DIST):
        pytest.skip("tests/web has no node_modules (npm ci --prefix tests/web)")
    import hashlib

    package = json.load(open(os.path.join(WEB_DIR, "package.json")))
    assert package["dependencies"]["onnxruntime-web"] == demo.ORT_VERSION
    digest = hashlib.sha384(open(os.path.join(ORT_DIST, demo.ORT_SCRIPT), "rb").read()).digest()
    assert demo.ORT_INTEGRITY == "sha384-" + base64.b64encode(digest).decode()


@pytest.fixture(scope="module")
def site(conditional_run, tmp_path_factory):
    if _missing():
        pytest.skip(_missing())
    path = str(tmp_path_factory.mktemp("site") / "site")
    demo.write_demo(conditional_run, path, onnxruntime_web=ORT_DIST, seeds=8, log=lambda *_: None)
    return path


@contextlib.contextmanager
def _serving(folder):
    """``folder`` on a local HTTP server: its URL."""
    handler = functools.partial(_QuietHandler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def served(site):
    with _serving(site) as url:
        yield url


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


def _drive(url, steps, tmp_path):
    steps_path, out_path = tmp_path / "steps.json", tmp_path / "out.json"
    steps_path.write_text(json.dumps(steps))
    subprocess.run(["node", os.path.join(WEB_DIR, "drive.mjs"), url, str(steps_path), str(out_path)],
                   check=True, timeout=300, capture_output=True, cwd=WEB_DIR)
    return json.loads(out_path.read_text())


def _tiles(canvas, count, height, width, columns):
    rgba = np.frombuffer(base64.b64decode(canvas["rgba"]), np.uint8).reshape(canvas["height"], canvas["width"], 4)
    assert (rgba[..., 3] == 255).all()
    tiles = [rgba[(i // columns) * height:(i // columns + 1) * height, (i % columns) * width:(i % columns + 1) * width] for i in range(count)]
    return np.stack(tiles)


@needs_node
@needs_chromium
def test_demo_page_draws_the_runtimes_pixels_on_wasm_webgpu_and_webgl(site, served, exported, tmp_path):
    out, _ = exported
    runtime = Generator.load(os.path.join(out, "generator.onnx"))
    batch, (height, width, _) = onnx_web.WEB_BATCH, runtime.image_shape
    steps = [
        {"backend": "wasm", "seed": 3, "label": ""},
        {"backend": "wasm", "seed": 5, "label": "7", "click": True, "mix": [2, 6]},
        {"backend": "webgpu", "seed": 3, "label": ""},
        {"backend": "webgl", "seed": 1, "label": "4"},
    ]
    result = _drive(served, steps, tmp_path)
    assert not result["errors"], result["errors"]
    assert all(url.startswith(served) for url in result["requests"]), result["requests"]
    for step in result["steps"]:
        assert step["state"] == "ready", step["status"]
        assert step["ms"] > 0
        label = int(step["label"]) if step["label"] else None
        expected = runtime.sample(batch, seed=step["seed"], labels=label)
        drawn = _tiles(step["grid"], batch, height, width, 4)
        assert (drawn[..., :3] == expected[..., :1]).all(), f"{step['backend']} seed {step['seed']}"
        if step.get("mix"):
            first = runtime.generate(latent_vectors(1, runtime.latent_dim, step["mix"][0]), labels=label)
            assert (_tiles(step["frame"], 1, height, width, 1)[..., :3] == first[..., :1]).all()
    webgpu = next(step for step in result["steps"] if step["backend"] == "webgpu")
    assert any("All nodes placed on [JsExecutionProvider]" in line for line in webgpu["placements"]), webgpu["placements"]
    assert not any("CPUExecutionProvider" in line for line in webgpu["placements"]), webgpu["placements"]


def _js_blocks(text):
    return re.findall(r"```js\n(.*?)```", text, re.S)


def _run_snippet(code, folder, z):
    z.astype("<f4").tofile(os.path.join(folder, "latents.f32"))
    link = os.path.join(folder, "node_modules")
    if not os.path.exists(link):
        os.symlink(NODE_MODULES, link)
    with open(os.path.join(folder, "sample.mjs"), "w") as handle:
        handle.write(code)
    subprocess.run(["node", "sample.mjs"], cwd=folder, check=True, timeout=120, capture_output=True)
    return np.fromfile(os.path.join(folder, "images.u8"), np.uint8)


def _in_node(out, tmp_path):
    """A copy of the export ``out`` to run snippets in, its runtime, and the 16 latents of seed 0."""
    folder = tmp_path / "node"
    shutil.copytree(out, folder)
    runtime = Generator.load(os.path.join(out, "generator.onnx"))
    return str(folder), runtime, latent_vectors(16, runtime.latent_dim, 0)


@needs_node
def test_model_card_and_docs_javascript_snippets_match_the_runtime_in_node(exported, tmp_path):
    out, _ = exported
    folder, runtime, z = _in_node(out, tmp_path)
    card, docs = _js_blocks(open(os.path.join(out, "README.md")).read()), _js_blocks(open(DOCS).read())
    metadata = runtime.session.get_modelmeta().custom_metadata_map
    onnx_only = _js_blocks(model_card(metadata, {"onnx": 0.0}, ["generator.onnx", "samples.png", "README.md"]))
    assert len(card) == len(docs) == len(onnx_only) == 1 and "generator.web.onnx" in card[0] and "image_uint8" in onnx_only[0]
    grid = grid_labels(16, NUM_CLASSES)
    for code, labels in ((card[0], grid), (onnx_only[0], grid), (docs[0], 3)):
        expected = runtime.generate(z, labels=labels)
        np.testing.assert_array_equal(_run_snippet(code, folder, z).reshape(expected.shape), expected)


def test_cli_demo_writes_a_cdn_page_with_integrity_and_rejects_bad_options(conditional_run, tmp_path):
    from click.testing import CliRunner

    from gantk.cli.main import cli

    site = tmp_path / "site"
    bad = CliRunner().invoke(cli, ["demo", conditional_run, "--out", str(site), "--onnxruntime-web", str(tmp_path)])
    assert bad.exit_code == 2 and "onnxruntime-web's dist folder" in bad.output and not site.exists()
    bad = CliRunner().invoke(cli, ["demo", conditional_run, "--out", str(site), "--seeds", "0"])
    assert bad.exit_code == 2 and "`seeds` must be an integer from 1" in bad.output
    result = CliRunner().invoke(cli, ["demo", conditional_run, "--out", str(site), "--seeds", "3"])
    assert result.exit_code == 0, result.output
    page = (site / "index.html").read_text()
    assert f'src="{demo.ORT_CDN}{demo.ORT_SCRIPT}" integrity="{demo.ORT_INTEGRITY}"' in page
    assert not (site / "ort").exists() and (site / "model" / onnx_web.WEB_FILE).is_file()
    info = json.loads((site / "model.json").read_text())
    assert (info["seeds"], info["batch"], info["num_classes"]) == (3, onnx_web.WEB_BATCH, NUM_CLASSES)
    latents = np.fromfile(site / "latents.f32", "<f4").reshape(3, onnx_web.WEB_BATCH, info["latent_dim"])
    np.testing.assert_array_equal(latents[2], latent_vectors(onnx_web.WEB_BATCH, info["latent_dim"], 2))
    (site / "notes.txt").write_text("mine")
    again = CliRunner().invoke(cli, ["demo", conditional_run, "--out", str(site)])
    assert again.exit_code == 2 and "already holds other files (notes.txt)" in again.output


@pytest.fixture(scope="module")
def text_export(tmp_path_factory):
    """A two-step gan-int run (width 16, for the sub-pixel rewrite) exported with ``--onnx --web``: (run directory, export directory)."""
    from gantk.export import exporter

    root = tmp_path_factory.mktemp("text")
    run_dir, _ = train_text_run(str(root), "--width", "16")
    out = str(root / "export")
    exporter.export_run(run_dir, out, formats=("onnx", "web"), log=lambda *_: None)
    return run_dir, out


def test_a_text_to_image_web_file_looks_its_words_up_and_draws_the_runtimes_pixels(text_export):
    from gantk.pixels import to_uint8
    from gantk.tokenizer import encode

    _, out = text_export
    model = onnx.load(os.path.join(out, onnx_web.WEB_FILE))
    original = onnx.load(os.path.join(out, "generator.onnx"))
    assert {"Cast", "Less", "Not", "Greater", "Squeeze", "ReduceSum", "Max", "Min", "Reciprocal"} <= {node.op_type for node in original.graph.node}
    assert {node.op_type for node in model.graph.node} <= onnx_web.WEB_OPS
    lookups = [node for node in model.graph.node if node.op_type == "Gather" and "tokens" in node.input]
    assert len(lookups) >= 2
    runtime = Generator.load(os.path.join(out, "generator.onnx"))
    captions = ["A small red circle in the top left on white", "a big blue star, bottom right, on black", "Cross"] * 7
    z = latent_vectors(len(captions), runtime.latent_dim, 5)
    web = to_uint8(onnx_web.run_web(os.path.join(out, onnx_web.WEB_FILE), z, tokens=encode(captions, runtime.vocabulary)))
    np.testing.assert_array_equal(web, runtime.generate(z, caption=captions))


@needs_node
def test_a_text_to_image_cards_javascript_tokenizes_and_draws_like_the_runtime(text_export, tmp_path):
    folder, runtime, z = _in_node(text_export[1], tmp_path)
    (code,) = _js_blocks(open(os.path.join(folder, "README.md")).read())
    caption = re.search(r'const ids = ("[^"]*")', code).group(1)
    expected = runtime.generate(z, caption=json.loads(caption))
    np.testing.assert_array_equal(_run_snippet(code, folder, z).reshape(expected.shape), expected)


@needs_node
@needs_chromium
def test_demo_page_draws_a_caption_like_the_runtime_and_refuses_an_unknown_word(text_export, tmp_path):
    run_dir, out = text_export
    site = str(tmp_path / "site")
    demo.write_demo(run_dir, site, onnxruntime_web=ORT_DIST, seeds=4, log=lambda *_: None)
    info = json.load(open(os.path.join(site, demo.INFO_FILE)))
    runtime = Generator.load(os.path.join(out, "generator.onnx"))
    assert info["text_encoder"]["vocabulary"] == runtime.vocabulary and info["text_encoder"]["max_length"] == runtime.metadata["max_length"]
    steps = [
        {"backend": "wasm", "seed": 2, "caption": "A large green square at the top right on striped"},
        {"backend": "webgpu", "seed": 2, "caption": "a small red circle, centre, on white"},
        {"backend": "webgl", "seed": 1, "caption": "Blue star"},
        {"backend": "wasm", "seed": 1, "caption": "a red blob"},
    ]
    with _serving(site) as url:
        result = _drive(url, steps, tmp_path)
    assert not result["errors"], result["errors"]
    batch, (height, width, _) = onnx_web.WEB_BATCH, runtime.image_shape
    for step in result["steps"][:3]:
        assert step["state"] == "ready", step["status"]
        drawn = _tiles(step["grid"], batch, height, width, 4)
        assert (drawn[..., :3] == runtime.sample(batch, seed=step["seed"], caption=step["caption"])).all(), step["backend"]
    webgpu = result["steps"][1]
    assert any("All nodes placed on [JsExecutionProvider]" in line for line in webgpu["placements"]), webgpu["placements"]
    refused = result["steps"][3]
    assert refused["state"] == "error" and "'blob'" in refused["status"] and "its vocabulary is: a against" in refused["status"]
