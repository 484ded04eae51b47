"""Write the gantk notebooks (outputs cleared) from the cells below: ``python notebooks/build_notebooks.py``.

Each notebook reads ``GANTK_NOTEBOOK_STEPS`` (training steps, default meaningful) so that
``tests/test_notebooks.py`` can execute it headless in seconds.
"""

import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))


def md(text):
    return new_markdown_cell(text.strip("\n"))


def code(text):
    return new_code_cell(text.strip("\n"))


RING = [
    md("""
# A GAN on the 2-D ring: minimax, non-saturating and WGAN-GP

The ring (`ring8`) is eight Gaussian modes of standard deviation 0.02 on a circle of radius 2
(Metz et al. 2017). It is small enough to train on a laptop CPU and shows at a glance what a
generator does: covering all eight modes, sitting on a few of them (mode collapse), or
smearing points between them.

We train three objectives on the same networks and data:

* **minimax GAN** (Goodfellow et al. 2014): G descends log(1 - D(G(z))). When D confidently
  rejects the samples the loss saturates and G's gradient vanishes.
* **non-saturating GAN** (same paper, section 3): G ascends log D(G(z)), same fixed point and
  strong early gradients, but it may still hop between modes or collapse onto a few.
* **WGAN-GP** (Gulrajani et al. 2017): a Wasserstein critic kept 1-Lipschitz by a gradient
  penalty, five critic steps per generator step; its gradients point towards every mode.

`GANTK_NOTEBOOK_STEPS` sets the training length (default 2,000 generator steps; the classic
picture needs 10,000 to 20,000, set the variable before starting Jupyter).
"""),
    code("""
import json
import os
import shutil

import matplotlib.pyplot as plt
import numpy as np

from gantk.data.mixtures import get_mixture, sample_mixture
from gantk.training.points import generate_points
from gantk.training.config import resolve_config
from gantk.training.run import load_run, train

STEPS = int(os.environ.get("GANTK_NOTEBOOK_STEPS", "2000"))
RUNS = os.path.join("runs", "notebook-ring")
print(f"{STEPS} generator steps per objective, runs under {RUNS}/")
"""),
    md("## The data"),
    code("""
real, modes = sample_mixture("ring8", 2500)
centers, std = get_mixture("ring8")
fig, axis = plt.subplots(figsize=(4, 4))
axis.scatter(real[:, 0], real[:, 1], s=2, c=modes, cmap="tab10")
axis.scatter(centers[:, 0], centers[:, 1], marker="x", c="k")
axis.set_aspect("equal")
axis.set_title(f"ring8: {len(centers)} modes, std {std}")
plt.show()
"""),
    md("""
## Why the minimax loss saturates

For a discriminator logit l, D = sigmoid(l). The minimax generator loss log(1 - D) has
gradient -D with respect to l, which vanishes exactly when D rejects the samples (D near 0,
early in training). The non-saturating loss -log D has gradient -(1 - D): largest there.
"""),
    code("""
d = np.linspace(0.001, 0.999, 200)
fig, axis = plt.subplots(figsize=(5, 3))
axis.plot(d, d, label="minimax: |d loss / d logit| = D")
axis.plot(d, 1 - d, label="non-saturating: |d loss / d logit| = 1 - D")
axis.set_xlabel("D(G(z))")
axis.set_ylabel("generator gradient size")
axis.legend()
plt.show()
"""),
    md("""
## Training the three objectives

Each run checkpoints (and records mode coverage, the collapse statistic and a scatter plot)
ten times, so we can watch coverage evolve. Everything is also in TensorBoard:
`tensorboard --logdir runs/notebook-ring`.
"""),
    code("""
OBJECTIVES = {
    "minimax": dict(variant="gan", loss="minimax"),
    "non-saturating": dict(variant="gan", loss="non-saturating"),
    "wgan-gp": dict(variant="wgan-gp"),
}


def train_objective(name, variant, **overrides):
    run_dir = os.path.join(RUNS, name)
    shutil.rmtree(run_dir, ignore_errors=True)
    config = resolve_config(
        variant, dataset="ring8", steps=STEPS, seed=0,
        checkpoint_every=max(2, STEPS // 10), **overrides,
    )
    return train(config, run_dir=run_dir, progress=False, log=lambda *_: None)


def history(run_dir):
    with open(os.path.join(run_dir, "history.jsonl")) as handle:
        return [json.loads(line) for line in handle]


runs = {name: train_objective(name, **spec) for name, spec in OBJECTIVES.items()}
"""),
    md("## What each generator draws"),
    code("""
fig, axes = plt.subplots(1, len(runs), figsize=(4 * len(runs), 4))
for axis, (name, run_dir) in zip(np.atleast_1d(axes), runs.items()):
    loaded = load_run(run_dir)
    config, gan = loaded.config, loaded.gan
    fake = generate_points(gan, config, 2500, seed=1).clip(-5, 5)
    last = history(run_dir)[-1]
    axis.scatter(real[:, 0], real[:, 1], s=2, c="0.75")
    axis.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:red", alpha=0.5)
    axis.set_xlim(-3, 3)
    axis.set_ylim(-3, 3)
    axis.set_aspect("equal")
    axis.set_title(f"{name}: {last['modes_covered']}/{last['modes_total']} modes")
plt.show()
"""),
    md("""
## Collapse seen: coverage and the collapse alarm over training

Left: modes covered (a mode counts when at least one of 2,500 samples lies within three
standard deviations of it). Right: the collapse statistic gantk logs every epoch, the spread
of the 64 fixed-latent samples relative to real data; a red cross marks an epoch where the
alarm fired (spread below half its best so far), which the progress bar shows while training.
"""),
    code("""
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
for name, run_dir in runs.items():
    records = history(run_dir)
    steps = [r["step"] for r in records]
    left.plot(steps, [r["modes_covered"] for r in records], "o-", label=name)
    right.plot(steps, [r["diversity"] for r in records], "o-", label=name)
    alarms = [r for r in records if r["collapse"]]
    right.plot([r["step"] for r in alarms], [r["diversity"] for r in alarms], "x", c="red", markersize=10)
left.set_ylim(0, 8.5)
left.set_xlabel("generator step")
left.set_ylabel("modes covered")
right.set_xlabel("generator step")
right.set_ylabel("diversity (samples / real)")
left.legend()
plt.show()
"""),
    md("## Summary"),
    code("""
print(f"{'objective':16s} {'modes':>6s} {'high quality':>13s} {'D(G(z))':>8s} {'alarms':>7s}")
for name, run_dir in runs.items():
    records = history(run_dir)
    last = records[-1]
    alarms = sum(r["collapse"] for r in records)
    print(
        f"{name:16s} {last['modes_covered']:>3d}/{last['modes_total']:<2d} "
        f"{100 * last['high_quality_fraction']:12.1f}% {last['d_fake']:8.3f} {alarms:7d}"
    )
"""),
    md("""
## Reading the results

* The **minimax** generator learns slowly: whenever D wins, its gradient (D itself) is tiny.
* The **non-saturating** generator moves fast but is free to put its mass on a subset of the
  modes; with longer training it typically covers some modes and hops between them, which
  shows as a falling coverage curve and, when the samples bunch up, the collapse alarm.
* **WGAN-GP**'s critic keeps useful gradients towards every mode; it is the cure here,
  at five critic updates per generator step.

Short runs (the test suite uses a handful of steps) only show the mechanics; raise
`GANTK_NOTEBOOK_STEPS` for the real contrast. From the command line the same runs are
`gantk train gan --dataset ring8 --loss minimax`, `gantk train gan --dataset ring8` and
`gantk train wgan-gp --dataset ring8`, and `gantk evaluate RUN` reports the coverage.
"""),
]


