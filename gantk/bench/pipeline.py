"""The input pipeline timed on real files: first pass (read, decode, crop, resize), cached pass, first batch.

For a folder, gantk's streaming pipeline (``gantk.data.stream``) is timed beside torchvision's
``ImageFolder`` + ``DataLoader`` with PIL decoding on the same files, the same crop and size and the
same number of workers (``gantk.bench.pipeline_torch``, run by a Python that has torch and torchvision).
Both read files the page cache already holds: every file is read once before either is timed. For a
named dataset (bundled or tensorflow-datasets) the loader ``gantk.data.load_dataset`` returns is timed.
"""

import os
import time

from gantk.bench.reference_python import run_reference, torch_python
from gantk.machine import cpu_model

CELEB_A_CROP = 108


def time_pass(make_batches):
    """``(images, seconds, CPU seconds, first batch seconds, first batch CPU seconds)`` of one pass over
    ``make_batches()``, timed from before the pipeline is built (tracing the decode function included).
    CPU seconds are the whole process's, every thread included."""
    started, cpu = time.perf_counter(), time.process_time()
    count, first, first_cpu = 0, None, None
    for batch in make_batches():
        if first is None:
            first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
        count += int(batch["image"].shape[0])
    return count, time.perf_counter() - started, time.process_time() - cpu, first, first_cpu


def warm_page_cache(paths):
    for path in paths:
        with open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass


def figures(first, cached):
    (count, seconds, cpu, first_batch, first_batch_cpu), (cached_count, cached_seconds, *_) = first, cached
    return {
        "images": count, "first_pass_images_per_s": count / seconds, "first_pass_images_per_cpu_s": count / cpu,
        "first_batch_s": first_batch,
        "first_batch_cpu_s": first_batch_cpu, "cached_images_per_s": cached_count / cached_seconds,
    }


def bench_folder(folder, image_size=64, crop=None, workers=None, batch_size=64, seed=0):
    import tensorflow as tf

    from gantk.data.folder import find_images
    from gantk.data.stream import file_images

    paths = find_images(folder)[0]
    warm_page_cache(paths)
    cached = []

    def first_pass():
        cached.append(file_images(paths, image_size, crop=crop, workers=workers, seed=seed).cache())
        return cached[0].batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def cached_pass():
        return cached[0].shuffle(min(len(paths), 10_000), seed=seed + 1).batch(batch_size).prefetch(tf.data.AUTOTUNE)

    first = time_pass(first_pass)
    return figures(first, time_pass(cached_pass))


def bench_named(name, image_size=None, data_dir=None, batch_size=64):
    import tensorflow as tf

    from gantk.data import load_dataset

    data = load_dataset(name, image_size=image_size, data_dir=data_dir)
    def batches():
        return data.dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    return figures(time_pass(batches), time_pass(batches))


def bench_torch(python, folder, image_size, crop, workers, batch_size):
    return run_reference(python, "pipeline_torch.py", [folder, "--size", image_size, "--crop", crop or 0, "--workers", workers,
                                                      "--batch-size", batch_size])


def run_pipeline_bench(dataset, workers=None, image_size=64, crop=None, batch_size=64, data_dir=None, torch=None, log=print):
    """Time the pipeline of ``dataset`` (a folder or a name); with a folder and a torch Python, torchvision too."""
    from gantk.data import looks_like_path
    from gantk.errors import DatasetError

    workers = workers or os.cpu_count() or 1
    result = {"dataset": dataset, "workers": workers, "image_size": image_size, "batch_size": batch_size,
              "cpu": cpu_model(), "cpus": os.cpu_count()}
    if looks_like_path(dataset):
        folder = os.path.expanduser(dataset)
        if not os.path.isdir(folder):
            raise DatasetError(f"Dataset folder {dataset!r} does not exist or is not a directory.")
        result["crop"] = crop or "largest centre square"
        result["gantk"] = bench_folder(folder, image_size, crop, workers, batch_size)
        python = torch_python(torch)
        if python:
            result["torchvision"] = bench_torch(python, folder, image_size, crop, workers, batch_size)
    else:
        result["gantk"] = bench_named(dataset, image_size, data_dir, batch_size)
    for line in report_lines(result):
        log(line)
    return result


def report_lines(result):
    ours = result["gantk"]
    lines = [
        f"Input pipeline on {result['dataset']} ({ours['images']} images, {result['image_size']}x{result['image_size']}, "
        f"crop {result.get('crop', 'as the dataset defines')}, "
        f"{str(result['workers']) + ' workers' if 'crop' in result else 'tf.data autotuned threads'}, batch {result['batch_size']}; "
        f"{result['cpus']} CPUs: {result['cpu']})",
        f"  gantk first pass (read, decode, crop, resize): {ours['first_pass_images_per_s']:,.0f} images/s, "
        f"{ours['first_pass_images_per_cpu_s']:,.0f} per CPU second",
        f"  gantk cached pass: {ours['cached_images_per_s']:,.0f} images/s",
        f"  gantk first batch: {ours['first_batch_s']:.3f} s from building the pipeline ({ours['first_batch_cpu_s']:.3f} s of CPU)",
    ]
    theirs = result.get("torchvision")
    if theirs and "error" not in theirs:
        ratio = ours["first_pass_images_per_s"] / theirs["first_pass_images_per_s"]
        cpu_ratio = ours["first_pass_images_per_cpu_s"] / theirs["first_pass_images_per_cpu_s"]
        lines += [
            f"  torchvision ImageFolder + DataLoader (PIL), first pass: {theirs['first_pass_images_per_s']:,.0f} images/s, "
            f"{theirs['first_pass_images_per_cpu_s']:,.0f} per CPU second; first batch {theirs['first_batch_s']:.3f} s "
            f"from creating the DataLoader (torch {theirs['torch']})",
            f"  gantk / torchvision, first pass: {ratio:.2f}x in images/s, {cpu_ratio:.2f}x per CPU second",
        ]
        result["first_pass_ratio_vs_torchvision"] = ratio
        result["first_pass_cpu_ratio_vs_torchvision"] = cpu_ratio
    elif theirs:
        lines.append(f"  torchvision: failed ({theirs['error']})")
    elif "crop" in result:
        lines.append("  torchvision: not importable here (pass --torch-python PATH to a Python that has it)")
    return lines
