"""The discriminator as a feature extractor (Radford, Metz & Chintala 2015, section 5.1).

The paper max-pools every convolutional layer of the trained discriminator to a 4x4 grid,
flattens and concatenates the grids, and trains a regularised linear L2-SVM on them (82.8%
on CIFAR-10 with a discriminator trained on ImageNet-1k). Here the features are the
discriminator's activations after each convolution (post-LeakyReLU), each max-pooled to at
most ``grid`` x ``grid``; they and the raw pixels (in [-1, 1]) are standardised and fed to the
same ``sklearn.svm.LinearSVC`` (squared hinge loss, L2 penalty), so the accuracy of the
features can be read against the pixels' on the same split.
"""

import numpy as np

from gantk.errors import ConfigError, DatasetError
from gantk.pixels import from_uint8

GRID = 4
TEST_FRACTION = 0.25
SVM_C = 0.01


def feature_layers(discriminator):
    """The layers whose spatial outputs are probed: activations after convolutions, else the convolutions."""
    import keras

    spatial = [layer for layer in discriminator.layers if len(getattr(layer.output, "shape", ())) == 4]
    activations = [
        layer for layer in spatial
        if isinstance(layer, (keras.layers.LeakyReLU, keras.layers.ReLU, keras.layers.Activation))
    ]
    convolutions = [layer for layer in spatial if isinstance(layer, keras.layers.Conv2D)]
    chosen = activations or convolutions
    if not chosen:
        raise ConfigError(
            f"The probe needs a convolutional discriminator, but {discriminator.name!r} has no convolution layers; "
            "train the run with a DCGAN-style discriminator (--arch dcgan)."
        )
    return chosen


def feature_model(discriminator, grid=GRID):
    """A model from the discriminator's inputs to the concatenated max-pooled feature grids."""
    import keras

    pooled = []
    for layer in feature_layers(discriminator):
        height, width = layer.output.shape[1:3]
        pool = (max(1, height // grid), max(1, width // grid))
        x = keras.layers.MaxPooling2D(pool_size=pool, strides=pool)(layer.output) if pool != (1, 1) else layer.output
        pooled.append(keras.layers.Flatten()(x))
    outputs = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate()(pooled)
    return keras.Model(discriminator.input, outputs, name="discriminator_features")


def discriminator_features(gan, images, grid=GRID, batch_size=256):
    """``[N, F]`` probe features of uint8 images; a conditional discriminator sees class 0 for all."""
    model = feature_model(gan.discriminator, grid)
    chunks = []
    for start in range(0, len(images), batch_size):
        x = from_uint8(images[start : start + batch_size])
        inputs = [x, np.zeros(len(x), np.int32)] if gan.conditional else x
        chunks.append(np.asarray(model(inputs, training=False), np.float32))
    return np.concatenate(chunks)


def linear_svm_accuracy(train_x, train_y, test_x, test_y, c=SVM_C, seed=0):
    """Test accuracy of a standardised ``LinearSVC`` (L2-SVM) fitted on the training split."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    model = make_pipeline(StandardScaler(), LinearSVC(C=c, max_iter=5000, random_state=seed))
    model.fit(train_x.reshape(len(train_x), -1), train_y)
    return float(model.score(test_x.reshape(len(test_x), -1), test_y))


def run_probe(run_dir, dataset=None, split=None, limit=None, test_fraction=TEST_FRACTION, grid=GRID, c=SVM_C, seed=0, log=print):
    """Probe ``run_dir``'s discriminator on a labelled dataset; returns accuracies and the protocol.

    The dataset (the run's by default) is loaded at the run's image size and channels; its first
    ``limit`` examples are split into train and test with ``train_test_split(test_size=
    test_fraction, random_state=seed, stratify=labels)``.
    """
    from gantk.data import load_dataset
    from gantk.data.arrays import to_arrays
    from gantk.data.splits import stratified_split
    from gantk.training.run import load_run

    loaded = load_run(run_dir)
    config, gan = loaded.config, loaded.gan
    if len(config.image_shape or ()) != 3:
        raise ConfigError(f"The probe needs an image run; {run_dir!r} trains on {config.dataset} points.")
    dataset = dataset or config.dataset
    split = split or config.split
    data = load_dataset(dataset, image_size=config.image_size, channels=config.channels, split=split, data_dir=config.data_dir)
    if not data.label_names:
        raise DatasetError(f"Dataset {dataset!r} has no labels; the probe needs a labelled dataset such as digits.")
    images, labels = to_arrays(data, limit=limit)
    train, test = stratified_split(labels, test_fraction, seed)
    train_x, test_x, train_y, test_y = images[train], images[test], labels[train], labels[test]
    log(f"Probing {len(train_x)} training and {len(test_x)} test images of {dataset}.")
    features = discriminator_features(gan, np.concatenate([train_x, test_x]), grid)
    train_f, test_f = features[: len(train_x)], features[len(train_x) :]
    pixels_train = from_uint8(train_x)
    pixels_test = from_uint8(test_x)
    return dict(
        run=run_dir,
        dataset=dataset,
        discriminator_accuracy=linear_svm_accuracy(train_f, train_y, test_f, test_y, c, seed),
        pixel_accuracy=linear_svm_accuracy(pixels_train, train_y, pixels_test, test_y, c, seed),
        protocol=dict(
            split=split, image_size=config.image_size, channels=config.channels, n_train=int(len(train_x)),
            n_test=int(len(test_x)), test_fraction=test_fraction, seed=seed, grid=grid,
            layers=["x".join(str(d) for d in layer.output.shape[1:]) for layer in feature_layers(gan.discriminator)],
            n_features=int(features.shape[1]), n_pixels=int(np.prod(images.shape[1:])),
            svm=f"LinearSVC(C={c}) on standardised inputs",
        ),
    )