DIGITS = [
    md("""
# DCGAN on digits: samples, interpolation and latent arithmetic

Radford, Metz & Chintala (2015) showed that a DCGAN's latent space is smooth: walking
between two latents changes the image gradually, and averaging the latents of a few samples
of one "concept" gives vectors that can be added and subtracted. We try both on the 8x8
scikit-learn digits (bundled, no download), upscaled to 32x32, with the R1 penalty (gamma 1),
which keeps the discriminator from memorising the 1,797 images (see the README).

`GANTK_NOTEBOOK_STEPS` sets the training length (default 2,000 generator steps, a few
minutes on a CPU).
"""),
    code("""
import json
import os
import shutil

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from gantk.evaluation.digits_check import digits_classifier, to_digit_features
from gantk.evaluation.latent import arithmetic_grid, latent_walk, save_gif, seed_latents
from gantk.images import grid
from gantk.pixels import to_uint8
from gantk.training.config import resolve_config
from gantk.training.run import load_run, train
from gantk.training.sampling import generate_images

STEPS = int(os.environ.get("GANTK_NOTEBOOK_STEPS", "2000"))
RUN_DIR = os.path.join("runs", "notebook-dcgan-digits")


def show(images, columns=None, title=None, scale=3):
    images = np.asarray(images)
    picture = grid(images if images.dtype == np.uint8 else to_uint8(images), columns)
    fig, axis = plt.subplots(figsize=(scale * picture.shape[1] / 100, scale * picture.shape[0] / 100))
    axis.imshow(picture[..., 0], cmap="gray", vmin=0, vmax=255)
    axis.axis("off")
    if title:
        axis.set_title(title)
    plt.show()
"""),
    md("## Training"),
    code("""
shutil.rmtree(RUN_DIR, ignore_errors=True)
config = resolve_config(
    "dcgan", dataset="digits", image_size=32, width=32, steps=STEPS, seed=0, r1_penalty=1.0
)
train(config, run_dir=RUN_DIR, progress=False, log=lambda *_: None)
loaded = load_run(RUN_DIR)
config, gan = loaded.config, loaded.gan
with open(os.path.join(RUN_DIR, "history.jsonl")) as handle:
    last = [json.loads(line) for line in handle][-1]
print(f"step {last['step']}: D(x) {last['d_real']:.2f}, D(G(z)) {last['d_fake']:.2f}, diversity {last['diversity']:.2f}")
"""),
    md("The fixed-latent sample grid and the loss curve that `gantk train` writes into the run directory:"),
    code("""
fig, axes = plt.subplots(1, 2, figsize=(12, 6), gridspec_kw=dict(width_ratios=[1, 1.2]))
for axis, name in zip(axes, ["samples.png", "loss_curve.png"]):
    axis.imshow(Image.open(os.path.join(RUN_DIR, name)), cmap="gray")
    axis.axis("off")
    axis.set_title(name)
plt.show()
"""),
    md("""
## Interpolation

`gantk.evaluation.latent` (behind `gantk interpolate`) walks between the latents of seeds.
Spherical interpolation (slerp) follows the shell where standard-normal latents live, so the
midpoints look like samples too; linear interpolation (lerp) passes closer to the origin.
"""),
    code("""
strip, columns, frames = latent_walk(gan, config, seeds=[1, 2, 3, 4], steps=10, method="slerp")
show(strip, columns, title="slerp between the latents of seeds 1, 2, 3 and 4 (one row per pair)")
save_gif(frames, os.path.join(RUN_DIR, "walk.gif"))
lerp_strip, _, _ = latent_walk(gan, config, seeds=[1, 2], steps=10, method="lerp")
show(np.concatenate([strip[:columns], lerp_strip]), columns, title="seed 1 to seed 2: slerp (top), lerp (bottom)")
"""),
    md("""
## Latent arithmetic

Radford et al. averaged the latents of three exemplars per concept before adding and
subtracting them. Here a real-digit classifier (an SVM on the 8x8 originals,
`gantk.evaluation.digits_check`) reads the samples of 300 seeds, and the concepts are three
seeds each of the digits the generator draws most often. Each row of the grid shows a term's
three samples and, last, its mean latent; the bottom row is the result and seven variants
with small noise. Digits have no "glasses" to add, so expect blends rather than clean
semantics; the mean latents show the prototype each concept averages to.
"""),
    code("""
seeds = np.arange(300)
pictures = np.asarray(gan.generate(seed_latents(seeds, config.latent_dim), training=False))
predicted = digits_classifier().predict(to_digit_features(pictures))
counts = np.bincount(predicted, minlength=10)
common = [int(d) for d in np.argsort(-counts) if counts[d] >= 3]
a, b, c = (common * 3)[:3]
terms = [(+1, seeds[predicted == a][:3].tolist()), (-1, seeds[predicted == b][:3].tolist()), (+1, seeds[predicted == c][:3].tolist())]
print("digits drawn by 300 seeds:", dict(enumerate(counts.tolist())))
print("terms:", terms)
images, columns = arithmetic_grid(gan, config, terms, variations=7)
show(images, columns, title=f"{a} - {b} + {c}")
"""),
    md("""
The same from the command line: `gantk sample RUN`, and the latent tools
`gantk interpolate RUN --seeds 1,2,3,4 --steps 10` (a PNG strip and a GIF) and
`gantk arithmetic RUN --plus SEEDS --minus SEEDS --plus SEEDS`.
"""),
]


