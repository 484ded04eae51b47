"""Everything that rebuilds a run, saved as ``config.json`` in the run directory.

``TrainConfig`` has one field per ``gantk.options.OPTIONS`` entry and checks every value against
that schema whenever it is made, so a config, from flags or from ``config.json``, is valid or is
refused with one sentence naming the bad key. No TensorFlow is imported here.
"""

import dataclasses
import hashlib
import json

from gantk import __version__, zoo
from gantk.data import check_split, default_split, describe_dataset
from gantk.data.captioned import no_captions
from gantk.data.splits import saved_split
from gantk.errors import ConfigError, RunDirError
from gantk.files import write_text_atomically
from gantk.options import BY_NAME, OPTIONS, check_options, legacy_values, matches_features
from gantk.zoo.architectures import check_given_options


def check_info_code(recipe, values):
    """InfoGAN's code (``gantk.nets.info_code``) needs the plain GAN step (LAPGAN's: its coarsest
    level), a generator loss that reads D's outputs, and z's first coordinate free."""
    if not values["info_code"]:
        return
    if recipe.model != "gan":
        plain = [name for name in zoo.names() if zoo.get(name).model == "gan"]
        raise ConfigError(f"Option `info_code` applies to {', '.join(plain)}, not to {recipe.name}.")
    if values["latent_mixture"]:
        raise ConfigError("Options `info_code` and `latent_mixture` both make z's first coordinate a category; choose one.")
    if matches_features(values["loss"]):
        raise ConfigError("Option `info_code` reads the code from D's outputs on generated images, which the feature-matching loss does not compute; choose another `loss`.")


def check_top_k(values):
    """Top-k training (``gantk.training.top_k``) ranks D's score of each generated sample."""
    if not values["top_k"]:
        return
    if matches_features(values["loss"]):
        raise ConfigError("Option `top_k` ranks D's scores of single samples, and the feature-matching loss compares a batch's mean features; choose another `loss`.")


def check_needed_options(values):
    """Refuse an option given without the one it refines (``Option.needs``)."""
    for option in OPTIONS:
        if option.needs and option.is_set(values[option.name]) and not values[option.needs[0]]:
            needed, what = option.needs
            raise ConfigError(f"Option `{option.name}` needs `{needed}` ({what}).")


def check_refused_options(recipe, values):
    """Refuse a shared option the variant cannot build with (``Recipe.refuses``), when it is set."""
    given = [name for name in recipe.refuses if BY_NAME[name].is_set(values[name])]
    if given:
        raise ConfigError(f"The {recipe.name} variant does not take option `{given[0]}`: {recipe.refusal}; drop it.")


class ConfigMethods:
    """The behaviour of ``TrainConfig``; its fields come from the option schema."""

    def __post_init__(self):
        checked = check_options({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        recipe = zoo.get(checked["variant"])
        for option in OPTIONS:
            value = checked[option.name]
            if option.variant_specific and option.is_set(value) and option.name not in recipe.takes:
                taken_by = [name for name in zoo.names() if option.name in zoo.get(name).takes]
                raise ConfigError(f"Option `{option.name}` applies to {', '.join(taken_by)}, not to {recipe.name}.")
        check_needed_options(checked)
        check_info_code(recipe, checked)
        check_top_k(checked)
        check_refused_options(recipe, checked)
        checked["gantk_version"] = checked["gantk_version"] or __version__
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def num_classes(self):
        return len(self.label_names) if self.label_names else 0

    @property
    def is_points(self):
        """Whether the run trains on 2-D point data (``data_kind``, decided when the config resolves)."""
        return self.data_kind == "points"

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def sha256(self):
        """A hash of the settings that define the trained model (``on_resume == "fixed"``)."""
        defining = {k: v for k, v in self.to_dict().items() if BY_NAME[k].on_resume == "fixed"}
        return hashlib.sha256(json.dumps(defining, sort_keys=True).encode()).hexdigest()

    def with_overrides(self, **overrides):
        """A copy with every override that is not ``None`` applied, checked against the schema."""
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_dict(cls, values):
        """A config from saved values; a config written before the schema (with ``options``) is read too."""
        if not isinstance(values, dict):
            raise ConfigError(f"A run configuration must be a JSON object of settings. Received: {values!r:.60}")
        values = legacy_values(values)
        unknown = sorted(set(values) - set(BY_NAME))
        if unknown:
            raise ConfigError(f"Unknown configuration key {unknown[0]!r}; known keys are {', '.join(sorted(BY_NAME))}.")
        if values.get("split") is not None:
            values["split"] = saved_split(values.get("dataset"), values["split"], values.get("num_examples"))
        if values.get("data_kind") is None and values.get("image_shape"):
            values["data_kind"] = "points" if len(values["image_shape"]) == 1 else "image"
        return cls(**values)

    def save(self, path):
        write_text_atomically(path, self.to_json() + "\n")

    @classmethod
    def load(cls, path):
        try:
            with open(path) as handle:
                values = json.load(handle)
        except FileNotFoundError:
            raise RunDirError(f"No run configuration at {path}; is this a gantk run directory?") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise RunDirError(f"The run configuration {path} is not valid JSON ({error}).") from None
        try:
            return cls.from_dict(values)
        except ConfigError as error:
            raise RunDirError(f"The run configuration {path} is invalid: {error}") from None


TrainConfig = dataclasses.make_dataclass(
    "TrainConfig",
    [(option.name, object, dataclasses.field(default=option.default)) for option in OPTIONS],
    bases=(ConfigMethods,),
)
TrainConfig.__module__ = __name__
TrainConfig.__doc__ = """A training run: one field per ``gantk.options.OPTIONS`` entry, checked when made.

Fields left ``None`` take the variant's default (``gantk.zoo``) and then the data's.
"""


def resolve_config(variant, **settings):
    """The run ``variant`` with the user's settings (``None`` means unset) over the variant's paper
    defaults, its geometry decided before any data loads: point or image data, image size, channels.
    A network option the run's networks would not read is refused (``check_given_options``)."""
    recipe = zoo.get(variant)
    values = {"dataset": recipe.default_dataset, **recipe.defaults}
    given = {name: value for name, value in settings.items() if value is not None}
    config = with_geometry(TrainConfig(variant=variant, **{**values, **given}))
    check_given_options(config, given)
    if recipe.check:
        recipe.check(config)
    return config


def with_geometry(config):
    """``config`` with ``data_kind``, ``image_size``, ``channels`` and ``image_shape`` decided from its dataset."""
    facts = describe_dataset(config.dataset, config.data_dir)
    config = dataclasses.replace(config, split=check_split(config.dataset, config.split or default_split(config.dataset)))
    recipe = zoo.get(config.variant)
    if recipe.data_kind not in ("any", facts.kind):
        raise ConfigError(
            f"The {config.variant} variant trains on {recipe.data_kind} data but dataset {config.dataset!r} holds {facts.kind}."
        )
    if recipe.captioned and not facts.captioned:
        raise no_captions(config.variant, config.dataset)
    if facts.kind == "points":
        return dataclasses.replace(config, data_kind="points", image_size=None, channels=None, image_shape=[facts.point_dim])
    size = config.image_size or facts.image_size
    channels = config.channels or facts.channels or 3
    return dataclasses.replace(config, data_kind="image", image_size=size, channels=channels, image_shape=[size, size, channels])
