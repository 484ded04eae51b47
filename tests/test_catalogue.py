"""A catalogue of hostile inputs: each gives one sentence and the documented exit code, no traceback, nothing written.

The CLI entries run in-process through click's ``CliRunner`` inside a scratch folder that is
snapshot before and after (sizes and modification times of every path): a refused command
must leave it exactly as it was. Exit codes: 2 for an input the user can fix (a ``GantkError``
or a click usage error), 1 for anything unexpected (one sentence and a hint to rerun with
``--verbose``). Runtime entries call ``gantk.export.runtime.Generator`` and expect a typed
``ValueError``/``TypeError`` from ``gantk.export.errors`` with a one-line message. Inputs that
the declared option schema checks are refused before any data loads.
"""

import os
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from gantk.cli.main import cli
from gantk.export.errors import InputTypeError, InputValueError
from gantk.training.lock import RunLock

FLAGS = ["--image-size", "16", "--width", "4", "--batch-size", "8", "--latent-dim", "8", "--steps", "2", "--quiet"]


def snapshot(folder):
    state = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            state[os.path.relpath(path, folder)] = (info.st_size, info.st_mtime_ns) if name in files else None
    return state


def copy_run(run, work, name="run"):
    shutil.copytree(run, work / name)
    return str(work / name)


def corrupt_all(run, work):
    target = copy_run(run, work)
    for name in os.listdir(os.path.join(target, "checkpoints")):
        if name.endswith(".npz"):
            with open(os.path.join(target, "checkpoints", name), "r+b") as handle:
                handle.seek(60)
                handle.write(b"\xff\xff\xff\xff")
    return target


def pickled(run, work):
    target = copy_run(run, work)
    folder = os.path.join(target, "checkpoints")
    for name in [n for n in os.listdir(folder) if n.endswith(".npz")]:
        os.remove(os.path.join(folder, name + ".sha256"))
        with np.load(os.path.join(folder, name)) as stored:
            arrays = {key: stored[key] for key in stored.files}
        arrays["generator/0000"] = np.array([print], dtype=object)
        np.savez(os.path.join(folder, name), **arrays)
    return target


def with_config(text):
    def setup(run, work):
        target = copy_run(run, work)
        with open(os.path.join(target, "config.json"), "w") as handle:
            handle.write(text)
        return target

    return setup


def config_only(run, work):
    target = work / "bare"
    target.mkdir()
    shutil.copy(os.path.join(run, "config.json"), target / "config.json")
    return str(target)


def image_folder(work, files=()):
    from PIL import Image

    folder = work / "images"
    folder.mkdir(exist_ok=True)
    for i in range(4):
        Image.fromarray(np.full((16, 16, 3), 40 * i, np.uint8)).save(folder / f"{i}.png")
    for name, content in files:
        (folder / name).write_bytes(content)
    return str(folder)


def text_only_folder(run, work):
    folder = work / "texts"
    folder.mkdir()
    (folder / "a.png").write_text("not an image")
    (folder / "b.jpg").write_bytes(b"\x89PNG\r\n")
    return str(folder)


def empty_folder(run, work):
    (work / "empty").mkdir()
    return str(work / "empty")


def a_file(run, work):
    (work / "file.txt").write_text("x")
    return str(work / "file.txt")


def cli_case(name, args, code, fragment, setup=None, marks=(), locked=False):
    return pytest.param(args, code, fragment, setup, locked, id=name, marks=marks)