EXPORT = [
    md("""
# Export a generator and use it without TensorFlow

`gantk export` writes the generator as ONNX (and SavedModel), checks that the reloaded files
draw the same images as the Keras model, and adds a model card. `gantk.export.runtime`
then runs the ONNX file with numpy and onnxruntime only, so an application can embed the
generator without TensorFlow. The same seed gives the same images everywhere.

`GANTK_NOTEBOOK_STEPS` sets the training length (default 500 steps).
"""),
    code("""
import os
import shutil
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np

from gantk.export.exporter import export_run
from gantk.images import grid
from gantk.training.config import resolve_config
from gantk.training.run import load_run, train
from gantk.training.sampling import sample_uint8

STEPS = int(os.environ.get("GANTK_NOTEBOOK_STEPS", "500"))
RUN_DIR = os.path.join("runs", "notebook-export")
EXPORT_DIR = os.path.join(RUN_DIR, "export")
"""),
    md("## Train a small DCGAN on digits"),
    code("""
shutil.rmtree(RUN_DIR, ignore_errors=True)
config = resolve_config("dcgan", dataset="digits", image_size=16, width=16, latent_dim=32, steps=STEPS, seed=0)
train(config, run_dir=RUN_DIR, progress=False, log=lambda *_: None)
"""),
    md("## Export to ONNX (the export checks parity with the Keras generator before writing)"),
    code("""
result = export_run(RUN_DIR, EXPORT_DIR, formats=("onnx",), log=print)
print(result.files)
print(open(os.path.join(EXPORT_DIR, "README.md")).read()[:600])
"""),
    md("## Load it with the runtime"),
    code("""
from gantk.export.runtime import Generator

generator = Generator.load(os.path.join(EXPORT_DIR, "generator.onnx"))
print(generator)
print({key: generator.metadata[key] for key in ("variant", "dataset", "latent_dim", "image_shape", "training_step")})
images = generator.sample(16, seed=0)
plt.imshow(grid(images, 8)[..., 0], cmap="gray")
plt.axis("off")
plt.show()
"""),
    md("The runtime's images for a seed are the training code's images for that seed:"),
    code("""
loaded = load_run(RUN_DIR)
config, gan = loaded.config, loaded.gan
keras_images = sample_uint8(gan, config, 16, seed=0)
difference = np.abs(keras_images.astype(int) - images.astype(int)).max()
print(f"largest pixel difference between Keras and ONNX runtime: {difference} (of 255)")
assert difference <= 1
"""),
    md("""
## An application without TensorFlow

A fresh Python process that imports only the runtime never loads TensorFlow. Your own latents
(float32 `[batch, latent_dim]`) go through `generator.generate(z)`.
"""),
    code("""
script = f'''
import sys
import numpy as np
from gantk.export.runtime import Generator

generator = Generator.load({os.path.join(EXPORT_DIR, "generator.onnx")!r})
z = np.random.default_rng(3).standard_normal((4, generator.latent_dim)).astype(np.float32)
images = generator.generate(z)
print(images.shape, images.dtype, "tensorflow loaded:", "tensorflow" in sys.modules)
'''
output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
print(output)
assert "tensorflow loaded: False" in output
"""),
]


NOTEBOOKS = {
    "01_gan_on_the_ring.ipynb": RING,
    "02_dcgan_digits.ipynb": DIGITS,
    "03_export_and_runtime.ipynb": EXPORT,
}


def build(folder=HERE):
    paths = []
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells)
        for index, cell in enumerate(notebook.cells):
            cell.id = f"{name[:2]}-{index:02d}"
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebook.metadata["language_info"] = {"name": "python"}
        path = os.path.join(folder, name)
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in build():
        print(path)
