// The page of `gantk demo`: a grid of samples for a seed (and a class or a caption), a walk between two
// seeds, a backend choice.
// Latents come from latents.f32, written by gantk for seeds 0..seeds-1 (gantk.latents.latent_vectors),
// so a seed draws the same images as `gantk sample --n BATCH --seed SEED` and the Python runtime.
import { WebGenerator, gridRGBA, slerp } from "./gantk-generator.js";

const $ = (id) => document.getElementById(id);
const sessions = {};
let info, latents, frames = null;

function status(text, state) {
  $("status").textContent = text;
  $("status").dataset.state = state;
  if (state !== "busy") $("status").dataset.done = Number($("status").dataset.done ?? 0) + 1;
}

async function generator() {
  const backend = $("backend").value;
  sessions[backend] ??= WebGenerator.create(globalThis.ort, info.model, info, backend, globalThis.gantkSessionOptions);
  return sessions[backend];
}

function seedLatents(field) {
  const seed = Number($(field).value);
  if (!Number.isInteger(seed) || seed < 0 || seed >= info.seeds) {
    throw new Error(`Seed must be an integer from 0 to ${info.seeds - 1} (the latents this page holds). Received: ${$(field).value}`);
  }
  const size = info.batch * info.latent_dim;
  return latents.subarray(seed * size, (seed + 1) * size);
}

function labels(fallback) {
  if (!info.num_classes) return null;
  const value = $("label").value;
  return value === "" ? fallback : new Int32Array(info.batch).fill(Number(value));
}

function caption() {
  return info.text_encoder ? $("caption").value : null;
}

function paint(canvas, pixels, count, columns) {
  const grid = gridRGBA(pixels, count, info.image_shape, columns);
  canvas.width = grid.width;
  canvas.height = grid.height;
  canvas.getContext("2d").putImageData(new ImageData(grid.data, grid.width, grid.height), 0, 0);
}

async function timed(what, work, timing) {
  status(`${what}...`, "busy");
  try {
    const model = await generator();
    const start = performance.now();
    const result = await work(model);
    const ms = performance.now() - start;
    $(timing).textContent = `${what}: ${ms.toFixed(1)} ms for ${info.batch} images on ${model.backend}`;
    $(timing).dataset.ms = ms;
    status(`${what} on ${model.backend}.`, "ready");
    return result;
  } catch (error) {
    status(String(error.message ?? error), "error");
    throw error;
  }
}

async function draw() {
  const z = seedLatents("seed");
  const pixels = await timed(`Drew seed ${$("seed").value}`, (model) => model.generate(z, labels(null), caption()), "timing");
  paint($("grid"), pixels, info.batch, Math.ceil(Math.sqrt(info.batch)));
}

async function interpolate() {
  const size = info.latent_dim;
  const a = seedLatents("seed-a").subarray(0, size), b = seedLatents("seed-b").subarray(0, size);
  const z = new Float32Array(info.batch * size);
  for (let i = 0; i < info.batch; i++) z.set(slerp(a, b, i / (info.batch - 1)), i * size);
  const fixed = info.num_classes ? new Int32Array(info.batch).fill(Number($("label").value || 0)) : null;
  frames = await timed(`Walked from seed ${$("seed-a").value} to ${$("seed-b").value}`, (model) => model.generate(z, labels(fixed), caption()), "walk-timing");
  showFrame();
}

function showFrame() {
  if (!frames) return;
  const [h, w, c] = info.image_shape, i = Number($("mix").value);
  paint($("frame"), frames.subarray(i * h * w * c, (i + 1) * h * w * c), 1, 1);
}

async function main() {
  info = await (await fetch("model.json")).json();
  latents = new Float32Array(await (await fetch(info.latents)).arrayBuffer());
  globalThis.ort.env.wasm.numThreads = 1;
  $("about").textContent = info.about;
  for (const id of ["seed", "seed-a", "seed-b"]) $(id).max = info.seeds - 1;
  $("mix").max = info.batch - 1;
  if (info.num_classes) {
    $("class-box").hidden = false;
    info.labels.forEach((name, i) => $("label").add(new Option(`${i}: ${name}`, String(i))));
  }
  if (info.text_encoder) {
    $("caption-box").hidden = false;
    $("caption").value = info.text_encoder.caption;
  }
  const ignore = () => {};
  $("draw").addEventListener("click", () => draw().catch(ignore));
  $("backend").addEventListener("change", () => draw().then(interpolate).catch(ignore));
  $("label").addEventListener("change", () => draw().then(interpolate).catch(ignore));
  $("caption").addEventListener("change", () => draw().then(interpolate).catch(ignore));
  for (const id of ["seed-a", "seed-b"]) $(id).addEventListener("change", () => interpolate().catch(ignore));
  $("mix").addEventListener("input", showFrame);
  globalThis.gantkDemo = { draw, interpolate, info };
  await draw();
  await interpolate();
  document.body.dataset.loaded = "true";
}

main().catch((error) => status(String(error.message ?? error), "error"));
