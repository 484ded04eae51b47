"""The model card: a ``README.md`` saying what an exported generator is and how to use it.

Follows the idea of the Hugging Face model cards (Mitchell et al. 2019, "Model Cards for Model
Reporting"): the artefact carries a description of what it was trained on, what it takes and
returns, how well the export matches the training model, and a few lines that load it.
"""

import json

from gantk.export.onnx_web import WEB_BATCH, WEB_FILE
from gantk.export.parity import PARITY_SAMPLES, TOLERANCE

FORMAT_NAMES = {"saved_model": "SavedModel", "onnx": "ONNX", "web": "ONNX (web)"}


def _labels_line(metadata):
    if metadata.get("vocabulary"):
        return f"a caption of at most {metadata['max_length']} words from a vocabulary of {len(json.loads(metadata['vocabulary']))} (`vocabulary` in `export.json`)"
    if not int(metadata["num_classes"]):
        return "none (unconditional)"
    names = json.loads(metadata["labels"])
    return f"{metadata['num_classes']} classes: " + ", ".join(f"{i} = `{name}`" for i, name in enumerate(names))


def _runtime_example(num_classes, shape, caption):
    asked = f", caption={caption!r}" if caption else ", labels=3" if num_classes else ""
    command = f'gantk sample RUN --caption "{caption}" --n 16 --seed 0' if caption else "gantk sample RUN --n 16 --seed 0"
    return f"""```python
import numpy as np
from gantk.export.runtime import Generator

generator = Generator.load("generator.onnx")
images = generator.sample(16, seed=0{asked if caption else ""})  # uint8 [16, {shape}], as `{command}`
z = np.random.default_rng(1).standard_normal((4, generator.latent_dim))
pixels = generator.generate(z{asked}, output="float")  # float32 [4, {shape}] in [-1, 1]
```"""


def _python_tokens(caption):
    """Lines that tokenize ``caption`` for 16 images as ``gantk.tokenizer`` does, from ``export.json``."""
    return f"""meta = json.load(open("export.json"))["metadata"]  # its "tokenizer" states the rules
vocabulary, max_length = json.loads(meta["vocabulary"]), int(meta["max_length"])
ids = [vocabulary.index(word) + 1 for word in re.findall("[a-z]+", {caption!r}.lower())]
tokens = np.zeros((16, max_length), np.int32)
tokens[:, : len(ids)] = ids  # 0 pads
"""


def _onnxruntime_example(latent_dim, num_classes, shape, caption):
    feed = '{"z": z, "label": np.arange(16, dtype=np.int32) * ' + str(num_classes) + ' // 16}' if num_classes else '{"z": z, "tokens": tokens}' if caption else '{"z": z}'
    imports = "import json\nimport re\n\n" if caption else ""
    return f"""```python
{imports}import numpy as np
import onnxruntime as ort

session = ort.InferenceSession("generator.onnx", providers=["CPUExecutionProvider"])
{_python_tokens(caption) if caption else ""}z = np.random.default_rng(0).standard_normal((16, {latent_dim})).astype(np.float32)
(images,) = session.run(["image_uint8"], {feed})  # uint8 [16, {shape}]
```"""


def _saved_model_example(latent_dim, num_classes, shape, caption):
    given = ", label=tf.range(16) * " + str(num_classes) + " // 16" if num_classes else ", tokens=tf.constant(tokens)" if caption else ""
    imports = "import json\nimport re\n\nimport numpy as np\n" if caption else ""
    return f"""```python
{imports}import tensorflow as tf

serve = tf.saved_model.load("saved_model").signatures["serving_default"]
{_python_tokens(caption) if caption else ""}z = tf.random.normal((16, {latent_dim}))
images = serve(z=z{given})["image_uint8"]  # uint8 [16, {shape}]
```"""


