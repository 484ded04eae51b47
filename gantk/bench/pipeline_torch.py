"""torchvision's ``ImageFolder`` + ``DataLoader`` with PIL decoding, timed on a folder of images.

Run as a script by ``gantk.bench.pipeline`` with a Python that has torch and torchvision (it imports
nothing from gantk): ``python pipeline_torch.py FOLDER --size 64 --crop 108 --workers N --batch-size B``.
The resize is Pillow's box filter, the area average gantk shrinks with (``gantk.data.resize``), so
both sides do the same work. Prints one JSON object: the first pass's images/s and the first
batch's latency, each from the moment the ``DataLoader`` iterator is created (worker start-up
included, as a user waits for it), and images per CPU second (the workers' CPU included), a figure
a busy machine disturbs less.
"""

import argparse
import json
import os
import tempfile
import time


def image_root(folder):
    """``ImageFolder`` wants class subfolders: a folder with loose images is linked as the one class."""
    entries = [os.path.join(folder, name) for name in os.listdir(folder)]
    if any(os.path.isdir(entry) for entry in entries) and not any(os.path.isfile(entry) for entry in entries):
        return folder, None
    wrapper = tempfile.mkdtemp(prefix="gantk-bench-")
    os.symlink(os.path.abspath(folder), os.path.join(wrapper, "images"))
    return wrapper, wrapper


def time_loader(folder, size, crop, workers, batch_size, seed=0):
    import torch
    from torchvision import datasets, transforms

    torch.manual_seed(seed)
    shrink = transforms.Resize(size, interpolation=transforms.InterpolationMode.BOX)
    steps = ([transforms.CenterCrop(crop)] if crop else []) + [shrink, transforms.CenterCrop(size), transforms.PILToTensor()]
    root, wrapper = image_root(folder)
    try:
        dataset = datasets.ImageFolder(root, transform=transforms.Compose(steps))
        loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers)
        started, cpu = time.perf_counter(), cpu_seconds()
        count, first_batch = 0, None
        for images, _ in loader:
            if first_batch is None:
                first_batch = time.perf_counter() - started
            count += len(images)
        seconds = time.perf_counter() - started
        del loader
        cpu = cpu_seconds() - cpu
    finally:
        if wrapper:
            os.remove(os.path.join(wrapper, "images"))
            os.rmdir(wrapper)
    return {"images": count, "first_pass_images_per_s": count / seconds, "first_batch_s": first_batch,
            "first_pass_images_per_cpu_s": count / cpu, "torch": torch.__version__, "shape": list(images.shape[1:])}


def cpu_seconds():
    """User + system CPU of this process and of its finished children (the DataLoader's workers)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--crop", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    print(json.dumps(time_loader(args.folder, args.size, args.crop or None, args.workers, args.batch_size)))


if __name__ == "__main__":
    main()
