"""Everything that rebuilds a run, saved as ``config.json`` in the run directory."""

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from gantk import __version__
from gantk.data.splits import saved_split
from gantk.errors import ConfigError, RunDirError


@dataclass
class TrainConfig:
    """A training run: variant, data, networks, optimisation and what the data turned out to be.

    Fields left ``None`` take the variant's default (see ``gantk.zoo``) and then the data's.
    """

    variant: str
    dataset: str = "digits"
    data_dir: str = None
    split: str = "train"
    image_size: int = None
    channels: int = None
    latent_dim: int = 100
    width: int = 64
    kernel_size: int = 4
    batch_norm: bool = True
    batch_size: int = 64
    steps: int = None
    epochs: int = None
    seed: int = 0
    loss: str = "non-saturating"
    d_steps: int = 1
    optimizer: str = "adam"
    d_learning_rate: float = 2e-4
    g_learning_rate: float = 2e-4
    beta_1: float = 0.5
    beta_2: float = 0.999
    label_smoothing: float = None
    clip_discriminator: float = None
    strategy: str = "auto"
    precision: str = "float32"
    jit_compile: str = "auto"
    checkpoints_kept: int = 3
    options: dict = field(default_factory=dict)
    """Variant-specific settings (hidden units, penalty weights, tricks)."""
    image_shape: list = None
    num_examples: int = None
    label_names: list = None
    gantk_version: str = __version__

    @property
    def num_classes(self):
        return len(self.label_names) if self.label_names else 0

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def sha256(self):
        """A hash of the settings that define the trained model (not of where or how long it ran)."""
        defining = {k: v for k, v in self.to_dict().items() if k not in ("steps", "epochs", "strategy", "data_dir", "jit_compile")}
        return hashlib.sha256(json.dumps(defining, sort_keys=True).encode()).hexdigest()

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"Unknown configuration keys {unknown}; known keys are {sorted(known)}.")
        return cls(**values)

    def with_overrides(self, **overrides):
        """A copy with every override that is not ``None`` applied."""
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def save(self, path):
        with open(path, "w") as handle:
            handle.write(self.to_json() + "\n")

    @classmethod
    def load(cls, path):
        try:
            with open(path) as handle:
                values = json.load(handle)
        except FileNotFoundError:
            raise RunDirError(f"No run configuration at {path}; is this a gantk run directory?") from None
        except json.JSONDecodeError as error:
            raise RunDirError(f"The run configuration {path} is not valid JSON ({error}).") from None
        if isinstance(values, dict) and "split" in values:
            values["split"] = saved_split(values.get("dataset"), values["split"], values.get("num_examples"))
        return cls.from_dict(values)
