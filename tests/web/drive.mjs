// Drive a `gantk demo` page in headless Chromium (Debian's /usr/bin/chromium, no downloaded browser).
// Usage: node drive.mjs URL STEPS_JSON OUT_JSON
// STEPS_JSON: [{"backend": "wasm", "seed": 3, "label": "", "caption": "...", "click": false, "mix": [a, b]}, ...]
// Writes {steps: [{grid: {width, height, rgba}, frame, status, state, ms, placements}], requests, errors}.
import { readFile, writeFile } from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer from "puppeteer-core";

const [url, stepsPath, outPath] = process.argv.slice(2);
const steps = JSON.parse(await readFile(stepsPath, "utf8"));
const profile = await mkdtemp(join(tmpdir(), "gantk-chromium-"));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  ignoreDefaultArgs: ["--headless=new"],
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-unsafe-webgpu", `--user-data-dir=${profile}`],
});
const result = { steps: [], requests: [], errors: [] };
try {
  const page = await browser.newPage();
  let logs = [];
  page.on("console", (message) => logs.push(message.text()));
  page.on("pageerror", (error) => result.errors.push(String(error)));
  page.on("request", (request) => result.requests.push(request.url()));
  await page.evaluateOnNewDocument(() => { globalThis.gantkSessionOptions = { logSeverityLevel: 0 }; });
  await page.goto(url);
  await page.waitForFunction(
    () => document.body.dataset.loaded === "true" || document.getElementById("status").dataset.state === "error",
    { timeout: 120000 });
  const canvas = (id) => page.evaluate((id) => {
    const c = document.getElementById(id);
    const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let binary = "";
    for (const byte of data) binary += String.fromCharCode(byte);
    return { width: c.width, height: c.height, rgba: btoa(binary) };
  }, id);
  for (const step of steps) {
    logs = [];
    await page.evaluate(async (step) => {
      const set = (id, value) => { document.getElementById(id).value = String(value); };
      set("backend", step.backend);
      set("seed", step.seed);
      if (step.label !== undefined && !document.getElementById("class-box").hidden) set("label", step.label);
      if (step.caption !== undefined) set("caption", step.caption);
      if (step.click) {
        const status = document.getElementById("status"), before = status.dataset.done;
        document.getElementById("draw").click();
        while (status.dataset.done === before) await new Promise((resolve) => setTimeout(resolve, 20));
      } else {
        await globalThis.gantkDemo.draw().catch(() => {});
      }
      if (step.mix) {
        set("seed-a", step.mix[0]);
        set("seed-b", step.mix[1]);
        await globalThis.gantkDemo.interpolate().catch(() => {});
        set("mix", step.frame ?? 0);
        document.getElementById("mix").dispatchEvent(new Event("input"));
      }
    }, step);
    const state = await page.evaluate(() => ({
      status: document.getElementById("status").textContent,
      state: document.getElementById("status").dataset.state,
      ms: Number(document.getElementById("timing").dataset.ms),
    }));
    result.steps.push({ ...step, ...state, grid: await canvas("grid"), frame: await canvas("frame"),
      placements: logs.filter((line) => line.includes("VerifyEachNodeIsAssignedToAnEp")) });
  }
} finally {
  await browser.close();
  await rm(profile, { recursive: true, force: true });
  await writeFile(outPath, JSON.stringify(result));
}
