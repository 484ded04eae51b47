"""What the machine is, read without TensorFlow: CPU model, instruction-set extensions, library versions.

Execution choices measured on one machine (``gantk.training.autotune``) are kept under these
facts, so a different CPU, a TensorFlow upgrade or an instruction-set limit measures again.
"""

import functools
import importlib.metadata
import os
import platform

BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
"""x86 flags of native bfloat16 arithmetic; without them oneDNN emulates bf16 and is slower than fp32."""

ISA_PREFIXES = ("sse", "ssse", "avx", "amx", "fma", "f16c", "vnni", "neon", "asimd", "sve", "bf16", "i8mm")
"""/proc/cpuinfo flags that name vector instruction sets (the ones compute kernels dispatch on)."""

ISA_ENVIRONMENT = ("TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "XLA_FLAGS", "TF_NUM_INTRAOP_THREADS",
                   "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS", "ATEN_CPU_CAPABILITY")
"""Environment variables that change which kernels TensorFlow (or the PyTorch reference) runs, or with how many threads."""


@functools.lru_cache(maxsize=1)
def cpuinfo():
    """The first processor's ``/proc/cpuinfo`` fields (``{}`` where there is no such file)."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_flags():
    info = cpuinfo()
    return frozenset((info.get("flags") or info.get("Features") or "").split())


def cpu_model():
    info = cpuinfo()
    return info.get("model name") or info.get("Hardware") or platform.processor() or platform.machine()


def isa_extensions(flags=None):
    """The vector instruction-set flags of ``flags`` (default: this CPU's), sorted."""
    flags = cpu_flags() if flags is None else flags
    return sorted(flag for flag in flags if flag.startswith(ISA_PREFIXES))


def native_bf16(flags=None, environ=None):
    """Whether oneDNN can compute bfloat16 natively here: the CPU has the instructions and
    ``ONEDNN_MAX_CPU_ISA`` (when set) does not limit oneDNN below them."""
    flags = cpu_flags() if flags is None else flags
    environ = os.environ if environ is None else environ
    limit = environ.get("ONEDNN_MAX_CPU_ISA", "ALL").upper()
    allowed = limit == "ALL" or "BF16" in limit or "AMX" in limit or "FP16" in limit
    return allowed and any(flag in flags for flag in BF16_CPU_FLAGS)


def usable_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def package_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def isa_environment(environ=None):
    environ = os.environ if environ is None else environ
    return {name: environ[name] for name in ISA_ENVIRONMENT if name in environ}


def describe_machine(environ=None):
    """The facts a measured execution choice depends on (JSON-ready)."""
    return {
        "cpu_model": cpu_model(),
        "isa": isa_extensions(),
        "cpus": usable_cpus(),
        "tensorflow": package_version("tensorflow"),
        "keras": package_version("keras"),
        "environment": isa_environment(environ),
    }
