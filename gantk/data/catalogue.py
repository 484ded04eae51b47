"""The names of the tensorflow-datasets catalogue, cached so that an unknown name is refused at once.

Listing the catalogue means importing tensorflow-datasets and every builder module, which takes
seconds; the list is saved per tensorflow-datasets version in gantk's cache folder
(``$GANTK_CACHE_DIR`` or ``~/.cache/gantk``) the first time it is needed.
"""

import json
import os

from gantk.files import default_cache_dir, write_json_atomically


def tfds_version():
    from importlib import metadata

    try:
        return metadata.version("tensorflow-datasets")
    except metadata.PackageNotFoundError:
        return None


def tfds_names():
    """Every dataset name tensorflow-datasets can build, or None when it is not installed."""
    version = tfds_version()
    if version is None:
        return None
    path = os.path.join(default_cache_dir(), f"tfds-names-{version}.json")
    try:
        with open(path) as handle:
            return set(json.load(handle))
    except (OSError, ValueError):
        pass
    import tensorflow_datasets as tfds

    names = sorted(tfds.list_builders())
    try:
        write_json_atomically(path, names)
    except OSError:
        pass
    return set(names)


def is_tfds_name(spec):
    """Whether ``spec`` (``name``, ``name/config`` or ``name:version``) names a catalogue dataset; True if unsure."""
    if ":" in spec.split("/")[0] and not spec.split(":")[1][:1].isdigit():
        return True
    names = tfds_names()
    return names is None or spec.split("/")[0].split(":")[0] in names
