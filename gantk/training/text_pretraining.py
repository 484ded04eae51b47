"""Pretraining the text encoder phi(t) of GAN-CLS, once per dataset, and caching it.

Reed et al. (2016, arXiv:1605.05396, section 3.1) pretrain phi with the structured joint
embedding of images and captions of Reed, Akata, Lee & Schiele (2016, arXiv:1605.05395); this
is its contrastive equivalent: the text encoder and a small image encoder
(``gantk.nets.text``) are trained together with the symmetric InfoNCE loss (the caption-to-image
and the image-to-caption cross-entropies over a batch, as in CLIP, Radford et al. 2021,
arXiv:2103.00020), so that a caption lands nearest to its own picture. The weights are cached
under ``<cache>/text_encoders/<dataset-split-HxWxC>-<settings>/`` with ``text_encoder.json``
recording the retrieval accuracy on the test split (``retrieval_accuracy``); every GAN run on
the same dataset, vocabulary and settings then shares one encoder, trained from
``PRETRAIN_SEED`` whatever the run's seed.
"""

import hashlib
import json
import os
import time

import numpy as np

from gantk.data import dataset_key
from gantk.errors import RunDirError
from gantk.files import atomic_path, default_cache_dir, write_json_atomically
from gantk.nets.caption_negatives import CaptionNegatives
from gantk.pixels import from_uint8
from gantk.tokenizer import encode

PRETRAIN_BATCH = 128
PRETRAIN_SEED = 0
TEMPERATURE = 0.07
LEARNING_RATE = 1e-3
GALLERY = 1000
"""Test pairs each retrieval searches among."""
CACHE_VERSION = 3
"""Part of every cache folder's name; raised when encoders cached by older gantk must be trained again
(2: before it, the encoder of a GAN run was frozen before its pretraining and only the image encoder learned;
3: the image encoder's strided convolutions became convolutions with max pooling)."""
WEIGHTS_FILE = "text_encoder.weights.npz"
IMAGE_WEIGHTS_FILE = "image_encoder.weights.npz"
"""The image encoder pretrained beside phi, which ``caption_matching`` reads."""
INFO_FILE = "text_encoder.json"


def symmetric_info_nce(text, image, temperature=TEMPERATURE, negatives=None):
    """Mean of the caption->image and image->caption cross-entropies of unit embeddings ``[N, D]``; pair i matches i.

    ``negatives``, ``(embeddings [N, K, D], valid [N, K])`` of captions made wrong for image i
    (``gantk.nets.caption_negatives``), join image i's softmax over the batch's captions.
    """
    import keras
    from keras import ops

    logits = ops.matmul(text, ops.transpose(image)) / temperature
    targets = ops.arange(ops.shape(logits)[0])
    image_logits = ops.transpose(logits)
    if negatives is not None:
        embeddings, valid = negatives
        hard = ops.sum(ops.expand_dims(image, 1) * embeddings, axis=-1) / temperature
        image_logits = ops.concatenate([image_logits, ops.where(valid, hard, -1e9)], axis=1)
    forward = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    backward = keras.losses.sparse_categorical_crossentropy(targets, image_logits, from_logits=True)
    return (ops.mean(forward) + ops.mean(backward)) / 2


def pretrain(text_encoder, image_shape, tokens, images, steps, log=print):
    """Train ``text_encoder`` (in place) and a fresh image encoder on matching ``(tokens, images)`` pairs.

    ``images`` are uint8; each step takes ``PRETRAIN_BATCH`` pairs drawn from ``PRETRAIN_SEED``. A
    text encoder the GAN has frozen is trained all the same and frozen again afterwards.
    Returns the image encoder and the last loss.

    The hard negatives of G's caption matching (``gantk.nets.caption_negatives``) are left out
    here: in a 2,000-step trial with them the test images' colour reading fell from 1.0 to 0.78 and
    the kind's did not rise. A swapped caption can name a (colour, kind) pair the training split
    never shows, which would teach the encoder that such captions are always wrong.
    """
    import keras
    import tensorflow as tf

    from gantk.nets.text import image_encoder

    keras.utils.set_random_seed(PRETRAIN_SEED)
    images_encoder = image_encoder(image_shape, dim=int(text_encoder.output.shape[-1]))
    frozen = not text_encoder.trainable
    text_encoder.trainable = True
    variables = text_encoder.trainable_variables + images_encoder.trainable_variables
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build(variables)

    @tf.function
    def step(batch_tokens, batch_images):
        with tf.GradientTape() as tape:
            loss = symmetric_info_nce(text_encoder(batch_tokens, training=True), images_encoder(batch_images, training=True))
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    rng = np.random.default_rng(PRETRAIN_SEED)
    batch = min(PRETRAIN_BATCH, len(tokens))
    loss = float("nan")
    for index in range(int(steps)):
        rows = np.sort(rng.choice(len(tokens), batch, replace=False))
        loss = float(step(tokens[rows], from_uint8(np.asarray(images[rows]))))
        if (index + 1) % 500 == 0:
            log(f"  text encoder pretraining step {index + 1}/{steps}: contrastive loss {loss:.3f}")
    text_encoder.trainable = not frozen
    return images_encoder, loss