def _quantized_lines(quantized):
    """The quality-gate figures of each quantized file (``gantk.export.quantize``)."""
    if not quantized:
        return []
    lines = ["## Quantized files", "", "| File | Method | Size | FID (float -> quantized) | Images/s at batch 64 (float -> quantized) |", "|---|---|---|---|---|"]
    for kind, record in quantized.items():
        lines.append(
            f"| `{record['file']}` | {record['method']} | {record['bytes'] / 1e6:.3f} MB ({100 * record['size_ratio']:.0f}% of float) "
            f"| {record['fid_float']:.3f} -> {record['fid_quantized']:.3f} ({100 * record['fid_change']:+.1f}%, bound {100 * record['bound']:.0f}%) "
            f"| {record['speed_float']:.0f} -> {record['speed_quantized']:.0f} |"
        )
    return lines + ["", f"FID: {next(iter(quantized.values()))['protocol']}.", ""]


def _quantized_example(file, shape, caption):
    asked = f", caption={caption!r}" if caption else ""
    return f"""```python
from gantk.export.runtime import Generator

generator = Generator.load("{file}")
images = generator.sample(16, seed=0{asked})  # uint8 [16, {shape}], close to the float file's
```"""



def _javascript_example(latent_dim, num_classes, shape, web, caption):
    name, output = ("generator.web.onnx", "image") if web else ("generator.onnx", "image_uint8")
    label = "\nconst label = new ort.Tensor(\"int32\", Int32Array.from({length: 16}, (_, i) => Math.floor(i * " + str(num_classes) + " / 16)), [16]);" if num_classes else ""
    tokens = f"""
// the caption's word ids as gantk.tokenizer makes them (export.json's "tokenizer" states the rules), 0 pads
const meta = JSON.parse(await readFile("export.json", "utf8")).metadata;
const vocabulary = JSON.parse(meta.vocabulary), maxLength = Number(meta.max_length);
const ids = {json.dumps(caption)}.toLowerCase().match(/[a-z]+/g).map((word) => vocabulary.indexOf(word) + 1);
const tokens = new ort.Tensor("int32", Int32Array.from({{ length: 16 * maxLength }}, (_, i) => ids[i % maxLength] ?? 0), [16, maxLength]);""" if caption else ""
    feeds = "{ z, label }" if num_classes else "{ z, tokens }" if caption else "{ z }"
    given = ", labels" if num_classes else f", caption={caption!r}" if caption else ""
    convert = """
// float32 -> bytes exactly as gantk.pixels.to_uint8: clip(rint((x + 1) * 127.5), 0, 255) in float32
const toUint8 = (x) => {
  const v = Math.fround(Math.fround(x + 1) * 127.5);
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2) r -= 1;
  return Math.min(255, Math.max(0, r));
};
const pixels = Uint8Array.from(image.data, toUint8);  // uint8 [16, """ + shape + "]" if web else """
const pixels = image_uint8.data;  // uint8 [16, """ + shape + "]"
    return f"""```js
// npm install onnxruntime-web; Node.js 18+, run as an ES module (sample.mjs) beside {name}
import {{ readFile, writeFile }} from "node:fs/promises";
import * as ort from "onnxruntime-web";

const session = await ort.InferenceSession.create(await readFile("{name}"));
// 16 latents, float32 little-endian; from Python, the latents of `gantk sample --seed 0`:
//   gantk.latents.latent_vectors(16, {latent_dim}, 0).tofile("latents.f32")
const bytes = await readFile("latents.f32");
const z = new ort.Tensor("float32", new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), [16, {latent_dim}]);{label}{tokens}
const {{ {output} }} = await session.run({feeds});{convert}
await writeFile("images.u8", pixels);  // NHWC bytes, equal to Generator.load("generator.onnx").generate(z{given})
```"""


