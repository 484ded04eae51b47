"""Small fake files in the exact formats tensorflow-datasets' builders parse: CelebA's five files and MNIST's idx.gz."""

import gzip
import io
import os
import struct
import zipfile

import numpy as np
from PIL import Image

CELEB_A_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair Blond_Hair "
    "Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup High_Cheekbones "
    "Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline "
    "Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick "
    "Wearing_Necklace Wearing_Necktie Young"
).split()
CELEB_A_LANDMARKS = "lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y".split()
CELEB_A_FILES = (
    "img_align_celeba.zip",
    "list_eval_partition.txt",
    "list_attr_celeba.txt",
    "list_landmarks_align_celeba.txt",
    "identity_CelebA.txt",
)
CROP, HEIGHT, WIDTH = 108, 218, 178
RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)


def marked_face(border=6):
    """A 178x218 image: red outside DCGAN's central 108x108 crop, a blue band ``border`` wide along the
    crop's edge, green inside; after the crop and a resize to 64 no red may remain and the edges are blue."""
    image = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    image[:] = RED
    top, left = (HEIGHT - CROP) // 2, (WIDTH - CROP) // 2
    image[top : top + CROP, left : left + CROP] = BLUE
    image[top + border : top + CROP - border, left + border : left + CROP - border] = GREEN
    return image


def write_celeb_a(folder, partitions=(6, 2, 2), seed=0, marked=False):
    """CelebA's five files in ``folder``: ``partitions`` train/validation/test images; returns their names."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    names = [f"{i:06d}.jpg" for i in range(1, sum(partitions) + 1)]
    splits = [s for s, count in enumerate(partitions) for _ in range(count)]
    with zipfile.ZipFile(os.path.join(folder, "img_align_celeba.zip"), "w") as archive:
        archive.writestr("img_align_celeba/", b"")
        for name in names:
            pixels = marked_face() if marked else rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, format="JPEG", quality=98, subsampling=0 if marked else 2)
            archive.writestr(f"img_align_celeba/{name}", buffer.getvalue())

    def table(headings, row):
        lines = [str(len(names)), " ".join(headings)]
        lines += [f"{name} " + " ".join(f"{v:>3d}" for v in row()) for name in names]
        return "\n".join(lines) + "\n"

    write_text(folder, "list_eval_partition.txt", "".join(f"{n} {s}\n" for n, s in zip(names, splits)))
    write_text(folder, "list_attr_celeba.txt", table(CELEB_A_ATTRIBUTES, lambda: rng.choice([-1, 1], len(CELEB_A_ATTRIBUTES))))
    write_text(folder, "list_landmarks_align_celeba.txt", table(CELEB_A_LANDMARKS, lambda: rng.integers(60, 160, len(CELEB_A_LANDMARKS))))
    write_text(folder, "identity_CelebA.txt", "".join(f"{n} {rng.integers(1, 10177)}\n" for n in names))
    return names


def write_text(folder, name, text):
    with open(os.path.join(folder, name), "w") as handle:
        handle.write(text)


MNIST_SPLITS = {"train": 60_000, "t10k": 10_000}
"""tensorflow-datasets' MNIST builder reads exactly this many images from each file."""


def write_mnist(folder, seed=0):
    """MNIST's four idx files, gzipped, under the names in tfds' checksums file; image ``i`` is a
    28x28 square of grey level ``label * 20`` so an example's label can be read from its pixels."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for prefix, count in MNIST_SPLITS.items():
        labels = rng.integers(0, 10, count).astype(np.uint8)
        images = np.repeat((labels * 20)[:, None], 28 * 28, axis=1).astype(np.uint8)
        with gzip.open(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), "wb", compresslevel=1) as handle:
            handle.write(struct.pack(">iiii", 2051, count, 28, 28) + images.tobytes())
        with gzip.open(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), "wb", compresslevel=1) as handle:
            handle.write(struct.pack(">ii", 2049, count) + labels.tobytes())