def embed_in_batches(model, inputs, batch_size=500):
    return np.concatenate([np.asarray(model(inputs[i : i + batch_size], training=False)) for i in range(0, len(inputs), batch_size)])


def retrieval_accuracy(text_embeddings, image_embeddings, attributes, gallery=GALLERY):
    """Top-1 retrieval within galleries of ``gallery`` consecutive test pairs, both ways.

    A hit is a retrieved item with the same attributes as the query's own pair: two pictures with
    the same attributes differ only by an unnamed rotation and jitter no caption can tell apart.
    Returns ``{"caption_to_image": ..., "image_to_caption": ..., "pairs": n}``.
    """
    hits = {"caption_to_image": [], "image_to_caption": []}
    for start in range(0, len(attributes) - gallery + 1, gallery):
        part = slice(start, start + gallery)
        similarity = text_embeddings[part] @ image_embeddings[part].T
        same = np.all(attributes[part][:, None, :] == attributes[part][None, :, :], axis=-1)
        hits["caption_to_image"].append(same[np.arange(gallery), similarity.argmax(1)])
        hits["image_to_caption"].append(same[similarity.argmax(0), np.arange(gallery)])
    result = {name: round(float(np.mean(np.concatenate(found))), 4) for name, found in hits.items()}
    return {**result, "pairs": int(sum(len(found) for found in hits["caption_to_image"]))}


def attribute_reading(negatives, text_encoder, tokens, text_embeddings, image_embeddings, batch_size=500):
    """Per attribute, the share of pairs whose image is nearer its own caption than every caption
    with that attribute swapped (pairs whose caption names the attribute); ``{name: share}``.

    ``text_embeddings`` are ``text_encoder``'s of ``tokens``, the pairs' own captions."""
    own = np.sum(text_embeddings * image_embeddings, axis=-1)
    reading = {}
    for attribute, (name, count) in enumerate(zip(negatives.attributes, negatives.value_counts())):
        beaten, named = np.zeros(len(tokens), bool), None
        for offset in range(1, count):
            swapped, named = negatives.swap(tokens, attribute, offset)
            other = np.sum(embed_in_batches(text_encoder, np.asarray(swapped), batch_size) * image_embeddings, axis=-1)
            beaten |= other >= own
        named = np.asarray(named)
        if named.any():
            reading[name] = round(float(np.mean(~beaten[named])), 4)
    return reading


def cache_folder(config, cache_dir=None):
    """Where the pretrained encoder of ``config``'s dataset, vocabulary, precision and pretraining settings is kept.

    The precision is part of the key because phi(t) pretrains under the run's dtype policy: an encoder
    pretrained in bfloat16 has other weights than one pretrained in float32.
    """
    from gantk.training.precision import resolve_precision

    settings = json.dumps([
        config.vocabulary, int(config.text_encoder_steps), PRETRAIN_BATCH, TEMPERATURE, PRETRAIN_SEED, CACHE_VERSION,
        resolve_precision(config.precision),
    ])
    digest = hashlib.sha256(settings.encode()).hexdigest()[:10]
    key = dataset_key(config.dataset, config.split, config.image_size, config.channels)
    return os.path.join(cache_dir or default_cache_dir(), "text_encoders", f"{key}-{config.text_encoder_steps}steps-{digest}")


