"""Per-replica correctness: one step on two replicas equals one step on one device, for every variant.

The batch a step receives is the global batch; losses, regularizers (the gradient penalty
included) and the noise are split so that the summed replica gradients are those of the
global batch. BatchNorm statistics are per replica unless ``sync_bn``; dropout draws differ
per replica, so the comparisons turn both off except where they test BatchNorm itself.
"""

import numpy as np
import pytest
import tensorflow as tf

from gantk import zoo
from gantk.training.build import build_compiled_gan
from gantk.training.checkpoint import state_groups

from helpers import tiny_batches, tiny_config

SGD = dict(optimizer="sgd", d_learning_rate=0.05, g_learning_rate=0.05)


def copy_state(source, target):
    """Every variable a checkpoint holds (networks, optimizers, noise, average, text encoder), copied."""
    targets = state_groups(target)
    for group, variables in state_groups(source).items():
        for a, b in zip(variables, targets[group]):
            b.assign(a.numpy())


def trainable(gan):
    return gan.generator.trainable_variables + gan.discriminator.trainable_variables


def two_cpu_replicas():
    """Mirrored over the two logical CPUs, reducing through one device: every MirroredStrategy made with
    collective ops restarts TensorFlow's collective keys, which clash within one test process."""
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice())


def one_step_both_ways(config, data):
    """(single-device GAN, two-replica GAN, their fit histories, weights before) after one step on one batch."""
    batch = next(iter(tiny_batches(config, data)))
    one_batch = tf.data.Dataset.from_tensors(batch)
    single = build_compiled_gan(config)
    with two_cpu_replicas().scope():
        mirrored = build_compiled_gan(config)
    copy_state(single, mirrored)
    before = [v.numpy() for v in trainable(single)]
    logs_single = single.fit(one_batch, epochs=1, verbose=0, shuffle=False).history
    logs_mirrored = mirrored.fit(one_batch, epochs=1, verbose=0, shuffle=False).history
    moved = max(float(np.abs(a.numpy() - b).max()) for a, b in zip(trainable(single), before))
    assert moved > 1e-5, "the step must change the weights for the comparison to mean anything"
    return single, mirrored, logs_single, logs_mirrored


def assert_same_step(single, mirrored, logs_single, logs_mirrored, atol=2e-6):
    for a, b in zip(trainable(single), trainable(mirrored)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=atol, rtol=1e-4, err_msg=a.path)
    assert logs_single.keys() == logs_mirrored.keys()
    for name in logs_single:
        assert np.isclose(logs_single[name][-1], logs_mirrored[name][-1], rtol=1e-4, atol=1e-6), name


@pytest.mark.slow
@pytest.mark.parametrize("variant", zoo.names())
def test_two_replicas_equal_one_device_for_every_variant(variant):
    config, data = tiny_config(variant, dropout=0.0, batch_norm=False, **SGD, **({"d_noise": 0.0, "d_input_noise": 0.0} if variant == "ssgan" else {}))
    assert_same_step(*one_step_both_ways(config, data))


def test_the_weight_normalised_ssgan_initialises_every_replica_alike_and_steps_as_one_device():
    from gantk.training.data_init import initialize_weight_norm

    config, data = tiny_config("ssgan", dropout=0.0, **SGD, d_noise=0.0, d_input_noise=0.0, weight_norm="both")
    batch = next(iter(tiny_batches(config, data)))
    strategy = two_cpu_replicas()
    single = build_compiled_gan(config)
    with strategy.scope():
        mirrored = build_compiled_gan(config)
    copy_state(single, mirrored)
    for gan in (single, mirrored):
        initialize_weight_norm(gan, batch, config)
    assert not np.allclose(single.discriminator.get_layer("dense1").scale.numpy(), 1.0)
    for a, b in zip(single.discriminator.variables, mirrored.discriminator.variables):
        for local in strategy.experimental_local_results(b.value):
            np.testing.assert_allclose(local.numpy(), a.numpy(), rtol=1e-6, err_msg=a.path)
    assert_same_step(*one_step_both_ways(config, data))


def test_wgan_gp_penalty_is_scaled_for_the_global_batch():
    """The penalty alone (weight 100, the critic loss made negligible by a tiny critic step) still agrees."""
    if "wgan-gp" not in zoo.names():
        pytest.skip("wgan-gp is not registered")
    config, data = tiny_config("wgan-gp", gp_weight=100.0, batch_norm=False, d_steps=1, **SGD)
    single, mirrored, logs_single, logs_mirrored = one_step_both_ways(config, data)
    assert_same_step(single, mirrored, logs_single, logs_mirrored)


def test_r1_penalty_is_scaled_for_the_global_batch():
    config, data = tiny_config("dcgan", r1_penalty=100.0, batch_norm=False, **SGD)
    assert_same_step(*one_step_both_ways(config, data))


def test_diff_augment_draws_the_same_transformations_on_two_replicas():
    config, data = tiny_config("dcgan", diff_augment="color,translation,cutout", batch_norm=False, **SGD)
    assert_same_step(*one_step_both_ways(config, data))


def test_batch_norm_is_per_replica_unless_synchronised():
    config, data = tiny_config("dcgan", batch_norm=True, **SGD)
    single, mirrored, _, _ = one_step_both_ways(config, data)
    gaps = [float(np.abs(a.numpy() - b.numpy()).max()) for a, b in zip(trainable(single), trainable(mirrored))]
    assert max(gaps) > 1e-5, "per-replica statistics of half batches must give a different step"

    config, data = tiny_config("dcgan", sync_bn=True, batch_norm=True, **SGD)
    single, mirrored, logs_single, logs_mirrored = one_step_both_ways(config, data)
    assert_same_step(single, mirrored, logs_single, logs_mirrored, atol=1e-5)
    moving = [v for v in single.discriminator.non_trainable_variables + single.generator.non_trainable_variables]
    assert moving, "the networks must have BatchNorm moving statistics"
    others = mirrored.discriminator.non_trainable_variables + mirrored.generator.non_trainable_variables
    for a, b in zip(moving, others):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5, rtol=1e-4, err_msg=a.path)


def test_the_generator_average_moves_the_same_on_two_replicas():
    config, data = tiny_config("dcgan", generator_ema=0.5, batch_norm=False, **SGD)
    single, mirrored, logs_single, logs_mirrored = one_step_both_ways(config, data)
    assert_same_step(single, mirrored, logs_single, logs_mirrored)
    for a, b in zip(single.average.variables, mirrored.average.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=2e-6, rtol=1e-4, err_msg=a.path)
    assert any(not np.allclose(a.numpy(), t.numpy()) for a, t in zip(single.average.variables, single.generator.variables))
