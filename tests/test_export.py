"""``gantk export``: SavedModel and ONNX files that reload anywhere and make the Keras generator's images."""

import os
import re
import shutil
import subprocess
import sys
import textwrap

import keras
import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx.reference import ReferenceEvaluator
from PIL import Image

from gantk import zoo
from gantk.cli.main import cli
from gantk.export import exporter, parity, saved_model, serving
from gantk.export.errors import ExportError, ParityError
from gantk.export.runtime import Generator
from gantk.images import save_images
from gantk.latents import latent_vectors
from gantk.pixels import to_uint8
from gantk.training.build import build_gan
from gantk.training.config import resolve_config
from gantk.training.config import TrainConfig
from helpers import TINY

CONTRACT_KEYS = {
    "gantk_format", "gantk_version", "variant", "dataset", "latent_dim", "image_shape",
    "num_classes", "labels", "output_range", "training_step", "config_sha256",
}
DIGIT_NAMES = [str(i) for i in range(10)]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def parity_figures(output):
    return {name: float(value) for name, value in re.findall(r"Parity\s+(\w+): max \|difference\| from Keras (\S+)", output)}


def read_png(path):
    return np.asarray(Image.open(path))


@pytest.fixture(scope="module")
def exported(tiny_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "digits"
    result = run("export", tiny_run, "--out", out)
    assert result.exit_code == 0, result.output
    return tiny_run, out, result.output


@pytest.fixture(scope="module")
def conditional_export(tmp_path_factory):
    """A tiny conditional DCGAN exported through the library: a cgan run when the variant exists."""
    root = tmp_path_factory.mktemp("conditional")
    if "cgan" in zoo.names():
        from gantk.training.run import train

        config = resolve_config("cgan", steps=2, arch="dcgan", **TINY)
        run_dir = train(config, run_dir=str(root / "run"), progress=False, log=lambda *_: None)
        result = exporter.export_run(run_dir, log=lambda *_: None)
        return result, TrainConfig.load(os.path.join(run_dir, "config.json"))
    from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator
    from gantk.training.gan import GAN

    config = resolve_config("dcgan", **TINY).with_overrides(image_shape=[16, 16, 1], label_names=DIGIT_NAMES)
    generator = dcgan_generator(8, (16, 16, 1), width=4, num_classes=10)
    gan = GAN(generator, dcgan_discriminator((16, 16, 1), width=4, num_classes=10), latent_dim=8, num_classes=10)
    return exporter.export_generator(gan, config, str(root / "export"), 0, log=lambda *_: None), config


def test_export_writes_both_formats_a_card_and_prints_parity(exported):
    run_dir, out, output = exported
    assert sorted(os.listdir(out)) == ["README.md", "export.json", "generator.onnx", "samples.png", "saved_model"]
    figures = parity_figures(output)
    assert set(figures) == {"SavedModel", "ONNX"} and max(figures.values()) < 1e-4, output
    card = (out / "README.md").read_text()
    for fragment in ["dcgan", "digits", "16 x 16", "| Latent size | 8", "| Training steps | 4 ", "samples.png",
                     "Generator.load", "onnxruntime", "tf.saved_model.load", "Parity"]:
        assert fragment in card, fragment
    assert not [name for name in os.listdir(out.parent) if name.startswith(".")], "staging directory left behind"


def test_onnx_file_follows_the_runtime_contract(exported):
    run_dir, out, _ = exported
    model = onnx.load(out / "generator.onnx")
    onnx.checker.check_model(model, full_check=True)
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    config = TrainConfig.load(os.path.join(run_dir, "config.json"))
    assert set(metadata) == CONTRACT_KEYS
    assert metadata["gantk_format"] == "generator/1" and metadata["variant"] == "dcgan"
    assert (metadata["latent_dim"], metadata["image_shape"], metadata["num_classes"]) == ("8", "[16, 16, 1]", "0")
    assert (metadata["labels"], metadata["training_step"], metadata["output_range"]) == ("[]", "4", "[-1, 1]")
    assert metadata["config_sha256"] == config.sha256()
    assert [i.name for i in model.graph.input] == ["z"]
    assert [o.name for o in model.graph.output] == ["image", "image_uint8"]
    for value in list(model.graph.input) + list(model.graph.output):
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert model.graph.output[1].type.tensor_type.elem_type == onnx.TensorProto.UINT8


def test_onnx_gives_the_same_images_in_onnxruntime_and_the_onnx_reference_runtime(exported):
    _, out, _ = exported
    generator = Generator.load(out / "generator.onnx")
    z = latent_vectors(3, generator.latent_dim, seed=5)
    floats = generator.generate(z, output="float")
    (reference,) = ReferenceEvaluator(str(out / "generator.onnx")).run(["image"], {"z": z})
    np.testing.assert_allclose(reference, floats, atol=1e-5)
    np.testing.assert_allclose(generator.generate(z[1:2], output="float"), floats[1:2], atol=1e-6)  # BatchNorm in inference mode
    assert generator.sample(1, seed=5).shape == (1, 16, 16, 1)
    np.testing.assert_array_equal(generator.sample(3, seed=5), to_uint8(floats))


def test_same_seed_same_images_from_cli_runtime_and_saved_model(exported, tmp_path):
    run_dir, out, _ = exported
    result = run("sample", run_dir, "--n", 16, "--seed", 3, "--out", tmp_path / "x.npy")
    assert result.exit_code == 0, result.output
    from_cli = np.load(tmp_path / "x.npy").astype(int)
    from_runtime = Generator.load(out / "generator.onnx").sample(16, seed=3).astype(int)
    from_saved_model = saved_model.run_saved_model(str(out / "saved_model"), latent_vectors(16, 8, 3))["image_uint8"]
    assert from_cli.shape == from_runtime.shape == (16, 16, 16, 1)
    assert np.abs(from_cli - from_runtime).max() <= 1
    assert np.abs(from_cli - from_saved_model.astype(int)).max() <= 1


def test_samples_png_is_the_runtime_grid(exported):
    run_dir, out, _ = exported
    seed = TrainConfig.load(os.path.join(run_dir, "config.json")).seed
    expected = save_images(Generator.load(out / "generator.onnx").sample(64, seed=seed), str(out.parent / "expected.png"))
    np.testing.assert_array_equal(read_png(out / "samples.png"), read_png(expected))


@pytest.mark.slow
def test_saved_model_serves_in_a_process_without_gantk(exported, tmp_path):
    _, out, _ = exported
    z = latent_vectors(4, 8, seed=7)
    np.save(tmp_path / "z.npy", z)
    code = textwrap.dedent(
        f"""
        import sys

        class BlockGantk:
            def find_spec(self, name, path=None, target=None):
                if name == "gantk" or name.startswith("gantk."):
                    raise ImportError("gantk is not installed here")

        sys.meta_path.insert(0, BlockGantk())
        try:
            import gantk
            raise SystemExit("gantk was importable")
        except ImportError:
            pass
        import numpy as np
        import tensorflow as tf

        serve = tf.saved_model.load({str(out / "saved_model")!r}).signatures["serving_default"]
        assert set(serve.structured_input_signature[1]) == {{"z"}}
        outputs = serve(z=tf.constant(np.load({str(tmp_path / "z.npy")!r})))
        assert outputs["image"].dtype == tf.float32 and outputs["image_uint8"].dtype == tf.uint8
        np.save({str(tmp_path / "out.npy")!r}, outputs["image"].numpy())
        """
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert process.returncode == 0, process.stderr[-2000:]
    expected = Generator.load(out / "generator.onnx").generate(z, output="float")
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-4)


def test_conditional_generator_exports_labels(conditional_export):
    result, config = conditional_export
    assert max(result.parity.values()) < 1e-4
    generator = Generator.load(os.path.join(result.out_dir, "generator.onnx"))
    assert generator.num_classes == 10 and generator.labels == DIGIT_NAMES
    assert generator.metadata["config_sha256"] == config.sha256()
    assert generator.sample(5, seed=1, labels="3").shape == (5, 16, 16, 1)
    z = latent_vectors(10, 8, seed=1)
    labels = np.arange(10, dtype=np.int32)
    served = saved_model.run_saved_model(os.path.join(result.out_dir, "saved_model"), z, labels)
    np.testing.assert_allclose(served["image"], generator.generate(z, labels, output="float"), atol=1e-4)
    assert not np.allclose(served["image"][:1], generator.generate(z[:1], labels=[4], output="float"))
    assert "10 classes" in open(os.path.join(result.out_dir, "README.md")).read()


def test_the_cards_code_runs_and_agrees(exported, conditional_export, monkeypatch):
    for out in (exported[1], conditional_export[0].out_dir):
        monkeypatch.chdir(out)
        blocks = re.findall(r"```python\n(.*?)```", open("README.md").read(), re.S)
        results = []
        for block in blocks:
            namespace = {}
            exec(block, namespace)
            results.append(np.asarray(namespace["images"]))
        assert len(results) == 3 and all(r.shape == (16, 16, 16, 1) and r.dtype == np.uint8 for r in results)
        np.testing.assert_array_equal(results[0], results[1])


@pytest.mark.parametrize("options", [{}, {"virtual_batch_norm": "generator"}], ids=["plain", "virtual-batch-norm"])
def test_mixed_precision_generator_is_exported_as_a_float32_copy(tmp_path, options):
    config = resolve_config("dcgan", **options, **TINY).with_overrides(label_names=DIGIT_NAMES)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        gan = build_gan(config.with_overrides(precision="mixed_float16"))
    finally:
        keras.config.set_dtype_policy(previous)
    assert not serving.is_float32(gan.generator)
    copy = serving.float32_generator(gan)
    assert copy is not gan.generator and serving.is_float32(copy)
    for mine, theirs in zip(copy.get_weights(), gan.generator.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    z = np.random.default_rng(0).standard_normal((8, config.latent_dim)).astype("float32")
    np.testing.assert_allclose(copy(z, training=False), np.asarray(gan.generator(z, training=False), "float32"), atol=1e-2)
    result = exporter.export_generator(gan, config, str(tmp_path / "export"), 0, formats=["onnx"], log=lambda *_: None)
    assert result.parity["onnx"] < 1e-4 and result.files == ["generator.onnx", "samples.png", "README.md", "export.json"]


def test_parity_check_limits():
    reference = np.linspace(-1, 1, 32, dtype=np.float32).reshape(2, 4, 4, 1)
    close = {"image": reference + 5e-5, "image_uint8": to_uint8(reference)}
    assert parity.check_parity(reference, {"onnx": close})["onnx"] == pytest.approx(5e-5, rel=1e-3)
    with pytest.raises(ParityError, match="onnx differs .* by 0.0002"):
        parity.check_parity(reference, {"onnx": {**close, "image": reference + 2e-4}})
    with pytest.raises(ParityError, match="2 uint8 steps"):
        shifted = np.clip(to_uint8(reference).astype(int) + 2, 0, 255).astype(np.uint8)
        parity.check_parity(reference, {"onnx": {**close, "image_uint8": shifted}})


def test_failed_parity_leaves_nothing_behind(exported, tmp_path, monkeypatch):
    run_dir, _, _ = exported
    real = saved_model.run_saved_model

    def drifting(*args):
        outputs = real(*args)
        return {**outputs, "image": outputs["image"] + 1e-3}

    monkeypatch.setattr(saved_model, "run_saved_model", drifting)
    result = run("export", run_dir, "--out", tmp_path / "new")
    assert result.exit_code == 2 and "parity" in result.output and "Traceback" not in result.output, result.output
    assert os.listdir(tmp_path) == []

    earlier = tmp_path / "earlier"
    shutil.copytree(exported[1], earlier)
    with pytest.raises(ParityError, match="Nothing was written"):
        exporter.export_run(run_dir, str(earlier), log=lambda *_: None)
    assert sorted(os.listdir(tmp_path)) == ["earlier"]
    assert sorted(os.listdir(earlier)) == ["README.md", "export.json", "generator.onnx", "samples.png", "saved_model"]


def test_newest_run_default_out_and_one_format(exported, tmp_path, monkeypatch):
    run_dir, _, _ = exported
    shutil.copytree(run_dir, tmp_path / "runs" / "digits", ignore=shutil.ignore_patterns("export"))
    monkeypatch.chdir(tmp_path)
    result = run("export", "--onnx")
    assert result.exit_code == 0, result.output
    assert "newest run" in result.output and os.path.join("runs", "digits") in result.output
    assert sorted(os.listdir("runs/digits/export")) == ["README.md", "export.json", "generator.onnx", "samples.png"]
    result = run("export", "runs/digits", "--saved-model")
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir("runs/digits/export")) == ["README.md", "export.json", "generator.onnx", "samples.png", "saved_model"]


def test_point_generators_are_refused():
    config = resolve_config("dcgan", **TINY).with_overrides(image_shape=[2])
    with pytest.raises(ExportError, match=r"image generators .* shape \[2\]"):
        exporter.export_generator(None, config, "unused", 0)


@pytest.mark.parametrize(
    "case, fragments",
    [
        ("missing run", ["does not exist"]),
        ("no checkpoint", ["has no checkpoint"]),
        ("out under a file", ["Cannot write an export"]),
        ("out holds other files", ["already holds other files"]),
        ("opset 12", ["opset from 13 to 18", "opset=12"]),
        ("opset 99", ["opset from 13 to 18", "opset=99"]),
        ("opset without onnx", ["applies to ONNX only"]),
    ],
)
def test_bad_input_is_one_line_with_status_2(case, fragments, exported, tmp_path):
    run_dir, _, _ = exported
    args = ["export", run_dir, "--out", tmp_path / "out"]
    if case == "missing run":
        args[1] = tmp_path / "no-such-run"
    elif case == "no checkpoint":
        os.makedirs(tmp_path / "fresh")
        shutil.copy(os.path.join(run_dir, "config.json"), tmp_path / "fresh")
        args[1] = tmp_path / "fresh"
    elif case == "out under a file":
        (tmp_path / "file").write_text("")
        args[3] = tmp_path / "file" / "out"
    elif case == "out holds other files":
        os.makedirs(tmp_path / "out")
        (tmp_path / "out" / "notes.txt").write_text("mine")
    elif case == "opset without onnx":
        args += ["--opset", 17, "--saved-model"]
    elif case.startswith("opset"):
        args += ["--opset", case.split()[1]]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in result.output
    if case == "out holds other files":
        assert os.listdir(tmp_path / "out") == ["notes.txt"]
