"""GAN-CLS and GAN-INT (Reed et al. 2016, "Generative adversarial text to image synthesis", arXiv:1605.05396).

Both networks are conditioned on phi(t), the frozen, pretrained text encoder's embedding of the
batch's captions (``gantk.nets.text``). GAN-CLS (Algorithm 1) makes the discriminator
matching-aware: besides real images with their text (real) and generated images with the text
they were made for (fake), it sees real images with mismatched text as a third, fake, term,
L_D = L(real) + (L(wrong) + L(fake)) / 2 under the run's loss pair. GAN-INT (section 4.3) adds
to the generator's objective images made for interpolated embeddings
beta * phi(t1) + (1 - beta) * phi(t2) of two captions of the batch, which D judges against the
same interpolated text. A mismatched caption is the one of the neighbouring example
(``mismatched``): the batch is shuffled every epoch, and pairs never cross a replica boundary,
so N replicas pair captions as one device does.

An option beyond the paper, ``caption_matching``, adds to G's objective the symmetric contrastive
loss between phi(t) and the frozen image encoder pretrained with phi (``gantk.nets.text``) applied
to G(z, phi(t)): the sentence-level term of AttnGAN's DAMSM loss (Xu et al. 2018,
arXiv:1711.10485), a gradient towards the words that D's matching-aware score gives only slowly.
With ``caption_negatives`` each generated image also meets its caption with one attribute word
swapped per attribute (``gantk.nets.caption_negatives``, NegCLIP's hard negatives): captions in a
random batch seldom differ in the kind alone, so without them the loss is met once colour and
place are. With ``auxiliary_classifier`` D also classifies each image's class label (the batch's
``label``, the shapes kind) from its image features, TAC-GAN's auxiliary classifier (Dash et al.
2017, arXiv:1703.06412, after AC-GAN, Odena et al. 2017): D minimises the classifier's
cross-entropy on real and on generated images, G on its images for the class of their captions.
"""

import keras
from keras import ops

from gantk.training.gan import GAN
from gantk.training.text_pretraining import symmetric_info_nce


def mismatched(values):
    """``values`` with neighbouring rows swapped (0 and 1, 2 and 3, ...; an odd last row takes the row before it)."""
    n = ops.shape(values)[0]
    index = ops.arange(n)
    partner = index + 1 - 2 * (index % 2)
    partner = ops.maximum(ops.where(partner >= n, index - 1, partner), 0)
    return ops.take(values, partner, axis=0)


def tensors(*values):
    """``values`` as tensors: a Keras model takes a list of inputs all of one kind."""
    return [ops.convert_to_tensor(value) for value in values]


