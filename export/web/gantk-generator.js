// Draw with a gantk generator exported for onnxruntime-web (generator.web.onnx), in a page or in Node.js.
// The float32 -> uint8 mapping, the grid labels, slerp and the tokenizer are ports of gantk.pixels.to_uint8,
// gantk.latents.grid_labels, gantk.evaluation.latent.slerp and gantk.tokenizer.encode, so a seed (and a
// caption) draws the runtime's bytes.

export function toUint8(x) {
  const v = Math.fround(Math.fround(x + 1) * 127.5);
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2) r -= 1;
  return Math.min(255, Math.max(0, r));
}

export function gridLabels(n, numClasses) {
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * numClasses) / n));
}

export function slerp(z0, z1, t) {
  const dot = z0.reduce((sum, v, i) => sum + v * z1[i], 0);
  const norms = Math.hypot(...z0) * Math.hypot(...z1);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.max(norms, 1e-12))));
  const s = Math.sin(omega);
  const [a, b] = s < 1e-6 ? [1 - t, t] : [Math.sin((1 - t) * omega) / s, Math.sin(t * omega) / s];
  return Float32Array.from(z0, (v, i) => a * v + b * z1[i]);
}

// A caption's word ids under gantk.tokenizer.RULES: lower-cased, words are runs of the letters a-z,
// id = vocabulary index + 1, 0 pads to maxLength. Throws, with gantk's sentence, what encode refuses.
export function tokenize(caption, vocabulary, maxLength) {
  const words = caption.toLowerCase().match(/[a-z]+/g) ?? [];
  const quoted = `'${caption}'`;
  if (!words.length) throw new Error(`Argument \`caption\` must contain at least one word. Received: caption=${quoted}`);
  if (words.length > maxLength) {
    throw new Error(`Argument \`caption\` must have at most ${maxLength} words. Received: ${words.length} words in ${quoted}`);
  }
  const unknown = words.find((word) => !vocabulary.includes(word));
  if (unknown !== undefined) {
    throw new Error(`Caption ${quoted} has the word '${unknown}', which the model never saw; its vocabulary is: ${vocabulary.join(" ")}.`);
  }
  const ids = new Int32Array(maxLength);
  words.forEach((word, i) => { ids[i] = vocabulary.indexOf(word) + 1; });
  return ids;
}

export class WebGenerator {
  // info: model.json of `gantk demo` (latent_dim, image_shape [H, W, C], num_classes, batch, and
  // text_encoder {vocabulary, max_length} for a text-to-image generator).
  constructor(ort, session, info, backend) {
    Object.assign(this, { ort, session, info, backend });
  }

  // model: a URL or the file's bytes; options: more onnxruntime-web session options (e.g. logging).
  static async create(ort, model, info, backend = "wasm", options = {}) {
    const session = await ort.InferenceSession.create(model, { ...options, executionProviders: [backend] });
    return new WebGenerator(ort, session, info, backend);
  }

  // z: Float32Array [batch * latent_dim]; labels: Int32Array [batch] or null; caption: a sentence, for a
  // text-to-image generator. Returns uint8 NHWC pixels, equal to the runtime's generate(z, labels, caption=caption).
  async generate(z, labels = null, caption = null) {
    const { batch, latent_dim: latentDim, num_classes: numClasses, text_encoder: text } = this.info;
    const feeds = { z: new this.ort.Tensor("float32", z, [batch, latentDim]) };
    if (numClasses) feeds.label = new this.ort.Tensor("int32", labels ?? gridLabels(batch, numClasses), [batch]);
    if (text) {
      const ids = tokenize(caption ?? "", text.vocabulary, text.max_length);
      const tokens = Int32Array.from({ length: batch * text.max_length }, (_, i) => ids[i % text.max_length]);
      feeds.tokens = new this.ort.Tensor("int32", tokens, [batch, text.max_length]);
    }
    const { image } = await this.session.run(feeds);
    return Uint8Array.from(image.data, toUint8);
  }
}

// NHWC uint8 images -> RGBA bytes of a grid `columns` images wide (grey images repeat their channel).
export function gridRGBA(pixels, count, [height, width, channels], columns) {
  const rows = Math.ceil(count / columns);
  const out = new Uint8ClampedArray(rows * height * columns * width * 4);
  for (let n = 0; n < count; n++) {
    const top = Math.floor(n / columns) * height, left = (n % columns) * width;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const src = ((n * height + y) * width + x) * channels;
        const dst = ((top + y) * columns * width + left + x) * 4;
        for (let k = 0; k < 3; k++) out[dst + k] = pixels[src + (channels === 1 ? 0 : k)];
        out[dst + 3] = 255;
      }
    }
  }
  return { data: out, width: columns * width, height: rows * height };
}
