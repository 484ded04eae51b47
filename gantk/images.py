"""Sample grids as PNG files and raw arrays as ``.npy``."""

import math

import numpy as np

from gantk.files import atomic_path


def grid(images, columns=None, padding=1):
    """Tile uint8 ``[N, H, W, C]`` images into one ``[rows*H, columns*W, C]`` picture."""
    images = np.asarray(images)
    n, height, width, channels = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    out = np.zeros((rows * (height + padding) + padding, columns * (width + padding) + padding, channels), np.uint8)
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = padding + row * (height + padding), padding + column * (width + padding)
        out[top : top + height, left : left + width] = image
    return out


def save_images(images, path, columns=None, upscale=None):
    """Write uint8 images as a grid PNG (or the raw array when ``path`` ends in ``.npy``), atomically."""
    from PIL import Image

    images = np.asarray(images)
    with atomic_path(path) as temporary:
        if path.endswith(".npy"):
            with open(temporary, "wb") as handle:
                np.save(handle, images)
            return path
        picture = grid(images, columns)
        if upscale is None:
            upscale = max(1, 512 // max(picture.shape[:2]))
        mode = "L" if picture.shape[-1] == 1 else "RGB"
        image = Image.fromarray(picture[..., 0] if mode == "L" else picture, mode)
        if upscale > 1:
            image = image.resize((image.width * upscale, image.height * upscale), Image.Resampling.NEAREST)
        image.save(temporary, format="PNG")
    return path
