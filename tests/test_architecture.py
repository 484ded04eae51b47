"""The package layers point one way (docs/architecture.md), and the option schema is the one source of settings."""

import ast
import json
import os
import subprocess
import sys
import textwrap

import click
import pytest
from click.testing import CliRunner

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = {"gantk": "gantk", "cli": "gantk.cli", "export": "gantk.export"}

LAYERS = (
    ("gantk",),
    ("gantk.metrics",),
    ("gantk.data",),
    ("gantk.nets",),
    ("gantk.zoo",),
    ("gantk.training",),
    ("gantk.evaluation",),
    ("gantk.export",),
    ("gantk.bench",),
    ("gantk.api", "gantk.cli"),
)
"""Bottom to top. A module may import from its own layer and the layers below it, never above.
``gantk`` alone is the package's root modules (errors, options, files, pixels, latents, images,
losses, regularizers, replicas)."""

FACADE = "gantk"
"""``gantk/__init__.py`` reaches ``gantk.api`` lazily (PEP 562) so that ``gantk.train`` works; it is the one exception."""


def layer_of(module):
    """The index in ``LAYERS`` of the longest package prefix of ``module``."""
    best, rank = -1, None
    for index, packages in enumerate(LAYERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and len(package) > best:
                best, rank = len(package), index
    return rank


def package_sources():
    """{module name: source text} of every module of the installed layout."""
    sources = {}
    for folder, package in FOLDERS.items():
        for directory, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                relative = os.path.relpath(os.path.join(directory, name), os.path.join(ROOT, folder))[:-3]
                parts = [part for part in relative.split(os.sep) if part != "__init__"]
                with open(os.path.join(directory, name)) as handle:
                    sources[".".join([package, *parts])] = handle.read()
    return sources


def imports(source, known, module_level_only=False):
    """(line, imported module) pairs of ``source``; ``from a import b`` counts ``a.b`` when that is a module."""
    tree = ast.parse(source)
    nodes = tree.body if module_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("gantk")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gantk"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                found.append((node.lineno, target if target in known else node.module))
    return found


def upward_imports(sources):
    """'module:line imports target (layer a above layer b)' for every import that points up."""
    problems = []
    for module, source in sorted(sources.items()):
        for line, target in imports(source, sources):
            if module == FACADE and target == "gantk.api":
                continue
            if layer_of(target) is not None and layer_of(target) > layer_of(module):
                problems.append(f"{module}:{line} imports {target}, a layer above it ({LAYERS[layer_of(target)][0]} over {LAYERS[layer_of(module)][0]})")
    return problems


def import_cycles(sources):
    """Each cycle of module-level imports, as a list of modules."""
    graph = {m: {t for _, t in imports(s, sources, module_level_only=True) if t in sources and t != m} for m, s in sources.items()}
    cycles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_every_module_belongs_to_a_layer():
    assert [m for m in package_sources() if layer_of(m) is None] == []


def test_no_module_imports_a_layer_above_it():
    assert upward_imports(package_sources()) == []


def test_there_are_no_import_circles():
    assert import_cycles(package_sources()) == []


def test_the_checks_name_an_added_back_import_and_circle():
    sources = dict(package_sources())
    sources["gantk.metrics.frechet"] += "\nfrom gantk.training.run import train\n"
    assert any(p.startswith("gantk.metrics.frechet:") and "gantk.training.run" in p for p in upward_imports(sources))
    sources["gantk.training.schedule"] += "\nimport gantk.training.run\n"
    assert any("gantk.training.schedule" in cycle and "gantk.training.run" in cycle for cycle in import_cycles(sources))


# The option schema.


def test_every_flag_of_the_schema_is_a_train_flag_and_every_train_flag_a_setting():
    from gantk.cli.main import cli
    from gantk.options import OPTIONS

    train = cli.commands["train"]
    flags = {name for param in train.params if isinstance(param, click.Option) for name in param.opts}
    declared = {option.flag_name for option in OPTIONS if option.flag}
    assert declared <= flags
    assert flags - declared == {"--out", "--resume", "--restart", "--quiet"}


def test_variant_defaults_are_declared_options():
    from gantk import zoo
    from gantk.options import BY_NAME

    for name in zoo.names():
        recipe = zoo.get(name)
        assert set(recipe.defaults) <= set(BY_NAME), name
        assert all(BY_NAME[option].variant_specific for option in recipe.takes), name


def test_a_variant_specific_option_is_refused_by_other_variants():
    from gantk.errors import ConfigError
    from gantk.training.config import resolve_config

    assert resolve_config("wgan-gp", gp_weight=5.0).gp_weight == 5.0
    with pytest.raises(ConfigError, match="`gp_weight` applies to wgan-gp, not to dcgan"):
        resolve_config("dcgan", gp_weight=5.0)


def test_a_new_option_is_one_entry_and_reaches_the_flags_and_the_config(tmp_path):
    """Adding one ``Option`` (here before anything else imports the schema) is all a new setting needs."""
    script = textwrap.dedent("""
        import json, sys
        import gantk.options as options
        extra = options.Option("made_up_weight", float, 0.5, "A setting made up by the test.", minimum=0)
        options.OPTIONS = options.OPTIONS + (extra,)
        options.BY_NAME[extra.name] = extra
        from click.testing import CliRunner
        from gantk.cli.main import cli
        from gantk.training.config import resolve_config
        help_text = CliRunner().invoke(cli, ["train", "--help"]).output
        config = resolve_config("dcgan", made_up_weight=0.25)
        print(json.dumps({"help": "--made-up-weight" in help_text, "value": json.loads(config.to_json())["made_up_weight"]}))
    """)
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=str(tmp_path), check=True).stdout
    assert json.loads(output.splitlines()[-1]) == {"help": True, "value": 0.25}


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda c: c.update(batch_szie=c.pop("batch_size")), "Unknown configuration key 'batch_szie'"),
        (lambda c: c.update(batch_size="sixteen"), "Option `batch_size` (--batch-size) must be a positive integer"),
        (lambda c: c.clear() or c.update(variant="dcgan", width=-1), "Option `width` (--width) must be a positive integer"),
    ],
    ids=["misspelled-key", "ill-typed-value", "out-of-range"],
)
def test_a_bad_config_json_is_one_sentence(tmp_path, edit, fragment):
    from gantk.cli.main import cli

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    config = json.load(open(os.path.join(ROOT, "tests", "fixtures", "release-0.1.0", "dcgan-0.1.0", "config.json")))
    edit(config)
    (run_dir / "config.json").write_text(json.dumps(config))
    result = CliRunner().invoke(cli, ["sample", str(run_dir)])
    assert result.exit_code == 2 and fragment in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_config_json_that_is_not_an_object_is_one_sentence(tmp_path):
    from gantk.cli.main import cli

    (tmp_path / "config.json").write_text("5")
    result = CliRunner().invoke(cli, ["sample", str(tmp_path)])
    assert result.exit_code == 2 and "must be a JSON object" in result.output, result.output


