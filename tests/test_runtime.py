"""The TensorFlow-free ONNX runtime, on tiny generators built directly with ``onnx.helper``."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from gantk.export.errors import InputTypeError, InputValueError
from gantk.export.runtime import Generator
from gantk.latents import latent_vectors
from gantk.pixels import to_uint8

from onnx_toy import LATENT_DIM, NAMES, SHAPE, _reference, _write_generator

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generators")
    return {
        "plain": _write_generator(folder / "plain.onnx"),
        "cond": _write_generator(folder / "cond.onnx", conditional=True),
    }


@pytest.fixture(scope="module")
def plain(files):
    return Generator.load(files["plain"])


@pytest.fixture(scope="module")
def cond(files):
    return Generator.load(files["cond"])


def test_properties_and_metadata(plain, cond):
    assert plain.latent_dim == LATENT_DIM
    assert plain.image_shape == SHAPE
    assert plain.num_classes == 0 and plain.labels == []
    assert cond.num_classes == 3 and cond.labels == NAMES
    meta = cond.metadata
    assert meta["image_shape"] == list(SHAPE) and meta["training_step"] == 2
    assert meta["variant"] == "cgan" and meta["output_range"] == "[-1, 1]"
    meta["labels"].append("mutated")
    assert cond.labels == NAMES
    assert "latent_dim=8" in repr(cond)


def test_sample_shapes_dtypes_and_seeds(plain, cond):
    for generator in (plain, cond):
        images = generator.sample(5, seed=3)
        assert images.shape == (5, *SHAPE) and images.dtype == np.uint8
        np.testing.assert_array_equal(images, generator.sample(5, seed=3))
        assert not np.array_equal(images, generator.sample(5, seed=4))


def test_generate_matches_numpy(plain, cond):
    z = latent_vectors(6, LATENT_DIM, seed=0)
    np.testing.assert_allclose(plain.generate(z, output="float"), _reference(z), atol=1e-5)
    uint8 = plain.generate(z).astype(int)
    assert np.abs(uint8 - to_uint8(_reference(z))).max() <= 1
    labels = [0, 2, 1, 1, 0, 2]
    got = cond.generate(z, labels=labels, output="float")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _reference(z, labels), atol=1e-5)


def test_sample_uses_seeded_latents_and_grid_labels(plain, cond):
    z = latent_vectors(7, LATENT_DIM, seed=9)
    np.testing.assert_array_equal(plain.sample(7, seed=9), plain.generate(z))
    np.testing.assert_array_equal(cond.sample(7, seed=9), cond.generate(z, labels=[0, 0, 0, 1, 1, 2, 2]))


def test_labels_by_name_index_and_scalar(cond):
    z = latent_vectors(3, LATENT_DIM, seed=1)
    by_index = cond.generate(z, labels=np.array([2, 0, 1], np.int64))
    np.testing.assert_array_equal(cond.generate(z, labels=["bird", "cat", "dog"]), by_index)
    np.testing.assert_array_equal(cond.generate(z, labels=["bird", 0, "dog"]), by_index)
    np.testing.assert_array_equal(cond.generate(z, labels="dog"), cond.generate(z, labels=[1, 1, 1]))
    np.testing.assert_array_equal(cond.sample(3, labels=np.int32(2)), cond.sample(3, labels="bird"))


def test_float64_latents_are_cast(plain):
    z = latent_vectors(2, LATENT_DIM, seed=2)
    np.testing.assert_array_equal(plain.generate(z.astype(np.float64)), plain.generate(z))
    np.testing.assert_array_equal(plain.generate(z.tolist()), plain.generate(z))


def test_large_n_runs_in_chunks(files):
    small = Generator.load(files["cond"], chunk_size=4)
    np.testing.assert_array_equal(small.sample(10, seed=5), Generator.load(files["cond"]).sample(10, seed=5))
    assert small.generate(np.zeros((0, LATENT_DIM), np.float32)).shape == (0, *SHAPE)


@pytest.mark.parametrize(
    "z, match",
    [
        (np.zeros((2, LATENT_DIM + 1), np.float32), r"shape \[batch, 8\].*\(2, 9\)"),
        (np.zeros(LATENT_DIM, np.float32), r"z\[None\].*\(8,\)"),
        (np.zeros((1, 2, LATENT_DIM), np.float32), r"shape \[batch, 8\].*\(1, 2, 8\)"),
        (np.zeros((2, LATENT_DIM), np.int64), "floating-point.*int64"),
        (np.full((2, LATENT_DIM), "a"), "floating-point.*<U1"),
        (np.full((1, LATENT_DIM), np.nan, np.float32), "finite"),
        ([[0.0] * LATENT_DIM, [0.0]], "rectangular"),
    ],
)
def test_bad_latents(plain, z, match):
    with pytest.raises(ValueError, match=match):
        plain.generate(z)


@pytest.mark.parametrize(
    "labels, match",
    [
        ([0, 1, 3], r"indices in \[0, 2\].*Received: 3"),
        ([0, -1, 1], r"Received: -1"),
        (["cat", "cow", "dog"], r"names from \['cat', 'dog', 'bird'\].*Received: 'cow'"),
        ([0, 1], "list of 3 labels.*Received: 2 labels"),
        ([[0], [1], [2]], "flat list of 3 labels"),
        ([0.0, 1.0, 2.0], "Received: 0.0"),
        ([True, False, True], "Received: True"),
    ],
)
def test_bad_labels(cond, labels, match):
    with pytest.raises(ValueError, match=match):
        cond.generate(latent_vectors(3, LATENT_DIM), labels=labels)


def test_labels_rejected_by_unconditional(plain):
    with pytest.raises(ValueError, match="None for this unconditional generator.*Received: labels=\\[1, 2\\]"):
        plain.sample(2, labels=[1, 2])


def test_bad_output_and_n(plain):
    with pytest.raises(ValueError, match=r"one of \['float', 'uint8'\].*'png'"):
        plain.generate(latent_vectors(1, LATENT_DIM), output="png")
    with pytest.raises(InputValueError, match="positive integer"):
        plain.sample(0)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda g: g.sample(0), InputValueError, r"`n` must be a positive integer.*n=0"),
        (lambda g: g.sample(-1), InputValueError, r"`n` must be a positive integer.*n=-1"),
        (lambda g: g.sample(2.7), InputTypeError, r"`n` must be an integer.*2.7 \(float\)"),
        (lambda g: g.sample(True), InputTypeError, r"`n` must be an integer"),
        (lambda g: g.sample(2, seed=-1), InputValueError, r"`seed` must be a non-negative integer.*seed=-1"),
        (lambda g: g.sample(2, seed=1.5), InputTypeError, r"`seed` must be an integer"),
        (lambda g: g.sample(10**12), InputValueError, r"`n` must be at most \d+ images.*n=1000000000000"),
        (lambda g: g.generate(np.full((1, LATENT_DIM), 1e300)), InputValueError, "float32 range"),
    ],
)
def test_bad_requests_are_typed_errors(plain, call, error, match):
    with pytest.raises(error, match=match):
        call(plain)


@pytest.mark.parametrize("labels", [1.0, {"a": 1}, object()])
def test_labels_of_the_wrong_type_are_type_errors(cond, labels):
    with pytest.raises(InputTypeError, match="labels"):
        cond.sample(3, labels=labels)


def test_a_huge_n_is_refused_before_anything_is_drawn(plain, monkeypatch):
    import gantk.export.runtime as runtime

    monkeypatch.setattr(runtime, "latent_chunks", lambda *a, **k: pytest.fail("latents were drawn"))
    with pytest.raises(InputValueError, match="at most"):
        plain.sample(10**9)


def test_sample_draws_latents_chunk_by_chunk_as_one_draw(files):
    generator = Generator.load(files["plain"], chunk_size=3)
    np.testing.assert_array_equal(generator.sample(10, seed=4), to_uint8(_reference(latent_vectors(10, LATENT_DIM, 4))))


def test_rejects_missing_non_onnx_and_foreign_files(tmp_path):
    with pytest.raises(ValueError, match="existing ONNX generator file.*missing.onnx"):
        Generator.load(tmp_path / "missing.onnx")
    text = tmp_path / "notes.onnx"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="ONNX file that onnxruntime can load.*notes.onnx"):
        Generator.load(text)
    foreign = _write_generator(tmp_path / "foreign.onnx", gantk_format=None)
    with pytest.raises(ValueError, match="`gantk_format` metadata.*foreign.onnx"):
        Generator.load(foreign)
    future = _write_generator(tmp_path / "future.onnx", gantk_format="generator/2")
    with pytest.raises(ValueError, match="format 'generator/1'.*generator/2"):
        Generator.load(future)
    broken = _write_generator(tmp_path / "broken.onnx", image_shape="[4, 4]")
    with pytest.raises(ValueError, match=r"image_shape is \[H, W, C\]"):
        Generator.load(broken)


def test_runs_without_tensorflow_or_onnx(files, tmp_path):
    out = tmp_path / "images.npy"
    script = textwrap.dedent(
        f"""
        import sys

        BLOCKED = ("tensorflow", "keras", "onnx", "tf2onnx")

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is blocked in this test")
                return None

        sys.meta_path.insert(0, Block())
        import numpy as np
        from gantk.export.runtime import Generator

        generator = Generator.load({files["cond"]!r})
        np.save({str(out)!r}, generator.sample(6, seed=11, labels=["cat", "dog", "bird"] * 2))
        leaked = [name for name in sys.modules if name.split(".")[0] in BLOCKED]
        assert not leaked, leaked
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    expected = Generator.load(files["cond"]).sample(6, seed=11, labels=[0, 1, 2] * 2)
    np.testing.assert_array_equal(np.load(out), expected)
