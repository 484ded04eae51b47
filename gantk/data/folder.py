"""A folder of the user's own images, searched recursively.

First-level subfolder names become labels when every image sits in one, as Keras'
``image_dataset_from_directory`` does. JPEGs are streamed (decoded as training reads them), other
formats decoded with Pillow when the folder loads. Links are followed once per real file or folder; unreadable
files and image names that are not regular files (a FIFO, a broken link) are skipped and counted in
one warning, and training keeps the complete list in the run folder.
"""

import os
import stat
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

from gantk.data.resize import RESAMPLE, square_uint8
from gantk.data.source import ImageData
from gantk.data.stream import indexed_examples, jpeg_square, streamed_epochs
from gantk.data.summary import preprocessing
from gantk.errors import DatasetError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
SKIPPED_REPORT = "skipped-files.txt"
"""Name of the complete list of skipped files that training writes in the run folder."""
MAX_WARNED_NAMES = 10


def identity(status):
    """What names one real file or folder, whatever link or path led to it: its device and inode."""
    return status.st_dev, status.st_ino


def find_images(folder):
    """Image files under ``folder``, each real file and folder once however many links lead to it.

    Returns ``(paths, labels, label names, skipped, duplicates)``: sorted paths of regular files;
    when all lie in first-level subfolders, their label indices and names (else ``None``);
    ``skipped`` as ``[(path, reason)]`` for image-named entries that are not regular files
    (a FIFO, a socket, a broken link); ``duplicates`` the number of paths that led to a file already found.
    """
    paths, skipped, duplicates = [], [], 0
    seen_dirs, seen_files = {identity(os.stat(folder))}, set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs.sort()
        for name in list(dirs):
            try:
                real = identity(os.stat(os.path.join(root, name)))
            except OSError:
                dirs.remove(name)
                continue
            if real in seen_dirs:
                dirs.remove(name)
            seen_dirs.add(real)
        for name in sorted(files):
            if not name.lower().endswith(IMAGE_EXTENSIONS):
                continue
            path = os.path.join(root, name)
            try:
                status = os.stat(path)
            except OSError as error:
                skipped.append((path, f"cannot be opened ({error.strerror or error})"))
                continue
            if not stat.S_ISREG(status.st_mode):
                skipped.append((path, "not a regular file"))
                continue
            if identity(status) in seen_files:
                duplicates += 1
                continue
            seen_files.add(identity(status))
            paths.append(path)
    relative = [os.path.relpath(p, folder).split(os.sep) for p in paths]
    if paths and all(len(parts) > 1 for parts in relative):
        names = sorted({parts[0] for parts in relative})
        if len(names) > 1:
            index = {name: i for i, name in enumerate(names)}
            return paths, [index[parts[0]] for parts in relative], names, skipped, duplicates
    return paths, None, None, skipped, duplicates


def to_uint8(image):
    """Pillow image -> 8-bit mode: 16- and 32-bit greys scaled by their range, not clipped at 255."""
    from PIL import Image

    if image.mode.startswith("I;16"):
        return Image.fromarray(np.round(np.asarray(image, dtype=np.float64) / 257.0).astype(np.uint8), "L")
    if image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 1.0 if image.mode == "F" and values.max(initial=0) <= 1.0 else (65535.0 if values.max(initial=0) > 255 else 255.0)
        return Image.fromarray(np.round(np.clip(values / top, 0, 1) * 255.0).astype(np.uint8), "L")
    return image


def has_transparency(image):
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def composite_on_white(image):
    """RGBA over an opaque white background (Porter & Duff 1984, "over"); ``None`` when fully opaque."""
    from PIL import Image

    rgba = image.convert("RGBA")
    if rgba.getextrema()[3][0] == 255:
        return None
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def read_image(path, size, channels):
    """Decode one file with Pillow, then centre-crop and resize it with ``square_uint8``, as the JPEGs
    decoded in training are, so that every file of a folder is resampled alike.

    Returns ``(array, note)``: ``array`` is None when the file is unreadable and ``note`` says why;
    a readable image with transparency gets the note ``"alpha composited on white"``.
    """
    from PIL import Image

    note = None
    try:
        with Image.open(path) as image:
            image.seek(0)
            image = to_uint8(image)
            if has_transparency(image):
                flattened = composite_on_white(image)
                if flattened is not None:
                    image, note = flattened, ALPHA_NOTE
            pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"), dtype=np.uint8)
    except Image.DecompressionBombError:
        return None, "too many pixels (Pillow's decompression bomb limit)"
    except (OSError, ValueError, SyntaxError) as error:
        return None, f"unreadable or corrupt ({type(error).__name__})"
    return square_uint8(pixels, size, channels).numpy(), note


ALPHA_NOTE = "alpha composited on white"


def names_of(items, folder):
    shown = [os.path.relpath(path, folder) for path, _ in items[:MAX_WARNED_NAMES]]
    return ", ".join(shown) + (f" and {len(items) - MAX_WARNED_NAMES} more" if len(items) > MAX_WARNED_NAMES else "")


def reason_counts(items):
    counts = {}
    for _, reason in items:
        counts[reason] = counts.get(reason, 0) + 1
    return "; ".join(f"{count} {reason}" for reason, count in sorted(counts.items()))


