"""Image datasets from tensorflow-datasets, with a clear way out when the files are not there."""

import os

import tensorflow as tf

from gantk.data.resize import RESAMPLE, square_uint8
from gantk.data.source import DatasetFacts, ImageData
from gantk.data.stream import exact_window, jpeg_square, jpeg_window, plain_function, resized_in_batches
from gantk.data.summary import preprocessing
from gantk.errors import DatasetError

CELEB_A_FACE_CROP = 108
"""DCGAN's CelebA preprocessing: the central 108x108 face crop, then a resize (carpedm20/DCGAN-tensorflow)."""

IN_MEMORY_CACHE_BYTES = 3 * 1024**3
STREAM_SHUFFLE_BUFFER = 4_096
"""Encoded examples training shuffles in before decoding them (``encoded_epoch``)."""


def default_data_dir():
    return os.environ.get("TFDS_DATA_DIR", os.path.join(os.path.expanduser("~"), "tensorflow_datasets"))


def missing_files_message(name, data_dir, reason):
    manual = os.path.join(data_dir, "downloads", "manual")
    return (
        f"Dataset {name!r} is not prepared in {data_dir} and could not be downloaded ({reason}); put the files "
        f"tensorflow-datasets downloads for it (for celeb_a: img_align_celeba.zip and its four list_*.txt / "
        f"identity_CelebA.txt files) in a folder DIR and run `gantk prepare {name} --manual-dir DIR --data-dir "
        f"{data_dir}`, or put them in {manual}; then pass --data-dir {data_dir}."
    )


def get_builder(name, data_dir):
    """tensorflow-datasets' builder of ``name`` reading and writing ``data_dir``; unknown names are a ``DatasetError``."""
    import tensorflow_datasets as tfds

    try:
        return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        from gantk.data import unknown_dataset_message

        raise DatasetError(unknown_dataset_message(name)) from None


def tfds_facts(name, data_dir=None):
    """The ``DatasetFacts`` of a tensorflow-datasets image dataset, from its builder's declared features."""
    features = get_builder(name, data_dir or default_data_dir()).info.features
    if "image" not in features:
        raise DatasetError(f"Dataset {name!r} has no 'image' feature, so it cannot train an image GAN.")
    return DatasetFacts(kind="image", channels=features["image"].shape[-1] or 3, image_size=64)


def load_tfds_images(name, image_size=64, channels=None, split="train", data_dir=None, download=True):
    """A tensorflow-datasets image dataset as uint8 squares; ``celeb_a`` gets DCGAN's face crop.

    JPEG-encoded images (CelebA's) are decoded inside the crop window only (``gantk.data.stream``), and
    when the declared image size holds the whole crop, the crops are resized a batch at a time.
    ``dataset`` holds the examples in tensorflow-datasets' order (cached in memory when they fit);
    training reads ``stream``: encoded examples shuffled, then decoded (``encoded_epoch``), so its
    first step waits for a few thousand records read, not for tens of thousands of images decoded.
    """
    data_dir = data_dir or default_data_dir()
    builder = get_builder(name, data_dir)
    features = builder.info.features
    if "image" not in features:
        raise DatasetError(f"Dataset {name!r} has no 'image' feature, so it cannot train an image GAN.")
    image_feature = features["image"]
    jpeg = getattr(image_feature, "encoding_format", None) == "jpeg" and image_feature.shape[-1] == 3
    try:
        encoded = _load_prepared(builder, name, split, data_dir, download)
    except DatasetError:
        raise
    except Exception as error:  # tfds reports missing files and failed downloads in many types
        raise DatasetError(missing_files_message(name, data_dir, type(error).__name__ + ": " + str(error).splitlines()[0])) from None

    stored_channels = image_feature.shape[-1] or 3
    channels = channels or stored_channels
    crop = CELEB_A_FACE_CROP if name.startswith("celeb_a") else None
    label_names = None
    label = features["label"] if "label" in features else None
    if label is not None and hasattr(label, "names"):
        label_names = list(label.names)

    height, width = image_feature.shape[:2]
    windows_in_batches = jpeg and crop and height and width and min(height, width) >= crop

    def to_example(example):
        if windows_in_batches:
            out = {"image": exact_window(jpeg_window(example["image"], crop), crop)}
        elif jpeg:
            out = {"image": jpeg_square(example["image"], image_size, channels, crop=crop)}
        else:
            out = {"image": square_uint8(image_feature.decode_example(example["image"]), image_size, channels, crop=crop)}
        if label_names:
            out["label"] = tf.cast(example["label"], tf.int32)
        return out

    def decoded(encoded_examples, **deterministic):
        examples = encoded_examples.map(plain_function(to_example), num_parallel_calls=tf.data.AUTOTUNE, **deterministic)
        return resized_in_batches(examples, image_size, channels) if windows_in_batches else examples

    num_examples = builder.info.splits[split].num_examples if split in builder.info.splits else None
    if num_examples is None:
        num_examples = int(encoded.reduce(0, lambda count, _: count + 1))
    dataset = decoded(encoded)
    if num_examples * image_size * image_size * channels <= IN_MEMORY_CACHE_BYTES:
        dataset = dataset.cache()
    return ImageData(
        name=name,
        dataset=dataset,
        num_examples=num_examples,
        element_shape=(image_size, image_size, channels),
        label_names=label_names,
        stream=lambda seed: decoded(encoded_epoch(encoded, num_examples, seed), deterministic=True),
        summary={
            "source": "tensorflow-datasets",
            "name": name,
            "version": str(builder.info.version),
            "split": split,
            "data_dir": str(builder.data_dir),
            "preprocessing": preprocessing(
                crop=crop, size=image_size, channels=channels, stored_shape=list(image_feature.shape),
                decode="JPEG decoded inside the crop window" if jpeg else "tensorflow-datasets", resample=RESAMPLE,
            ),
        },
    )


def encoded_epoch(encoded, num_examples, seed):
    """One epoch of still-encoded examples, shuffled with ``seed`` in a buffer of at most ``STREAM_SHUFFLE_BUFFER``.

    tensorflow-datasets wrote the examples in a shuffled order when it prepared them and reads its
    shards interleaved, so a buffer of encoded records, which fills at reading speed, is shuffle
    enough; the decoding comes after it.
    """
    return encoded.shuffle(min(num_examples, STREAM_SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=False)


def _load_prepared(builder, name, split, data_dir, download):
    """Prepared data first, then the files in ``DATA_DIR/downloads/manual``, and only then a download.

    The images stay encoded (``tfds.decode.SkipDecoding``): they are decoded after training's
    shuffle, and JPEGs only inside their crop window.
    """
    from gantk.data.prepare import has_manual_files, prepare_builder

    if not is_prepared(builder):
        manual = has_manual_files(builder)
        if not download and not manual:
            raise DatasetError(missing_files_message(name, data_dir, "downloads are turned off"))
        prepare_builder(builder, allow_network=download, progress=manual)
    if builder.info.splits and split.split("[")[0] not in builder.info.splits:
        raise DatasetError(f"Dataset {name!r} has no split {split!r}; it has {', '.join(builder.info.splits)}.")
    import tensorflow_datasets as tfds

    return builder.as_dataset(split=split, shuffle_files=False, decoders={"image": tfds.decode.SkipDecoding()})


def is_prepared(builder):
    """Whether ``builder``'s data folder holds a prepared dataset; checked without tfds' warning about a
    folder that merely does not exist yet."""
    try:
        path = builder.data_path
        return os.path.isfile(os.path.join(str(path), "dataset_info.json")) and bool(builder.is_prepared())
    except Exception:
        return False