@pytest.mark.slow
@pytest.mark.parametrize("name, steps", [("dcgan-0.1.0", 6), ("cgan-0.1.0", 4)])
def test_a_run_written_by_release_0_1_0_resumes_samples_and_exports(tmp_path, name, steps):
    """The fixtures were written by gantk 0.1.0 (settings in an ``options`` dict, minibatch kernels as a dict)."""
    import shutil

    from gantk.cli.main import cli
    from gantk.export.runtime import Generator

    run_dir = tmp_path / name
    shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "release-0.1.0", name), run_dir)
    before = json.load(open(run_dir / "config.json"))
    runner = CliRunner()
    result = runner.invoke(cli, ["train", before["variant"], "--resume", "--out", str(run_dir), "--steps", str(steps), "--quiet"])
    assert result.exit_code == 0, result.output
    assert f"Resuming {run_dir} from step {before['steps']}" in result.output
    after = json.load(open(run_dir / "config.json"))
    assert after["steps"] == steps and "options" not in after
    for key, value in before.pop("options").items():
        if key == "minibatch_discrimination":
            assert (after["minibatch_discrimination"], after["minibatch_kernels"], after["minibatch_kernel_dim"]) == (True, 8, 3)
        else:
            assert after[key] == value, key
    assert runner.invoke(cli, ["sample", str(run_dir), "--n", "4", "--out", str(tmp_path / "s.npy")]).exit_code == 0
    result = runner.invoke(cli, ["export", str(run_dir), "--onnx"])
    assert result.exit_code == 0, result.output
    assert Generator.load(str(run_dir / "export" / "generator.onnx")).sample(2, seed=0).shape[0] == 2


def test_the_schemas_loss_choices_are_the_registered_loss_pairs():
    from gantk import losses
    from gantk.options import LOSSES

    assert set(LOSSES) == set(losses.LOSSES)