CLI_CASES = [
    cli_case("unknown-variant", ["train", "nogan"], 2, "Unknown GAN variant 'nogan'"),
    cli_case("unknown-dataset", ["train", "dcgan", "--dataset", "no_such_data", *FLAGS], 2, "Unknown dataset"),
    cli_case("image-size-24", ["train", "dcgan", "--image-size", "24"], 2, "power of two"),
    cli_case("image-size-text", ["train", "dcgan", "--image-size", "big"], 2, "not a valid integer"),
    cli_case("channels-2", ["train", "dcgan", "--channels", "2"], 2, "must be one of 1, 3"),
    cli_case("negative-learning-rate", ["train", "dcgan", "--d-learning-rate", "-1"], 2, "d-learning-rate"),
    cli_case("unknown-loss", ["train", "dcgan", "--loss", "nonsense", *FLAGS], 2, "nonsense"),
    cli_case("hidden-not-numbers", ["train", "gan", "--hidden", "a,b"], 2, "hidden"),
    cli_case("unknown-flag", ["train", "dcgan", "--no-such-flag"], 2, "No such option"),
    cli_case("resume-without-out", ["train", "dcgan", "--resume"], 2, "--resume needs --out"),
    cli_case("batch-size-0", ["train", "dcgan", *FLAGS, "--batch-size", "0", "--out", "{work}/r"], 2, "batch_size"),
    cli_case("d-steps-0", ["train", "dcgan", *FLAGS, "--d-steps", "0", "--out", "{work}/r"], 2, "d_steps"),
    cli_case("latent-dim-negative", ["train", "dcgan", *FLAGS, "--latent-dim", "-3", "--out", "{work}/r"], 2, "latent_dim"),
    cli_case("width-0", ["train", "dcgan", *FLAGS, "--width", "0", "--out", "{work}/r"], 2, "width"),
    cli_case("seed-negative", ["train", "dcgan", *FLAGS, "--seed", "-1", "--out", "{work}/r"], 2, "seed"),
    cli_case("image-size-4096", ["train", "dcgan", *FLAGS, "--image-size", "4096", "--out", "{work}/r"], 2, "image_size"),
    cli_case("checkpoint-every-negative", ["train", "dcgan", *FLAGS, "--checkpoint-every", "-5", "--out", "{work}/r"], 2, "checkpoint_every"),
    cli_case("checkpoint-every-0", ["train", "dcgan", *FLAGS, "--checkpoint-every", "0", "--out", "{work}/r"], 2, "checkpoint_every"),
    cli_case("steps-0", ["train", "dcgan", *FLAGS, "--steps", "0", "--out", "{work}/r"], 2, "steps"),
    cli_case("steps-negative", ["train", "dcgan", *FLAGS, "--steps", "-5", "--out", "{work}/r"], 2, "steps"),
    cli_case("epochs-negative", ["train", "dcgan", *FLAGS, "--epochs", "-1", "--out", "{work}/r"], 2, "epochs"),
    cli_case("out-under-a-file", ["train", "dcgan", *FLAGS, "--out", "{target}/run"], 2, "cannot be created", setup=a_file),
    cli_case("out-is-the-dataset", ["train", "dcgan", *FLAGS, "--dataset", "{target}", "--out", "{target}"], 2, "inside the dataset folder", setup=lambda r, w: image_folder(w)),
    cli_case("out-inside-the-dataset", ["train", "dcgan", *FLAGS, "--dataset", "{target}", "--out", "{target}/run"], 2, "inside the dataset folder", setup=lambda r, w: image_folder(w)),
    cli_case("dataset-empty-folder", ["train", "dcgan", *FLAGS, "--dataset", "{target}", "--out", "{work}/r"], 2, "holds no image files", setup=empty_folder),
    cli_case("dataset-unreadable-images", ["train", "dcgan", *FLAGS, "--dataset", "{target}", "--out", "{work}/r"], 2, "none could be read", setup=text_only_folder),
    cli_case("dataset-is-a-file", ["train", "dcgan", *FLAGS, "--dataset", "{target}", "--out", "{work}/r"], 2, "dataset", setup=a_file),
    cli_case("new-run-into-a-run", ["train", "dcgan", *FLAGS, "--out", "{target}"], 2, "--resume to continue it", setup=copy_run),
    cli_case("resume-and-restart", ["train", "dcgan", "--resume", "--restart", "--out", "{target}"], 2, "exclude each other", setup=copy_run),
    cli_case("resume-an-empty-folder", ["train", "dcgan", "--resume", "--out", "{target}"], 2, "not a gantk run directory", setup=empty_folder),
    cli_case("resume-a-missing-folder", ["train", "dcgan", "--resume", "--out", "{work}/missing"], 2, "does not exist"),
    cli_case("resume-changing-the-model", ["train", "dcgan", "--resume", "--out", "{target}", "--batch-size", "32", "--latent-dim", "50", "--quiet"], 2, "batch_size (saved 8, given 32), latent_dim (saved 8, given 50)", setup=copy_run),
    cli_case("resume-another-variant", ["train", "wgan", "--resume", "--out", "{target}", "--quiet"], 2, "variant (saved 'dcgan', given 'wgan')", setup=copy_run),
    cli_case("resume-with-fewer-steps", ["train", "dcgan", "--resume", "--out", "{target}", "--steps", "1", "--quiet"], 2, "at least the checkpoint's step 4", setup=copy_run),
    cli_case("resume-a-locked-run", ["train", "dcgan", "--resume", "--out", "{target}", "--quiet"], 2, "in use by another gantk process", setup=copy_run, locked=True),
    cli_case("resume-all-checkpoints-corrupt", ["train", "dcgan", "--resume", "--out", "{target}", "--quiet"], 2, "no intact checkpoint", setup=corrupt_all),
    cli_case("config-json-invalid", ["train", "dcgan", "--resume", "--out", "{target}", "--quiet"], 2, "not valid JSON", setup=with_config("{")),
    cli_case("config-json-a-number", ["train", "dcgan", "--resume", "--out", "{target}", "--quiet"], 2, "config", setup=with_config("5")),
    cli_case("config-json-batch-size-text", ["train", "dcgan", "--resume", "--out", "{target}", "--quiet"], 2, "batch_size", setup=with_config('{"variant": "dcgan", "batch_size": "sixteen"}')),
    cli_case("sample-missing-run", ["sample", "{work}/no/such/run"], 2, "does not exist"),
    cli_case("sample-not-a-run", ["sample", "{target}", "--out", "{work}/s.png"], 2, "not a gantk run directory", setup=empty_folder),
    cli_case("sample-no-checkpoint", ["sample", "{target}", "--out", "{work}/s.png"], 2, "has no checkpoint yet", setup=config_only),
    cli_case("sample-txt-out", ["sample", "{target}", "--out", "{work}/s.txt"], 2, "must name a .png or .npy file", setup=copy_run),
    cli_case("sample-n-0", ["sample", "{target}", "--n", "0"], 2, "--n", setup=copy_run),
    cli_case("sample-n-huge", ["sample", "{target}", "--n", "100000000", "--out", "{work}/s.png"], 2, "must be at most", setup=copy_run),
    cli_case("sample-seed-negative", ["sample", "{target}", "--seed", "-1", "--out", "{work}/s.png"], 2, "--seed", setup=copy_run),
    cli_case("sample-label-unconditional", ["sample", "{target}", "--label", "3", "--out", "{work}/s.png"], 2, "not class-conditional", setup=copy_run),
    cli_case("sample-corrupt-checkpoints", ["sample", "{target}", "--out", "{work}/s.png"], 2, "--restart", setup=corrupt_all),
    cli_case("sample-pickled-checkpoint", ["sample", "{target}", "--out", "{work}/s.png"], 2, "no intact checkpoint", setup=pickled),
    cli_case("interpolate-negative-seed", ["interpolate", "{target}", "--seeds", "-1,2", "--out", "{work}/i.png"], 2, "non-negative integers", setup=copy_run),
    cli_case("interpolate-text-seeds", ["interpolate", "{target}", "--seeds", "a,b", "--out", "{work}/i.png"], 2, "seeds", setup=copy_run),
    cli_case("interpolate-one-step", ["interpolate", "{target}", "--steps", "1"], 2, "--steps", setup=copy_run),
    cli_case("export-missing-run", ["export", "{work}/nothing"], 2, "does not exist"),
    cli_case("export-opset-3", ["export", "{target}", "--onnx", "--opset", "3", "--out", "{work}/e"], 2, "opset", setup=copy_run),
]


