"""The exported computation: a float32, inference-mode generator behind one serving function.

Both exporters (SavedModel and ONNX) trace the same ``tf.function``, so both files hold the
same graph: ``z`` (and ``label``, or a text-to-image generator's caption ``tokens``) in, ``image`` in [-1, 1] and ``image_uint8`` out, with the
uint8 mapping of ``gantk.pixels.to_uint8`` (round half to even, as ``numpy.rint`` and ONNX
``Round`` do, then clip to [0, 255]).
"""

import keras
import tensorflow as tf


def is_float32(layer):
    """Whether ``layer`` and every layer inside it compute in float32 (no mixed-precision policy)."""
    inner = getattr(layer, "layers", [])
    return layer.dtype_policy.compute_dtype == "float32" and all(is_float32(child) for child in inner)


def float32_generator(gan):
    """The run's generator computing in float32: itself, or a copy of it with every layer in float32.

    A mixed-precision run (Micikevicius et al. 2018) keeps float32 variables but computes in
    float16 or bfloat16; the exported graph must be float32 (tf2onnx needs it, and parity is
    measured against it), so the generator is cloned layer by layer under a float32 policy, with
    whatever tricks were built into it (virtual batch normalization's reference batch included).
    """
    if getattr(gan, "captioned", False):
        return float32_model(gan.captioned_generator())
    return float32_model(gan.inference_generator)


def float32_model(model):
    """``model`` itself when it computes in float32, else a float32 clone of it with the same weights."""
    if is_float32(model):
        return model
    copy = keras.models.clone_model(model, clone_function=in_float32)
    copy.set_weights([w.astype("float32") if w.dtype.kind == "f" else w for w in model.get_weights()])
    return copy


def in_float32(layer):
    """A new layer like ``layer`` that computes in float32 (a nested model: every layer inside it)."""
    if isinstance(layer, keras.Model):
        return keras.models.clone_model(layer, clone_function=in_float32)
    return layer.__class__.from_config({**layer.get_config(), "dtype": "float32"})


def input_specs(latent_dim, num_classes, max_length=0):
    """``z`` float32 [None, latent_dim], with ``label`` int32 [None] for a conditional generator or
    ``tokens`` int32 [None, max_length] for a text-to-image one."""
    specs = [tf.TensorSpec([None, int(latent_dim)], tf.float32, name="z")]
    if num_classes:
        specs.append(tf.TensorSpec([None], tf.int32, name="label"))
    elif max_length:
        specs.append(tf.TensorSpec([None, int(max_length)], tf.int32, name="tokens"))
    return specs


def to_uint8(images):
    """TensorFlow twin of ``gantk.pixels.to_uint8``."""
    return tf.cast(tf.clip_by_value(tf.round((images + 1.0) * 127.5), 0.0, 255.0), tf.uint8)


def serving_function(generator, latent_dim, num_classes=0, max_length=0):
    """A ``tf.function`` with a fixed input signature running ``generator`` with BatchNorm in inference mode."""
    specs = input_specs(latent_dim, num_classes, max_length)

    def outputs(image):
        image = tf.cast(image, tf.float32)
        return {"image": image, "image_uint8": to_uint8(image)}

    if num_classes:

        @tf.function(input_signature=specs)
        def serve(z, label):
            return outputs(generator([z, label], training=False))

    elif max_length:

        @tf.function(input_signature=specs)
        def serve(z, tokens):
            return outputs(generator([z, tokens], training=False))

    else:

        @tf.function(input_signature=specs)
        def serve(z):
            return outputs(generator(z, training=False))

    return serve, specs
