"""Prepare a tensorflow-datasets dataset from files the user already has, offline.

tensorflow-datasets' own Python builder (``DatasetBuilder.download_and_prepare`` with a
``tfds.download.DownloadConfig(manual_dir=...)``) reads a download-based dataset's files from the
manual folder under the names its checksums file lists (``DownloadManager._get_manually_downloaded_path``:
CelebA's ``img_align_celeba.zip``, MNIST's ``train-images-idx3-ubyte.gz``), and a manual-download
dataset's files from the same folder; unlike ``tfds build`` it needs no Apache Beam. gantk adds what
the builder leaves out: the files it expects and where it looked when some are missing, every checksum
mismatch in one error, and no network access unless a download is allowed and needed.
"""

import contextlib
import os

from gantk.errors import DatasetError


class DownloadNeeded(Exception):
    """tensorflow-datasets asked for a file that is neither in the manual folder nor already downloaded."""

    def __init__(self, url):
        super().__init__(url)
        self.url = url


def manual_dir_of(builder, manual_dir=None):
    """The manual folder tensorflow-datasets reads: the given one, else ``DATA_DIR/downloads/manual``."""
    if manual_dir:
        return os.path.abspath(os.path.expanduser(str(manual_dir)))
    return os.path.join(str(builder.data_dir_root), "downloads", "manual")


def expected_files(builder):
    """``{file name: tfds UrlInfo}`` of the files the builder's checksums file names (empty when it has none)."""
    infos = type(builder).url_infos or {}
    return {info.filename: info for info in infos.values() if info.filename}


def file_status(builder, manual_dir):
    """``(present, missing)`` file names of ``expected_files`` in ``manual_dir``."""
    names = sorted(expected_files(builder))
    present = [name for name in names if os.path.isfile(os.path.join(manual_dir, name))]
    return present, [name for name in names if name not in present]


def has_manual_files(builder, manual_dir=None):
    """Whether ``manual_dir`` holds any file the builder reads, or anything at all for a manual-only dataset."""
    folder = manual_dir_of(builder, manual_dir)
    if not os.path.isdir(folder):
        return False
    if expected_files(builder):
        return bool(file_status(builder, folder)[0])
    return bool(os.listdir(folder))


def checksum_mismatches(builder, manual_dir, names):
    """``{name: (expected UrlInfo, found UrlInfo)}`` for the given manual files whose size or sha256 differ."""
    from tensorflow_datasets.core.download import checksums

    expected = expected_files(builder)
    found = {name: checksums.compute_url_info(os.path.join(manual_dir, name)) for name in names}
    return {name: (expected[name], found[name]) for name in names if expected[name] != found[name]}, found


def missing_files_error(name, builder, manual_dir, url=None):
    present, missing = file_status(builder, manual_dir)
    if missing:
        wanted = ", ".join(missing)
        return DatasetError(
            f"Dataset {name!r} needs {len(missing)} file(s) that are not in {manual_dir}: {wanted} "
            f"(found {len(present)} of {len(present) + len(missing)}); put them there under these names and rerun, "
            f"or run `gantk prepare {name} --manual-dir DIR` with the folder that holds them."
        )
    return DatasetError(
        f"Dataset {name!r} needs {url} , which is not in {manual_dir} or in "
        f"{os.path.join(str(builder.data_dir_root), 'downloads')}, and downloads are not possible here."
    )


@contextlib.contextmanager
def downloads_guarded(allow_network):
    """Within: a file tensorflow-datasets must fetch raises ``DownloadNeeded`` unless downloads are allowed
    and the network answers, so an offline machine fails at once instead of after the downloader's retries.

    The check sits where tfds starts a real download (``DownloadManager._download``), after it has looked
    in the manual folder and its download cache, so prepared and manual data never meet a network check.
    """
    from tensorflow_datasets.core.download import download_manager

    original = download_manager.DownloadManager._download

    def guarded(self, resource):
        if allow_network and network_reachable():
            return original(self, resource)
        raise DownloadNeeded(getattr(resource, "url", resource))

    download_manager.DownloadManager._download = guarded
    try:
        yield
    finally:
        download_manager.DownloadManager._download = original


def host_reachable(host, port=443, timeout=3.0):
    """Whether a download from ``host`` could start at all: one quick connection instead of slow retries."""
    import socket

    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def network_reachable():
    """Whether tensorflow-datasets could start a download at all."""
    return host_reachable("storage.googleapis.com")


@contextlib.contextmanager
def accepted_checksums(builder, found):
    """Within: the builder's expected size and sha256 of each file in ``found`` are the ones found."""
    infos = type(builder).url_infos or {}
    saved = dict(infos)
    for url, info in saved.items():
        if info.filename in found:
            infos[url] = found[info.filename]
    try:
        yield
    finally:
        infos.clear()
        infos.update(saved)


def prepare_builder(builder, manual_dir=None, skip_checksums=False, allow_network=False, progress=True):
    """Run ``builder.download_and_prepare`` on the files in ``manual_dir`` (default ``DATA_DIR/downloads/manual``).

    Raises ``DatasetError`` naming each missing file and the folder searched, or every file whose checksum
    differs from tensorflow-datasets' record (unless ``skip_checksums``).
    """
    import tensorflow_datasets as tfds

    name = builder.name
    folder = manual_dir_of(builder, manual_dir)
    present, _ = file_status(builder, folder)
    mismatches, found = checksum_mismatches(builder, folder, present)
    if mismatches and not skip_checksums:
        listed = "; ".join(
            f"{file}: {got.size}, sha256 {got.checksum[:12]}..., expected {want.size}, sha256 {want.checksum[:12]}..."
            for file, (want, got) in sorted(mismatches.items())
        )
        raise DatasetError(
            f"Dataset {name!r}: {len(mismatches)} file(s) in {folder} differ from the ones tensorflow-datasets "
            f"knows ({listed}); replace them, or pass --skip-checksums if you know they are right."
        )
    config = tfds.download.DownloadConfig(manual_dir=folder)
    tfds.display_progress_bar(bool(progress))
    try:
        with downloads_guarded(allow_network), accepted_checksums(builder, found if skip_checksums else {}):
            builder.download_and_prepare(download_config=config)
    except DownloadNeeded as needed:
        raise missing_files_error(name, builder, folder, needed.url) from None
    except AssertionError as error:
        if "Manual directory" not in str(error):
            raise
        instructions = " ".join(str(builder.MANUAL_DOWNLOAD_INSTRUCTIONS or "").split())
        raise DatasetError(
            f"Dataset {name!r} reads files you download yourself, and {folder} holds none: {instructions}"
        ) from None
    return builder


def prepare_dataset(name, manual_dir, data_dir=None, skip_checksums=False, progress=True):
    """``gantk prepare``: the builder of ``name`` prepared in ``data_dir`` from the files in ``manual_dir``."""
    from gantk.data.tfds_source import default_data_dir, get_builder, is_prepared

    if not os.path.isdir(os.path.expanduser(str(manual_dir))):
        raise DatasetError(f"Argument `manual_dir` must be an existing folder. Received: manual_dir={str(manual_dir)!r}")
    builder = get_builder(name, data_dir or default_data_dir())
    if is_prepared(builder):
        return builder
    return prepare_builder(builder, manual_dir, skip_checksums=skip_checksums, progress=progress)
