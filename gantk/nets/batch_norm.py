"""Batch normalization (Ioffe & Szegedy 2015) whose training step runs TensorFlow's fused kernel.

Keras 3's ``BatchNormalization`` computes the batch moments and the normalisation as separate
reductions and element-wise ops, and its gradient as many more; on a CPU they cost a DCGAN step
about as much as a convolution layer. ``FusedBatchNormalization`` is the same layer (same
variables, configuration, moving-average rule and inference graph) whose training call is one
``FusedBatchNormV3`` op, with its fused gradient, which oneDNN can also merge with a following
ReLU. Inference, masks, renormalisation, synchronised statistics across replicas, and inputs
that are not channels-last 4-D maps take the Keras path unchanged.
"""

import keras
import tensorflow as tf
from keras import layers, ops

FUSED_DTYPES = ("float32", "bfloat16", "float16")


@keras.saving.register_keras_serializable(package="gantk")
class FusedBatchNormalization(layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with a fused training step for channels-last 4-D inputs.

    Training normalises with the biased batch variance and moves the averages as Keras does:
    moving = moving * momentum + batch * (1 - momentum), with the biased variance (the fused
    op reports the unbiased one, which is rescaled by (n - 1) / n).
    """

    def _fuses(self, inputs, training, mask):
        axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
        return (
            training and self.trainable and mask is None and not self.synchronized and not self.renorm
            and len(inputs.shape) == 4 and axis in (-1, 3) and inputs.dtype in FUSED_DTYPES
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fuses(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        gamma = ops.cast(self.gamma, "float32") if self.scale else tf.ones([channels])
        beta = ops.cast(self.beta, "float32") if self.center else tf.zeros([channels])
        outputs, mean, unbiased_variance, *_ = tf.raw_ops.FusedBatchNormV3(
            x=inputs, scale=gamma, offset=beta, mean=tf.zeros([0]), variance=tf.zeros([0]),
            epsilon=self.epsilon, data_format="NHWC", is_training=True,
        )
        count = ops.cast(ops.prod(ops.shape(inputs)[:-1]), "float32")
        variance = tf.stop_gradient(unbiased_variance) * (count - 1.0) / ops.maximum(count, 1.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + tf.stop_gradient(mean) * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return ops.cast(outputs, self.compute_dtype)