def test_pairs(config, n=None):
    """(word ids, uint8 images, attributes) of the dataset's test split, or None when it has no captioned test split."""
    from gantk.data import load_dataset
    from gantk.data.arrays import to_arrays

    try:
        data = load_dataset(config.dataset, image_size=config.image_size, channels=config.channels, split="test", data_dir=config.data_dir, n=n)
    except Exception:  # noqa: BLE001 - a dataset without a test split is reported without retrieval figures
        return None
    if not data.captions or data.attributes is None:
        return None
    images, _ = to_arrays(data)
    return encode(data.captions, config.vocabulary), images, np.asarray(data.attributes)


def save_weights(model, path):
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            np.savez(handle, **{f"w{index:03d}": weight for index, weight in enumerate(model.get_weights())})


def load_weights(model, path):
    with np.load(path, allow_pickle=False) as stored:
        model.set_weights([stored[f"w{index:03d}"] for index in range(len(stored.files))])


def pretrained_text_encoder(text_encoder, config, captions, images, cache_dir=None, log=print, image_encoder=None):
    """Load ``text_encoder``'s pretrained weights from the cache, pretraining it on ``(captions, images)`` if missing.

    ``image_encoder``, when given, receives the image encoder pretrained with it (a cache made
    before image encoders were kept is pretrained again). Returns the cache's information
    (pretraining figures and the test retrieval accuracies).
    """
    folder = cache_folder(config, cache_dir)
    paths = {WEIGHTS_FILE: text_encoder, **({IMAGE_WEIGHTS_FILE: image_encoder} if image_encoder is not None else {})}
    info_path = os.path.join(folder, INFO_FILE)
    if all(os.path.exists(os.path.join(folder, name)) for name in [*paths, INFO_FILE]):
        try:
            for name, model in paths.items():
                load_weights(model, os.path.join(folder, name))
            with open(info_path) as handle:
                info = json.load(handle)
        except (OSError, ValueError, KeyError) as error:
            raise RunDirError(f"The cached text encoder in {folder} cannot be loaded ({error}); delete {folder} so that it is trained again.") from None
        log(f"Text encoder: the cached one in {folder}.")
        return info
    log(f"Pretraining the {config.dataset} text encoder ({config.text_encoder_steps} steps, {len(captions)} pairs); it is cached.")
    started = time.process_time()
    tokens = encode(captions, config.vocabulary)
    images_encoder, loss = pretrain(text_encoder, config.image_shape, tokens, images, config.text_encoder_steps, log)
    info = dict(
        dataset=str(config.dataset), split=str(config.split), image_shape=list(config.image_shape), pairs=len(captions),
        steps=int(config.text_encoder_steps), batch=PRETRAIN_BATCH, temperature=TEMPERATURE, seed=PRETRAIN_SEED,
        final_loss=round(loss, 4), cpu_seconds=round(time.process_time() - started, 1), vocabulary=list(config.vocabulary),
    )
    pairs = test_pairs(config)
    if pairs is not None:
        test_tokens, test_images, attributes = pairs
        text_embeddings = embed_in_batches(text_encoder, test_tokens)
        image_embeddings = embed_in_batches(images_encoder, from_uint8(test_images))
        info["retrieval"] = retrieval_accuracy(text_embeddings, image_embeddings, attributes)
        log(f"Text encoder test retrieval (top-1 among {GALLERY}, same attributes): caption->image "
            f"{info['retrieval']['caption_to_image']:.1%}, image->caption {info['retrieval']['image_to_caption']:.1%}.")
        info["attribute_reading"] = attribute_reading(
            CaptionNegatives(config.vocabulary), text_encoder, test_tokens, text_embeddings, image_embeddings
        )
        if info["attribute_reading"]:
            log("Test images nearer their own caption than to it with one attribute changed: "
                + ", ".join(f"{name} {share:.1%}" for name, share in info["attribute_reading"].items()) + ".")
    if image_encoder is not None:
        image_encoder.set_weights(images_encoder.get_weights())
    save_weights(text_encoder, os.path.join(folder, WEIGHTS_FILE))
    save_weights(images_encoder, os.path.join(folder, IMAGE_WEIGHTS_FILE))
    write_json_atomically(info_path, info)
    return info


def initialize_text_encoder(gan, config, data, log=print):
    """Give a fresh run's text encoder (and image encoder, when it has one) their pretrained weights (the
    attribute table needs none)."""
    from gantk.data.arrays import to_arrays

    if config.text_encoder != "pretrained":
        return None
    images, _ = to_arrays(data)
    return pretrained_text_encoder(gan.text_encoder, config, data.captions, images, log=log, image_encoder=gan.image_encoder)
