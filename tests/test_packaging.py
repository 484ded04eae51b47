"""The package installs as ``gantk`` only: ``cli/`` and ``export/`` land inside it."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_maps_cli_and_export_into_gantk(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True,
    )
    (wheel,) = tmp_path.glob("gantk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names}
    assert "cli" not in top_level and "export" not in top_level
    assert {"gantk/cli/main.py", "gantk/export/runtime.py", "gantk/zoo/dcgan.py", "gantk/data/pipeline.py", "gantk/bench/pipeline_torch.py"} <= set(names)
    assert {f"gantk/export/web/{name}" for name in ("index.html", "demo.js", "gantk-generator.js", "demo.css")} <= set(names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gantk = gantk.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_help_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from gantk.cli.main import cli\n"
        "result = CliRunner().invoke(cli, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'train' in result.output\n"
        "assert 'tensorflow' not in sys.modules, 'gantk --help imported tensorflow'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
