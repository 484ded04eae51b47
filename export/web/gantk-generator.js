// Draw with a gantk generator exported for onnxruntime-web (generator.web.onnx), in a page or in Node.js.
// The float32 -> uint8 mapping, the grid labels and slerp are ports of gantk.pixels.to_uint8,
// gantk.latents.grid_labels and gantk.evaluation.latent.slerp, so a seed draws the runtime's bytes.

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

export class WebGenerator {
  // info: model.json of `gantk demo` (latent_dim, image_shape [H, W, C], num_classes, batch).
  constructor(ort, session, info, backend) {
    Object.assign(this, { ort, session, info, backend });
  }

  // model: a URL or the file's bytes; options: more onnxruntime-web session options (e.g. logging).
  static async create(ort, model, info, backend = "wasm", options = {}) {
    const session = await ort.InferenceSession.create(model, { ...options, executionProviders: [backend] });
    return new WebGenerator(ort, session, info, backend);
  }

  // z: Float32Array [batch * latent_dim]; labels: Int32Array [batch] or null.
  // Returns uint8 NHWC pixels, equal to gantk.export.runtime.Generator.generate(z, labels).
  async generate(z, labels = null) {
    const { batch, latent_dim: latentDim, num_classes: numClasses } = this.info;
    const feeds = { z: new this.ort.Tensor("float32", z, [batch, latentDim]) };
    if (numClasses) feeds.label = new this.ort.Tensor("int32", labels ?? gridLabels(batch, numClasses), [batch]);
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
