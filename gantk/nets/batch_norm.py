"""Batch normalization (Ioffe & Szegedy 2015) whose training step runs TensorFlow's fused kernel.

Keras 3's ``BatchNormalization`` computes the batch moments and the normalisation as separate
reductions and element-wise ops, and its gradient as many more; on a CPU they cost a DCGAN step
about as much as a convolution layer. ``FusedBatchNormalization`` is the same layer (same
variables, configuration, moving-average rule and inference graph) whose training call is one
``FusedBatchNormV3`` op, with its fused gradient, which oneDNN can also merge with a following
ReLU; second derivatives (R1 and gradient penalties) follow Keras' layer too. Inference, masks,
renormalisation, synchronised statistics across replicas, and inputs that are not channels-last
4-D maps take the Keras path unchanged.
"""

import keras
import tensorflow as tf
from keras import layers, ops

FUSED_DTYPES = ("float32", "bfloat16", "float16")
AXES = [0, 1, 2]


def keras_backward(dy, x, gamma, beta, epsilon):
    """(dx, dgamma, dbeta) of training-mode batch norm differentiated as Keras' layer is.

    Keras takes the moments with ``tf.nn.moments``, which stops the gradient of the mean inside
    the variance: the first derivative is exact, and the second derivative (what an R1 or
    gradient penalty differentiates) is what training with Keras' layer has always used.
    """
    with tf.GradientTape() as tape:
        tape.watch([x, gamma, beta])
        x32 = tf.cast(x, "float32")
        mean, variance = tf.nn.moments(x32, AXES)
        y = tf.nn.batch_normalization(x32, mean, variance, beta, gamma, epsilon)
    return tape.gradient(y, [x, gamma, beta], output_gradients=tf.cast(dy, "float32"))


def fused_batch_norm(x, gamma, beta, epsilon):
    """(y, batch mean, unbiased batch variance) of NHWC ``x`` by ``FusedBatchNormV3`` in training mode.

    The gradient is ``FusedBatchNormGradV3``; its own gradient (the second derivative, which an
    R1 or gradient penalty takes) is that of ``keras_backward``, so training matches Keras' layer
    to rounding in both.
    """

    @tf.custom_gradient
    def normalize(x, gamma, beta):
        y, mean, variance, reserve_1, reserve_2, reserve_3 = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=gamma, offset=beta, mean=tf.zeros([0]), variance=tf.zeros([0]),
            epsilon=epsilon, data_format="NHWC", is_training=True,
        )

        @tf.custom_gradient
        def backward(dy, x, gamma):
            dx, dgamma, dbeta, _, _ = tf.raw_ops.FusedBatchNormGradV3(
                y_backprop=dy, x=x, scale=gamma, reserve_space_1=reserve_1, reserve_space_2=reserve_2,
                reserve_space_3=reserve_3, epsilon=epsilon, data_format="NHWC", is_training=True,
            )

            def second_derivative(*upstream):
                upstream = [tf.zeros_like(t) if u is None else u for u, t in zip(upstream, (dx, dgamma, dbeta))]
                with tf.GradientTape() as tape:
                    tape.watch([dy, x, gamma])
                    first = keras_backward(dy, x, gamma, beta, epsilon)
                    first = (tf.cast(first[0], dx.dtype), *first[1:])
                return tape.gradient(first, [dy, x, gamma], output_gradients=upstream)

            return (dx, dgamma, dbeta), second_derivative

        def first_derivative(dy, *_statistics):
            return backward(dy, x, gamma)

        return (y, mean, variance), first_derivative

    return normalize(x, gamma, beta)


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
        outputs, mean, unbiased_variance = fused_batch_norm(inputs, gamma, beta, self.epsilon)
        count = ops.cast(ops.prod(ops.shape(inputs)[:-1]), "float32")
        variance = tf.stop_gradient(unbiased_variance) * (count - 1.0) / ops.maximum(count, 1.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + tf.stop_gradient(mean) * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return ops.cast(outputs, self.compute_dtype)
