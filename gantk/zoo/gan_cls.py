"""Text to image: GAN-CLS and GAN-INT (Reed et al. 2016, "Generative adversarial text to image synthesis", arXiv:1605.05396).

G draws an image from z and a sentence, D judges whether an image is real and matches the
sentence (``gantk.nets.text_to_image``; the update is ``gantk.training.text_to_image``). The
sentence reaches both through phi(t) (``gantk.nets.text``): by default a word encoder
pretrained once per dataset by a contrastive joint embedding with images and then frozen;
``--text-encoder attributes`` replaces it with the caption's attribute one-hots, the conditional
GAN given the true labels. ``gan-int`` is the same recipe with ``--interpolation 0.5``, the paper's
beta. Paper settings: Adam 2e-4, beta_1 0.5, batch 64, DCGAN networks. Beyond the paper,
``--caption-matching WEIGHT`` adds the sentence-level matching loss of AttnGAN to G's objective
(``gantk.training.text_to_image``), and ``--projection`` gives D the caption by projection
(Miyato & Koyama 2018) instead of the paper's concatenation at 4x4; ``--auxiliary-classifier
WEIGHT`` adds TAC-GAN's classifier of the dataset's class label to D (Dash et al. 2017).
"""

import dataclasses

from gantk.errors import ConfigError
from gantk.options import matches_features
from gantk.zoo.architectures import discriminator_batch_norm, discriminator_width
from gantk.zoo.recipe import Recipe

PAPER = "Reed, Akata, Yan, Logeswaran, Schiele & Lee 2016, arXiv:1605.05396"


def check(config):
    """Refuses settings a text-to-image run cannot build from, before any data loads (``Recipe.check``)."""
    if config.text_encoder == "attributes" and config.caption_matching:
        raise ConfigError("Option `caption_matching` compares G's images with the pretrained text encoder's embeddings; --text-encoder attributes has none.")
    if config.caption_negatives and not config.caption_matching:
        raise ConfigError("Option `caption_negatives` adds hard negatives to caption matching; set --caption-matching WEIGHT too.")
    if config.auxiliary_classifier and (config.d_steps > 1 or matches_features(config.loss)):
        refused = "d_steps" if config.d_steps > 1 else "loss"
        raise ConfigError(f"Option `auxiliary_classifier` reads the class logits of one discriminator pass per batch; it does not take option `{refused}` {getattr(config, refused)!r}.")
    if config.text_encoder == "attributes" and str(config.dataset).partition("/")[0] != "shapes":
        raise ConfigError(f"Option `text_encoder` attributes reads the shapes grammar's attribute words; dataset {config.dataset!r} is not shapes.")


def check_vocabulary(config):
    if not config.vocabulary:
        raise ConfigError(f"The {config.variant} run has no recorded vocabulary; it is read from the training captions.")


def build_text_encoder(config):
    """The run's phi(t), before pretraining: the word encoder, or the fixed attribute table."""
    from gantk.data.captions import attribute_table
    from gantk.nets.text import attribute_encoder, text_encoder
    from gantk.tokenizer import MAX_LENGTH

    check_vocabulary(config)
    if config.text_encoder == "attributes":
        return attribute_encoder(attribute_table(config.vocabulary), MAX_LENGTH)
    return text_encoder(len(config.vocabulary), MAX_LENGTH)


def embedding_dim(config):
    from gantk.data.captions import attribute_table
    from gantk.nets.text import EMBEDDING_DIM

    return attribute_table([]).shape[1] if config.text_encoder == "attributes" else EMBEDDING_DIM


def generator(config):
    from gantk.nets.latent_mixture import latent_prior
    from gantk.nets.text_to_image import text_generator

    return text_generator(
        config.latent_dim, embedding_dim(config), config.image_shape, width=config.width, kernel_size=config.kernel_size,
        batch_norm=config.batch_norm, sync_bn=config.sync_bn, latent_prior=latent_prior(config),
    )


def discriminator(config):
    from gantk.nets.text_to_image import text_discriminator

    if config.auxiliary_classifier and not config.num_classes:
        raise ConfigError(f"Option `auxiliary_classifier` classifies the dataset's labels; dataset {config.dataset!r} has none.")

    return text_discriminator(
        config.image_shape, embedding_dim(config), width=discriminator_width(config), kernel_size=config.kernel_size,
        batch_norm=discriminator_batch_norm(config), sync_bn=config.sync_bn, projection=config.projection,
        classes=config.num_classes if config.auxiliary_classifier else 0,
    )


def model_options(config):
    from gantk.nets.caption_negatives import CaptionNegatives
    from gantk.nets.text import EMBEDDING_DIM, image_encoder

    options = dict(
        text_encoder=build_text_encoder(config), interpolation=config.interpolation, auxiliary_classifier=config.auxiliary_classifier,
    )
    if config.caption_matching:
        options.update(
            image_encoder=image_encoder(config.image_shape, EMBEDDING_DIM), caption_matching=config.caption_matching,
            caption_negatives=CaptionNegatives(config.vocabulary) if config.caption_negatives else None,
        )
    return options


def prepare_data(config, data):
    """The training split with each caption's word ids (``gantk.tokenizer``) beside its image."""
    from gantk.data.captioned import caption_vocabulary, with_tokens

    return with_tokens(data, config.vocabulary or caption_vocabulary(data, config.variant))


RECIPE = Recipe(
    name="gan-cls",
    summary="Text to image: G(z, phi(t)), a matching-aware D with mismatched captions; --interpolation 0.5 gives GAN-INT.",
    paper=PAPER,
    build_generator=generator,
    build_discriminator=discriminator,
    defaults=dict(
        latent_dim=100, width=64, loss="non-saturating", optimizer="adam", d_learning_rate=2e-4, g_learning_rate=2e-4,
        beta_1=0.5, beta_2=0.999, batch_size=64, interpolation=0.0,
    ),
    default_dataset="shapes",
    model="text-to-image",
    model_options=model_options,
    prepare_data=prepare_data,
    captioned=True,
    check=check,
    refuses=("virtual_batch_norm",),
    refusal="the caption's embedding would need a reference batch of its own",
    takes=("interpolation", "text_encoder", "text_encoder_steps", "caption_matching", "caption_negatives", "projection", "auxiliary_classifier"),
)

GAN_INT = dataclasses.replace(
    RECIPE, name="gan-int", summary="GAN-INT: gan-cls whose generator also learns from interpolated caption embeddings (beta 0.5).",
    defaults={**RECIPE.defaults, "interpolation": 0.5},
)
