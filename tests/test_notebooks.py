"""The notebooks run headless with a few training steps, and match the script that writes them."""

import importlib.util
import os
import sys

import nbformat
import pytest

NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "notebooks")
NAMES = ("01_gan_on_the_ring.ipynb", "02_dcgan_digits.ipynb", "03_export_and_runtime.ipynb")
STEPS = {"01_gan_on_the_ring.ipynb": 4, "02_dcgan_digits.ipynb": 4, "03_export_and_runtime.ipynb": 4}


def builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", os.path.join(NOTEBOOKS, "build_notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kernel_manager_factory(tmp_path_factory):
    """Kernels named python3 that run this interpreter, whatever ``python`` on PATH is."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(str(kernels / "python3"))
    specs = KernelSpecManager(kernel_dirs=[str(kernels)])
    assert specs.get_kernel_spec("python3").argv[0] == sys.executable

    def make():
        return KernelManager(kernel_name="python3", kernel_spec_manager=specs)

    return make


def test_notebooks_are_written_by_the_builder_with_outputs_cleared(tmp_path):
    written = builder().build(str(tmp_path))
    assert sorted(os.path.basename(p) for p in written) == sorted(NAMES)
    for name in NAMES:
        committed = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
        nbformat.validate(committed)
        fresh = nbformat.read(str(tmp_path / name), as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in fresh.cells], f"rerun notebooks/build_notebooks.py ({name})"
        for cell in committed.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, name


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_headless(name, tmp_path, kernel_manager_factory):
    from nbclient import NotebookClient

    notebook = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
    env = dict(os.environ, GANTK_NOTEBOOK_STEPS=str(STEPS[name]), TF_CPP_MIN_LOG_LEVEL="2")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    kernel = kernel_manager_factory()
    client = NotebookClient(
        notebook, km=kernel, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute(env=env)
    finally:
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert os.path.isdir(tmp_path / "runs")