@pytest.fixture
def work(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("args, code, fragment, setup, locked", CLI_CASES)
def test_bad_cli_input(args, code, fragment, setup, locked, work, tiny_run):
    target = setup(tiny_run, work) if setup else ""
    args = [arg.format(work=work, target=target) for arg in args]
    before = snapshot(work)
    lock = RunLock(target).acquire() if locked else None
    try:
        result = CliRunner().invoke(cli, args, env={"GANTK_VERBOSE": ""})
    finally:
        if lock:
            lock.release()
    output = result.output
    assert result.exit_code == code, output
    assert "Traceback" not in output and not isinstance(result.exception, (AssertionError, KeyError, TypeError))
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, output
    assert fragment in output, output
    assert snapshot(work) == before, "the refused command wrote into the work folder"


@pytest.fixture(scope="module")
def generators(tmp_path_factory):
    from gantk.export.runtime import Generator

    from onnx_toy import _write_generator

    folder = tmp_path_factory.mktemp("onnx")
    return {
        "plain": Generator.load(_write_generator(folder / "plain.onnx")),
        "cond": Generator.load(_write_generator(folder / "cond.onnx", conditional=True)),
        "folder": folder,
    }


RUNTIME_CASES = [
    ("sample-0", lambda g: g["plain"].sample(0), InputValueError),
    ("sample-negative", lambda g: g["plain"].sample(-1), InputValueError),
    ("sample-float-n", lambda g: g["plain"].sample(2.7), InputTypeError),
    ("sample-text-n", lambda g: g["plain"].sample("3"), InputTypeError),
    ("sample-huge-n", lambda g: g["plain"].sample(10**13), InputValueError),
    ("seed-negative", lambda g: g["plain"].sample(2, seed=-1), InputValueError),
    ("seed-float", lambda g: g["plain"].sample(2, seed=0.5), InputTypeError),
    ("label-float", lambda g: g["cond"].sample(2, labels=1.0), InputTypeError),
    ("label-out-of-range", lambda g: g["cond"].sample(2, labels=7), InputValueError),
    ("label-unknown-name", lambda g: g["cond"].sample(2, labels="horse"), InputValueError),
    ("labels-on-unconditional", lambda g: g["plain"].sample(2, labels=0), InputValueError),
    ("latent-1e300", lambda g: g["plain"].generate(np.full((1, 8), 1e300)), InputValueError),
    ("latent-nan", lambda g: g["plain"].generate(np.full((1, 8), np.nan)), InputValueError),
    ("latent-integers", lambda g: g["plain"].generate(np.zeros((1, 8), np.int32)), InputTypeError),
    ("latent-wrong-width", lambda g: g["plain"].generate(np.zeros((1, 9), np.float32)), InputValueError),
    ("load-none", lambda g: __import__("gantk.export.runtime").export.runtime.Generator.load(None), InputTypeError),
    ("chunk-size-float", lambda g: type(g["plain"])(g["plain"].session, chunk_size=2.5), InputTypeError),
    ("chunk-size-0", lambda g: type(g["plain"])(g["plain"].session, chunk_size=0), InputValueError),
    ("output-kind", lambda g: g["plain"].generate(np.zeros((1, 8), np.float32), output="png"), InputValueError),
]


@pytest.mark.parametrize("call, error", [pytest.param(c, e, id=n) for n, c, e in RUNTIME_CASES])
def test_bad_runtime_call(call, error, generators):
    with pytest.raises(error) as raised:
        call(generators)
    assert isinstance(raised.value, (ValueError, TypeError))
    message = str(raised.value)
    assert "\n" not in message and message.startswith("Argument `"), message


@pytest.mark.parametrize("content", [None, b"not a model", b"\x08\x07" + b"\x00" * 64])
def test_bad_runtime_files(content, generators, tmp_path):
    from gantk.errors import GantkError
    from gantk.export.runtime import Generator

    path = tmp_path / "generator.onnx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(GantkError) as raised:
        Generator.load(path)
    assert "\n" not in str(raised.value)


def test_the_catalogue_holds_at_least_40_inputs():
    assert len(CLI_CASES) + len(RUNTIME_CASES) + 3 >= 40
    assert len({case.id for case in CLI_CASES}) == len(CLI_CASES)


@pytest.mark.slow
def test_sample_into_an_unwritable_place_is_one_sentence(tiny_run, work):
    (work / "file").write_text("x")
    result = CliRunner().invoke(cli, ["sample", tiny_run, "--n", "2", "--out", str(work / "file" / "s.png")])
    assert result.exit_code == 2 and "Cannot write" in result.output and "Traceback" not in result.output
