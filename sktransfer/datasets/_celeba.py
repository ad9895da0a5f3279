"""Loader of the CelebA labels: identities, 40 attributes, evaluation partition."""

import gzip
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

_NPZ = "celeba_labels.npz"
_ATTRIBUTES = "list_attr_celeba.txt"
_IDENTITIES = "identity_CelebA.txt"
_PARTITION = "list_eval_partition.txt"
# Where the official release and the compact copy keep the annotation files.
_SUBDIRECTORIES = ("", "Anno", "Eval", "raw")


def load_celeba_labels(directory, *, source="auto"):
    """Load the labels of CelebA: identity, 40 binary attributes and partition.

    Reads either the official annotation files of the CelebA release, plain
    or gzipped, or a compact ``celeba_labels.npz`` with the same content. No
    images are read.

    Parameters
    ----------
    directory : str or path-like
        The CelebA folder. The annotation files ``list_attr_celeba.txt``,
        ``identity_CelebA.txt`` and ``list_eval_partition.txt`` (each possibly
        ending in ``.gz``) are looked for in it and in its ``Anno/``,
        ``Eval/`` and ``raw/`` subfolders; the compact file as
        ``celeba_labels.npz`` in it.
    source : {"auto", "npz", "annotations"}, default="auto"
        What to read: the compact file, the annotation files, or the compact
        file when present and the annotation files otherwise.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With one entry per image, in the order of the official files
        (``000001.jpg`` first):

        image : ndarray of shape (n_images,), dtype str
            The image file names.
        identity : ndarray of shape (n_images,), dtype int32
            The identity of the person shown, from 1.
        attributes : ndarray of shape (n_images, 40), dtype int8
            1 where the attribute is present, 0 where absent (the official
            files write 1 and -1).
        attribute_names : ndarray of shape (40,), dtype str
            The attribute names, in the official order.
        partition : ndarray of shape (n_images,), dtype int8
            The official split: 0 train, 1 validation, 2 test.

    Raises
    ------
    FileNotFoundError
        When the files asked for are not in ``directory``.

    See Also
    --------
    load_cub_labels : The class labels and attributes of CUB-200-2011.

    Notes
    -----
    CelebA (Liu et al. [1]_) has 202,599 face images of 10,177 identities,
    each with 40 binary attributes. Its annotations are released for
    non-commercial research and educational purposes only.

    References
    ----------
    .. [1] Z. Liu, P. Luo, X. Wang and X. Tang, "Deep Learning Face Attributes
       in the Wild", ICCV 2015.

    Examples
    --------
    Two images in the layout of the official release:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sktransfer.datasets import load_celeba_labels
    >>> temporary = tempfile.TemporaryDirectory()
    >>> folder = Path(temporary.name)
    >>> (folder / "Anno").mkdir()
    >>> (folder / "Eval").mkdir()
    >>> _ = (folder / "Anno" / "list_attr_celeba.txt").write_text(
    ...     "2\\nBald Smiling\\n000001.jpg -1  1\\n000002.jpg  1 -1\\n")
    >>> _ = (folder / "Anno" / "identity_CelebA.txt").write_text(
    ...     "000001.jpg 7\\n000002.jpg 3\\n")
    >>> _ = (folder / "Eval" / "list_eval_partition.txt").write_text(
    ...     "000001.jpg 0\\n000002.jpg 2\\n")
    >>> celeba = load_celeba_labels(folder)
    >>> celeba.attributes
    array([[0, 1],
           [1, 0]], dtype=int8)
    >>> celeba.attribute_names.tolist(), celeba.identity.tolist()
    (['Bald', 'Smiling'], [7, 3])
    >>> temporary.cleanup()
    """
    if source not in ("auto", "npz", "annotations"):
        raise ValueError(
            f"source must be 'auto', 'npz' or 'annotations'; got {source!r}"
        )
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(
            f"directory {str(directory)!r} does not exist; pass the CelebA folder "
            f"holding {_NPZ} or the annotation files {_ATTRIBUTES}, {_IDENTITIES} "
            f"and {_PARTITION}"
        )
    compact = directory / _NPZ
    if source == "npz" or (source == "auto" and compact.is_file()):
        if not compact.is_file():
            raise FileNotFoundError(f"{str(compact)!r} does not exist")
        return _from_npz(compact)
    return _from_annotations(directory)


def _from_npz(path):
    with np.load(path, allow_pickle=False) as stored:
        return Bunch(
            image=stored["image"],
            identity=stored["identity"].astype(np.int32, copy=False),
            attributes=stored["attributes"].astype(np.int8, copy=False),
            attribute_names=stored["attribute_names"],
            partition=stored["partition"].astype(np.int8, copy=False),
        )


def _from_annotations(directory):
    lines = _read(_find(directory, _ATTRIBUTES)).split(b"\n", 2)
    if len(lines) < 3:
        raise ValueError(
            f"{_ATTRIBUTES} must start with the image count and the attribute "
            "names, then one line per image"
        )
    count, names, rows = lines
    attribute_names = np.array(names.decode().split())
    n_attributes = attribute_names.size
    table = _table(rows, n_attributes + 1, _ATTRIBUTES)
    values = table[:, 1:]
    if not np.isin(values, (b"1", b"-1")).all():
        raise ValueError(f"{_ATTRIBUTES} must hold attribute values 1 or -1 only")
    image = table[:, 0]
    if int(count) != image.size:
        raise ValueError(
            f"{_ATTRIBUTES} announces {int(count)} images but lists {image.size}"
        )
    identities = _table(_read(_find(directory, _IDENTITIES)), 2, _IDENTITIES)
    partition = _table(_read(_find(directory, _PARTITION)), 2, _PARTITION)
    for name, other in ((_IDENTITIES, identities), (_PARTITION, partition)):
        if not np.array_equal(other[:, 0], image):
            raise ValueError(
                f"{name} and {_ATTRIBUTES} do not list the same images in the "
                "same order"
            )
    return Bunch(
        image=image.astype(str),
        identity=identities[:, 1].astype(np.int32),
        attributes=(values == b"1").astype(np.int8),
        attribute_names=attribute_names,
        partition=partition[:, 1].astype(np.int8),
    )


def _find(directory, name):
    for subdirectory in _SUBDIRECTORIES:
        for suffix in ("", ".gz"):
            path = directory / subdirectory / (name + suffix)
            if path.is_file():
                return path
    raise FileNotFoundError(
        f"{name} (or {name}.gz) is not in {str(directory)!r} nor in its "
        f"{', '.join(s + '/' for s in _SUBDIRECTORIES if s)} subfolders"
    )


def _read(path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as file:
        return file.read()


def _table(text, n_columns, name):
    """Whitespace-separated fields as a byte-string array, one row per line."""
    fields = text.split()
    if len(fields) % n_columns:
        raise ValueError(f"{name} must have {n_columns} fields on every line")
    return np.array(fields).reshape(-1, n_columns)