JPEG_START, JPEG_END = b"\xff\xd8\xff", b"\xff\xd9"


def is_complete_jpeg(path):
    """Whether ``path`` begins with a JPEG's start-of-image marker and ends with its end-of-image marker: a
    header check of five bytes, which a truncated or misnamed file fails."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        size = os.fstat(handle).st_size
        return size > 4 and os.pread(handle, 3, 0) == JPEG_START and os.pread(handle, 2, size - 2) == JPEG_END
    except OSError:
        return False
    finally:
        os.close(handle)


def folder_example(paths, rows, memory, labels, image_size, channels):
    """``example(index)``: file ``index`` decoded as it is read (a JPEG, ``rows[index] < 0``) or its image
    decoded before training (row ``rows[index]`` of ``memory``), with its label when there are labels."""
    paths, rows = tf.constant(paths), tf.constant(rows, tf.int64)
    memory = tf.constant(memory)

    def example(index):
        row = rows[index]
        if len(memory):
            image = tf.cond(
                row < 0, lambda: jpeg_square(tf.io.read_file(paths[index]), image_size, channels),
                lambda: tf.gather(memory, tf.maximum(row, 0)),
            )
        else:
            image = jpeg_square(tf.io.read_file(paths[index]), image_size, channels)
        out = {"image": image}
        if labels is not None:
            out["label"] = tf.gather(labels, index)
        return out

    return example


def load_folder_images(folder, image_size=64, channels=3):
    """Every readable image under ``folder`` as uint8 ``[image_size, image_size, channels]``.

    JPEGs that pass ``is_complete_jpeg`` are decoded as they are read, by training's ``stream``
    (``gantk.data.stream``); every other file is decoded with Pillow now (16-bit levels scaled,
    transparency composited on white, unreadable files skipped and named), so the up-front cost is
    the header check, not the decoding, of a folder of JPEGs. A JPEG that passes the header check but
    cannot be decoded is left out of each pass.
    """
    if not os.path.isdir(folder):
        raise DatasetError(f"Dataset folder {folder!r} does not exist or is not a directory.")
    paths, labels, names, skipped, duplicates = find_images(folder)
    if not paths:
        raise DatasetError(
            f"Dataset folder {folder!r} holds no image files ({', '.join(IMAGE_EXTENSIONS)}), searched recursively."
        )
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        streamed = list(pool.map(lambda p: p.lower().endswith((".jpg", ".jpeg")) and is_complete_jpeg(p), paths, chunksize=256))
        others = [path for path, jpeg in zip(paths, streamed) if not jpeg]
        decoded = dict(zip(others, pool.map(lambda p: read_image(p, image_size, channels), others)))
    found = len(paths) + len(skipped)
    skipped = skipped + [(path, note) for path, (image, note) in decoded.items() if image is None]
    composited = [(path, note) for path, (image, note) in decoded.items() if note == ALPHA_NOTE]
    keep = [i for i, path in enumerate(paths) if streamed[i] or decoded[path][0] is not None]
    if not keep:
        raise DatasetError(f"Dataset folder {folder!r} has {len(paths)} image files but none could be read.")
    if skipped:
        warnings.warn(
            f"Skipped {len(skipped)} image file(s) in {folder!r} ({reason_counts(skipped)}): {names_of(skipped, folder)}; "
            f"training lists them all in the run folder's {SKIPPED_REPORT}.",
            stacklevel=2,
        )
    if composited:
        warnings.warn(
            f"{len(composited)} image(s) in {folder!r} have transparency, composited on white: {names_of(composited, folder)}.",
            stacklevel=2,
        )
    in_memory = [paths[i] for i in keep if not streamed[i]]
    memory = np.stack([decoded[path][0] for path in in_memory]) if in_memory else np.zeros((0, image_size, image_size, channels), np.uint8)
    row_of = {path: row for row, path in enumerate(in_memory)}
    rows = [row_of.get(paths[i], -1) for i in keep]
    kept_labels = None if labels is None else tf.constant([labels[i] for i in keep], tf.int32)
    example = folder_example([paths[i] for i in keep], rows, memory, kept_labels, image_size, channels)
    streamed_count = len(keep) - len(in_memory)
    return ImageData(
        name=os.path.abspath(folder),
        dataset=indexed_examples(example, len(keep)),
        num_examples=len(keep),
        element_shape=(image_size, image_size, channels),
        label_names=names,
        stream=streamed_epochs(example, len(keep)) if streamed_count else None,
        summary={
            "source": "folder",
            "path": os.path.abspath(folder),
            "files_found": found,
            "read": len(keep),
            "skipped": len(skipped),
            "skipped_reasons": reason_counts(skipped),
            "skipped_report": SKIPPED_REPORT,
            "skipped_files": [{"path": path, "reason": reason} for path, reason in skipped],
            "links_to_files_already_read": duplicates,
            "alpha_composited": len(composited),
            "decoded_as_read": streamed_count,
            "decoded_before_training": len(in_memory),
            "preprocessing": preprocessing(
                size=image_size, channels=channels,
                resample=f"{RESAMPLE}; JPEGs decoded inside the crop as they are read, other formats decoded "
                "by Pillow before training",
            ),
        },
    )