def model_card(metadata, parity, files, paper=None, summary=None, quantized=None, caption=None):
    """Markdown text of the card.

    Args:
        metadata: the string ``metadata_props`` of ``gantk.export.onnx_export.metadata_props``.
        parity: ``{format: max abs difference}`` from ``gantk.export.parity.check_parity``.
        files: names of the files in the export directory.
        paper, summary: the variant's paper and one-line description, when known.
        quantized: ``{kind: record}`` of ``gantk.export.quantize.quantize_export``, when any.
        caption: the sentence the examples draw, for a text-to-image generator.
    """
    latent_dim, num_classes = int(metadata["latent_dim"]), int(metadata["num_classes"])
    height, width, channels = json.loads(metadata["image_shape"])
    shape = f"{height}, {width}, {channels}"
    variant = metadata["variant"] + (f" ({paper})" if paper else "")
    lines = [
        f"# {metadata['variant']} generator trained on {metadata['dataset']}",
        "",
        *([summary, ""] if summary else []),
        "| | |",
        "|---|---|",
        f"| Variant | {variant} |",
        f"| Dataset | {metadata['dataset']} |",
        f"| Image size | {height} x {width}, {channels} channel{'s' if channels > 1 else ''} (NHWC) |",
        f"| Latent size | {latent_dim} (standard normal) |",
        f"| Labels | {_labels_line(metadata)} |",
        f"| Training steps | {metadata['training_step']} generator updates |",
        f"| Output | `image` float32 in {metadata['output_range']}, `image_uint8` uint8 in [0, 255] |",
        f"| gantk version | {metadata['gantk_version']} |",
        f"| Config SHA-256 | `{metadata['config_sha256']}` |",
        "",
        "![samples](samples.png)",
        "",
        "## Files",
        "",
    ]
    described = {
        "generator.onnx": "ONNX model, inputs `z` float32 [batch, latent]"
        + (" and `label` int32 [batch]" if num_classes else "")
        + (" and `tokens` int32 [batch, max_length] (the caption's word ids, 0 pads)" if metadata.get("vocabulary") else "")
        + ", metadata in `metadata_props` (format `generator/1`).",
        "generator.web.onnx": f"ONNX model for onnxruntime-web's WebGPU and WebGL backends: the same inputs with the batch "
        f"fixed at {WEB_BATCH}, one output `image` float32 in [-1, 1], no integer arithmetic (metadata `target` = `web`).",
        "saved_model": "TensorFlow SavedModel, signature `serving_default` with the same inputs and outputs.",
        "samples.png": "64 samples from the exported generator, seed = the run's seed.",
        "README.md": "this card.",
        "export.json": "what this folder holds: metadata, parity figures and quantized files (read by later exports).",
        "generator.fp16.onnx": "the ONNX model with float16 weights, same inputs and outputs.",
        "generator.int8.onnx": "the ONNX model quantized to int8 (static, calibrated on fixed latents), same inputs and outputs.",
    }
    lines += [f"- `{name}{'/' if name == 'saved_model' else ''}`: {described.get(name, '')}" for name in files]
    lines += [
        "",
        "## Parity",
        "",
        f"{PARITY_SAMPLES} fixed latent vectors went through the Keras generator (float32, BatchNorm in "
        "inference mode) and through each reloaded file; largest absolute difference of the [-1, 1] images "
        f"(limit {TOLERANCE:.0e}):",
        "",
        *[f"- {FORMAT_NAMES.get(name, name)}: {difference:.2e}" for name, difference in parity.items()],
        "",
        *_quantized_lines(quantized),
        "## Use it",
        "",
    ]
    if "generator.onnx" in files:
        lines += [
            "With the gantk runtime (numpy and onnxruntime only, no TensorFlow):",
            "",
            _runtime_example(num_classes, shape, caption),
            "",
            "With bare onnxruntime and numpy (these latents are exactly `gantk sample --seed 0`'s):",
            "",
            _onnxruntime_example(latent_dim, num_classes, shape, caption),
            "",
        ]
        for record in (quantized or {}).values():
            lines += [f"The quantized `{record['file']}` loads the same way:", "", _quantized_example(record["file"], shape, caption), ""]
    if "generator.onnx" in files or WEB_FILE in files:
        web = WEB_FILE in files
        lines += [
            "From JavaScript, in Node.js or a page, with onnxruntime-web"
            + (f" (`{WEB_FILE}` runs on the `webgpu` and `webgl` backends too, {WEB_BATCH} images per call; "
               "`generator.onnx` on `wasm` only)" if web else " (the `wasm` backend)")
            + ". `gantk demo` writes a page that draws with it.",
            "",
            _javascript_example(latent_dim, num_classes, shape, web, caption),
            "",
        ]
    if "saved_model" in files:
        lines += ["With TensorFlow alone:", "", _saved_model_example(latent_dim, num_classes, shape, caption), ""]
    return "\n".join(lines)