class TextToImageGAN(GAN):
    """A GAN whose networks take ``[x, phi(t)]``; batches carry ``tokens`` (``gantk.tokenizer``) beside ``image``.

    ``text_encoder`` maps word ids to phi(t) and is frozen; ``interpolation`` is GAN-INT's beta
    (0 trains GAN-CLS alone); ``caption_matching`` weighs the contrastive loss between phi(t) and
    ``image_encoder`` (frozen, pretrained with phi) on G's images, with the hard negative captions
    of ``caption_negatives`` (a ``CaptionNegatives`` of the run's vocabulary) when given;
    ``auxiliary_classifier`` weighs the class cross-entropy of D's class logits (its outputs after
    the first).
    """

    captioned = True

    def __init__(
        self, *args, text_encoder, interpolation=0.0, image_encoder=None, caption_matching=0.0, caption_negatives=None,
        auxiliary_classifier=0.0, **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.auxiliary_classifier = float(auxiliary_classifier)
        self.batch_classes = None
        self.caption_negatives = caption_negatives if caption_matching else None
        self.generator_negatives = None
        self.text_encoder = text_encoder
        self.text_encoder.trainable = False
        self.interpolation = float(interpolation)
        self.caption_matching = float(caption_matching)
        if self.caption_matching and image_encoder is None:
            raise ValueError("caption_matching needs the image encoder pretrained with the text encoder.")
        self.image_encoder = image_encoder
        if image_encoder is not None:
            self.image_encoder.trainable = False
        self.d_wrong_tracker = keras.metrics.Mean(name="d_wrong")
        self.g_match_tracker = keras.metrics.Mean(name="g_match") if self.caption_matching else None
        self.g_class_tracker = keras.metrics.Mean(name="g_class") if self.auxiliary_classifier else None

    @property
    def metrics(self):
        optional = [tracker for tracker in (self.g_match_tracker, self.g_class_tracker) if tracker is not None]
        return [*super().metrics, self.d_wrong_tracker, *optional]

    @property
    def max_length(self):
        return int(self.text_encoder.inputs[0].shape[1])

    def embed(self, tokens):
        """phi(t) of word ids ``[N, max_length]``."""
        return self.text_encoder(ops.cast(tokens, "int32"), training=False)

    def conditions(self, data):
        return self.embed(data["tokens"])

    def call(self, inputs, training=False):
        if isinstance(inputs, dict):
            return self.discriminate(inputs["image"], self.embed(inputs["tokens"]), training=training)
        return self.generator(inputs, training=training)

    def generate(self, z, labels=None, training=False):
        """Images of ``z`` for caption embeddings ``labels`` (phi(t), one per latent)."""
        generator = self.generator if training else self.inference_generator
        return generator(tensors(z, labels), training=training)

    def judge(self, images, labels, training=False):
        """(D's logits [N, 1], its class logits [N, classes] or None without the auxiliary classifier)."""
        outputs = self.discriminator(tensors(images, labels), training=training)
        if not self.auxiliary_classifier:
            return outputs, None
        return outputs[:, :1], outputs[:, 1:]

    def discriminate(self, images, labels=None, training=False):
        return self.judge(images, labels, training)[0]

    def class_loss(self, class_logits):
        """The auxiliary classifier's mean cross-entropy against the batch's classes."""
        return ops.mean(keras.losses.sparse_categorical_crossentropy(self.batch_classes, class_logits, from_logits=True))

    def features(self, images, labels=None, training=False):
        return self.feature_extractor(tensors(images, labels), training=training)

    def train_step(self, data):
        """The shared step, after drawing the hard negatives of the captions G's update will use."""
        if self.caption_negatives is not None:
            tokens = data["tokens"][:: self.d_steps]
            self.generator_negatives = self.caption_negatives.embed(self.text_encoder, tokens, self.seed_generator)
        if self.auxiliary_classifier:
            self.batch_classes = ops.cast(data["label"], "int32")
        return super().train_step(data)

    def discriminator_objective(self, real, fake, labels, z=None):
        real_logits, real_classes = self.judge(self.perturb(real), labels, training=True)
        fake_logits, fake_classes = self.judge(self.perturb(fake), labels, training=True)
        loss = self.loss_pair.discriminator(real_logits, fake_logits, self.real_target)
        wrong_logits = self.discriminate(self.perturb(real), mismatched(labels), training=True)
        self.d_wrong_tracker.update_state(self.read_logits(wrong_logits))
        wrong = self.loss_pair.discriminator(real_logits, wrong_logits, self.real_target)
        loss = (loss + wrong) / 2
        if self.auxiliary_classifier:
            loss = loss + self.auxiliary_classifier * (self.class_loss(real_classes) + self.class_loss(fake_classes))
        return loss, real_logits, fake_logits

    def generator_objective(self, real, fake, labels, z=None):
        if self.auxiliary_classifier:
            logits, classes = self.judge(self.perturb(fake), labels, training=True)
            classified = self.class_loss(classes)
            self.g_class_tracker.update_state(classified)
            loss = self.adversarial_loss(logits) + self.auxiliary_classifier * classified
        else:
            loss = super().generator_objective(real, fake, labels)
        if self.caption_matching:
            matching = symmetric_info_nce(labels, self.image_encoder(fake, training=False), negatives=self.generator_negatives)
            self.g_match_tracker.update_state(matching)
            loss = loss + self.caption_matching * matching
        if not self.interpolation:
            return loss
        beta = self.interpolation
        mixed = beta * labels + (1.0 - beta) * mismatched(labels)
        z = self.draw_latents(ops.shape(real)[0])
        return loss + super().generator_objective(real, self.generate(z, mixed, training=True), mixed)

    def captioned_generator(self):
        """``[z, tokens] -> image``: the inference generator behind the text encoder, one graph (what is exported)."""
        z = keras.Input(shape=(self.latent_dim,), name="z")
        tokens = keras.Input(shape=(self.max_length,), dtype="int32", name="tokens")
        image = self.inference_generator([z, self.text_encoder(tokens)])
        return keras.Model([z, tokens], image, name="text_to_image_generator")
