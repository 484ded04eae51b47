"""FusedBatchNormalization: the Keras layer's numbers through TensorFlow's fused kernel."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from gantk.bench import speed
from gantk.nets.batch_norm import FusedBatchNormalization
from gantk.nets.dcgan import dcgan_discriminator, dcgan_generator

SHAPE = (8, 5, 5, 6)


def paired_layers(policy="float32", **kwargs):
    """A Keras BatchNormalization and a FusedBatchNormalization built alike, gamma not all ones."""
    pair = []
    for kind in (keras.layers.BatchNormalization, FusedBatchNormalization):
        layer = kind(momentum=0.9, epsilon=1e-5, dtype=policy, **kwargs)
        layer.build(SHAPE)
        if layer.scale:
            layer.gamma.assign(np.linspace(0.5, 2.0, SHAPE[-1]))
        pair.append(layer)
    return pair


def step(layer, training=True):
    """Output, gradients (input and weights) of a weighted sum, and the moving statistics after one call."""
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, SHAPE), dtype=layer.compute_dtype)
    weights = tf.constant(rng.normal(size=SHAPE), dtype="float32")

    @tf.function
    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=training)
            loss = tf.reduce_sum(tf.cast(y, "float32") * weights)
        return [y, *tape.gradient(loss, [x, *layer.trainable_variables])]

    graph_ops = {op.type for op in run.get_concrete_function(x).graph.get_operations()}
    results = [np.asarray(tf.cast(t, "float32")) for t in run(x)]
    return results + [layer.moving_mean.numpy(), layer.moving_variance.numpy()], graph_ops


@pytest.mark.parametrize("policy, atol", [("float32", 2e-5), ("mixed_bfloat16", 2e-2)])
@pytest.mark.parametrize("center_scale", [True, False])
def test_the_fused_training_step_computes_what_keras_computes(policy, atol, center_scale):
    plain, fused = paired_layers(policy, center=center_scale, scale=center_scale)
    expected, plain_ops = step(plain)
    got, fused_ops = step(fused)
    assert "FusedBatchNormV3" in fused_ops and "FusedBatchNormV3" not in plain_ops
    names = ["output", "input gradient", *[f"{v.name} gradient" for v in fused.trainable_variables], "moving mean", "moving variance"]
    for name, want, have in zip(names, expected, got, strict=True):
        np.testing.assert_allclose(have, want, atol=atol, rtol=atol, err_msg=name)


def test_a_penalty_on_the_input_gradient_differentiates_as_through_keras():
    """An R1-style penalty takes the gradient of the input gradient; it must match Keras' layer
    (TensorFlow's own second derivative of the fused op differs by up to 30% here)."""
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(1.0, 2.0, SHAPE), dtype="float32")
    kernel_init = rng.normal(size=(3, 3, SHAPE[-1], SHAPE[-1])).astype("float32") * 0.3
    channel_weights = tf.range(SHAPE[-1], dtype="float32")
    results = []
    for layer in paired_layers():
        layer.beta.assign(np.linspace(-1.0, 1.0, SHAPE[-1]))
        kernel = tf.Variable(kernel_init)

        @tf.function
        def penalty_gradients(x):
            with tf.GradientTape() as outer:
                with tf.GradientTape() as inner:
                    inner.watch(x)
                    h = layer(tf.nn.conv2d(x, kernel, 1, "SAME"), training=True)
                    score = tf.reduce_sum(tf.nn.leaky_relu(h, 0.2) * channel_weights)
                penalty = tf.reduce_sum(tf.square(inner.gradient(score, x)))
            return [penalty, *outer.gradient(penalty, [kernel, *layer.trainable_variables])]

        results.append([np.asarray(t) for t in penalty_gradients(x)])
    for name, want, have in zip(["penalty", "kernel", "gamma", "beta"], *results, strict=True):
        np.testing.assert_allclose(have, want, atol=1e-4, rtol=1e-4, err_msg=name)


@pytest.mark.parametrize("case", ["inference", "synchronized", "not trainable"])
def test_other_calls_take_the_keras_path(case):
    kwargs = {"synchronized": True} if case == "synchronized" else {}
    plain, fused = paired_layers(**kwargs)
    if case == "not trainable":
        plain.trainable = fused.trainable = False
    for layer in (plain, fused):
        layer.moving_mean.assign(np.arange(SHAPE[-1], dtype="float32"))
    expected, _ = step(plain, training=case != "inference")
    got, fused_ops = step(fused, training=case != "inference")
    assert "FusedBatchNormV3" not in fused_ops
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_allclose(have, want, atol=1e-6)


def test_a_saved_model_with_the_layer_loads_back(tmp_path):
    generator = dcgan_generator(8, (16, 16, 1), width=4)
    assert any(isinstance(layer, FusedBatchNormalization) for layer in generator.layers)
    path = str(tmp_path / "generator.keras")
    generator.save(path)
    loaded = keras.models.load_model(path)
    z = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in generator.layers]
    np.testing.assert_allclose(loaded(z, training=False), generator(z, training=False), atol=1e-6)


def test_a_run_generator_loads_in_a_new_process_after_importing_gantk_nets(tiny_run):
    script = (
        "import sys, keras, gantk.nets; "
        "model = keras.saving.load_model(sys.argv[1]); "
        "print(sum(type(layer).__name__ == 'FusedBatchNormalization' for layer in model.layers))"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", script, os.path.join(tiny_run, "generator.keras")],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 0


def test_importing_gantk_nets_registers_every_layer_gantk_defines():
    script = (
        "import pkgutil, importlib, keras, gantk.nets; "
        "registered = set(keras.saving.get_custom_objects()); "
        "[importlib.import_module('gantk.nets.' + m.name) for m in pkgutil.iter_modules(gantk.nets.__path__)]; "
        "print(sorted(set(keras.saving.get_custom_objects()) - registered))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[-2] == "[]", "layers registered only by importing their module: " + done.stdout


def test_the_keras_reference_of_the_speed_benchmark_has_stock_batch_norm():
    config = speed.canonical_config(16, width=4, batch_size=8)
    for network in speed.keras_reference_networks(config):
        norms = [layer for layer in network.layers if isinstance(layer, keras.layers.BatchNormalization)]
        assert norms and all(type(layer) is keras.layers.BatchNormalization for layer in norms)
    gantk_networks = (dcgan_generator(100, (16, 16, 3), width=4), dcgan_discriminator((16, 16, 3), width=4))
    for network, reference in zip(gantk_networks, speed.keras_reference_networks(config), strict=True):
        assert network.count_params() == reference.count_params()
        assert [layer.output.shape for layer in network.layers] == [layer.output.shape for layer in reference.layers]
