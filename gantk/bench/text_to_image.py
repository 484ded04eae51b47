"""The text-to-image benchmark: do images drawn for a caption show what it says?

Protocol (fixed, so that runs compare): captions are written afresh from the shapes grammar
(``gantk.data.captions.make_caption``) with draws from ``CAPTION_SEED``: one caption for each
(colour, kind) pair of the training split and ``HELD_OUT_CAPTIONS`` for each held-out pair
(``gantk.data.shapes.HELD_OUT``, never seen together in training), every other attribute,
template and synonym drawn at random. ``IMAGES_PER_CAPTION`` images of each caption (latent
seed ``SAMPLE_SEED``) are judged by the attribute classifier of real shapes
(``gantk.evaluation.shapes_check``); an image scores on an attribute when the classifier reads
the caption's value. Paraphrases: ``PARAPHRASE_SETS`` attribute sets are written in every
template with fresh synonyms and drawn with the same latents; ``paraphrase_agreement`` is the
fraction of latents whose colour, kind, size and position read the same under every wording.
"""

import numpy as np

from gantk.data.captions import CAPTION_DRAWS, COLOURS, KINDS, POSITIONS, SIZES, TEMPLATES, BACKGROUNDS, make_caption

CAPTION_SEED = 2016
SAMPLE_SEED = 1
IMAGES_PER_CAPTION = 16
HELD_OUT_CAPTIONS = 3
PARAPHRASE_SETS = 10
JUDGED = ("colour", "kind", "size", "position")


def _attributes(rng, colour, kind):
    """[kind, colour, size, position, background] indices with the last three drawn from ``rng``."""
    return [kind, colour, int(rng.integers(len(SIZES))), int(rng.integers(len(POSITIONS))), int(rng.integers(len(BACKGROUNDS)))]


def _wording(rng, attributes, template=None):
    """A caption of ``attributes`` in a random (or the given) template with random synonyms."""
    draws = [int(d) for d in rng.integers(0, 2**31 - 1, CAPTION_DRAWS)]
    draws[0] = draws[0] if template is None else template
    return make_caption(*attributes, draws)


def benchmark_captions(seed=CAPTION_SEED):
    """``{"seen": [(caption, attributes)], "held_out": [...], "paraphrases": [[...] per attribute set]}``."""
    from gantk.data.shapes import HELD_OUT

    rng = np.random.default_rng(seed)
    held = sorted((COLOURS.index(c), KINDS.index(k)) for c, k in HELD_OUT)
    seen_pairs = [(c, k) for c in range(len(COLOURS)) for k in range(len(KINDS)) if (c, k) not in held]
    parts = {"seen": [], "held_out": []}
    for part, pairs in (("seen", seen_pairs), ("held_out", held * HELD_OUT_CAPTIONS)):
        for colour, kind in pairs:
            attributes = _attributes(rng, colour, kind)
            parts[part].append((_wording(rng, attributes), attributes))
    paraphrases = []
    for index in range(PARAPHRASE_SETS):
        colour, kind = held[index // 2] if index % 2 else seen_pairs[index * 3]
        attributes = _attributes(rng, colour, kind)
        paraphrases.append([(_wording(rng, attributes, template), attributes) for template in range(len(TEMPLATES))])
    return {**parts, "paraphrases": paraphrases}


def drawn(run, pairs, n=IMAGES_PER_CAPTION, seed=SAMPLE_SEED):
    """(uint8 images, attributes ``[len(pairs) * n, 5]``): ``n`` images per caption, the same latents for each."""
    from gantk.training.sampling import sample_uint8

    images = np.concatenate([sample_uint8(run.gan, run.config, n, seed=seed, captions=text) for text, _ in pairs])
    attributes = np.repeat(np.asarray([a for _, a in pairs], np.int32), n, axis=0)
    return images, attributes


def judge(run, captions=None, n=IMAGES_PER_CAPTION):
    """Attribute accuracies of a run on the seen and held-out captions, and the paraphrase agreement."""
    from gantk.evaluation.shapes_check import attribute_accuracy, read_attributes

    captions = captions or benchmark_captions()
    result = {}
    for part in ("seen", "held_out"):
        images, attributes = drawn(run, captions[part], n)
        result[part] = {name: float(value) for name, value in attribute_accuracy(images, attributes).items()}
    reads = []
    for group in captions["paraphrases"]:
        images, attributes = drawn(run, group, n)
        found = read_attributes(images)
        reads.append(np.stack([found[name].argmax(axis=1) for name in JUDGED], -1).reshape(len(group), n, len(JUDGED)))
    reads = np.stack(reads)
    result["paraphrase_agreement"] = float(np.mean(np.all(reads == reads[:, :1], axis=(1, 3))))
    return result


def protocol():
    return dict(caption_seed=CAPTION_SEED, sample_seed=SAMPLE_SEED, images_per_caption=IMAGES_PER_CAPTION,
                held_out_captions=HELD_OUT_CAPTIONS, paraphrase_sets=PARAPHRASE_SETS, judged=list(JUDGED))


def format_table(results):
    """A markdown table: one row per run, accuracies on seen and held-out captions and the paraphrase agreement."""
    header = "| run | step | " + " | ".join(f"seen {name}" for name in JUDGED) + " | " + " | ".join(f"held-out {name}" for name in JUDGED) + " | paraphrases agree |"
    lines = [header, "|" + "---|" * (3 + 2 * len(JUDGED))]
    for run_dir, result in results.items():
        cells = [f"{100 * result[part][name]:.1f}%" for part in ("seen", "held_out") for name in JUDGED]
        lines.append(f"| {run_dir} | {result['step']} | " + " | ".join(cells) + f" | {100 * result['paraphrase_agreement']:.1f}% |")
    return "\n".join(lines)
