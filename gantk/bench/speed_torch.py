"""The PyTorch DCGAN example (pytorch/examples ``dcgan/main.py``) timed on the same shapes.

Networks and loop as published: ``ConvTranspose2d`` / ``Conv2d`` stacks with BatchNorm, BCE on
sigmoid outputs, Adam 2e-4 (0.5, 0.999), D on the real then the detached fake batch, then G on
the same fake batch. ``ngf = ndf = width`` and one layer per doubling, so width 128 at 64x64
has the layer sizes of gantk's canonical DCGAN. Timed as published (NCHW) and channels-last.

Run as a script by ``gantk.bench.speed`` with a Python that has torch (it imports nothing from
gantk), so that PyTorch can live in another environment and inherits the benchmark's
environment (``ATEN_CPU_CAPABILITY=avx2`` limits it to AVX2):
``python speed_torch.py --image-size 64 --batch-size 64 --width 128 --steps 10 --warmup 3``.
Prints one JSON object.
"""

import argparse
import json
import math
import statistics
import time


def networks(image_size, width, latent_dim=100, channels=3):
    import torch.nn as nn

    doublings = int(math.log2(image_size)) - 2
    filters = width * 2 ** (doublings - 1)
    g = [nn.ConvTranspose2d(latent_dim, filters, 4, 1, 0, bias=False), nn.BatchNorm2d(filters), nn.ReLU(True)]
    for _ in range(doublings - 1):
        g += [nn.ConvTranspose2d(filters, filters // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(filters // 2), nn.ReLU(True)]
        filters //= 2
    g += [nn.ConvTranspose2d(filters, channels, 4, 2, 1, bias=False), nn.Tanh()]
    d, filters = [nn.Conv2d(channels, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)], width
    for _ in range(doublings - 1):
        d += [nn.Conv2d(filters, filters * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(filters * 2), nn.LeakyReLU(0.2, inplace=True)]
        filters *= 2
    d += [nn.Conv2d(filters, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    return nn.Sequential(*g), nn.Sequential(*d)


def time_example(image_size, batch_size, width, steps, warmup, channels_last=False, latent_dim=100):
    """Images/s of the example's training loop (median step after ``warmup`` steps)."""
    import torch

    torch.manual_seed(0)
    generator, discriminator = networks(image_size, width, latent_dim)
    real = torch.rand(batch_size, 3, image_size, image_size) * 2 - 1
    if channels_last:
        generator, discriminator = generator.to(memory_format=torch.channels_last), discriminator.to(memory_format=torch.channels_last)
        real = real.contiguous(memory_format=torch.channels_last)
    criterion = torch.nn.BCELoss()
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    ones, zeros = torch.ones(batch_size), torch.zeros(batch_size)
    times = []
    for _ in range(warmup + steps + 1):
        discriminator.zero_grad()
        criterion(discriminator(real).view(-1), ones).backward()
        fake = generator(torch.randn(batch_size, latent_dim, 1, 1))
        criterion(discriminator(fake.detach()).view(-1), zeros).backward()
        opt_d.step()
        generator.zero_grad()
        criterion(discriminator(fake).view(-1), ones).backward()
        opt_g.step()
        times.append(time.perf_counter())
    gaps = [b - a for a, b in zip(times[warmup:], times[warmup + 1 :])]
    return batch_size / statistics.median(gaps)


def torch_images_per_s(image_size, batch_size, width, steps, warmup):
    """``{"torch_images_per_s", "torch_channels_last_images_per_s", "torch", "torch_cpu_capability", "torch_threads"}``."""
    import torch

    return {
        "torch_images_per_s": time_example(image_size, batch_size, width, steps, warmup),
        "torch_channels_last_images_per_s": time_example(image_size, batch_size, width, steps, warmup, channels_last=True),
        "torch": torch.__version__,
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_threads": torch.get_num_threads(),
    }


def main():
    parser = argparse.ArgumentParser()
    for name, default in (("image-size", 64), ("batch-size", 64), ("width", 128), ("steps", 10), ("warmup", 3)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    print(json.dumps(torch_images_per_s(args.image_size, args.batch_size, args.width, args.steps, args.warmup)))


if __name__ == "__main__":
    main()
