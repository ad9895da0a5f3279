"""Loader of the CUB-200-2011 labels: image classes and class-level attributes."""

from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

_NPZ = "cub_labels.npz"


def load_cub_labels(directory, *, threshold=50.0):
    """Load the class labels of CUB-200-2011 and per-image attribute tasks.

    Reads the compact ``cub_labels.npz``: the class of each of the 11,788
    bird images and, for each of the 200 classes and 312 attributes, the
    percentage of the class's images annotated with the attribute. Each
    image gets the attributes of its class that reach ``threshold``.

    Parameters
    ----------
    directory : str or path-like
        The folder holding ``cub_labels.npz``.
    threshold : float in [0, 100], default=50.0
        An image has an attribute when at least this percentage of the images
        of its class were annotated with it.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With entries

        image_id : ndarray of shape (n_images,), dtype int32
            The CUB image ids, from 1.
        image_class : ndarray of shape (n_images,), dtype int16
            The class id of each image, from 1 to 200.
        class_names : ndarray of shape (200,), dtype str
            ``class_names[c - 1]`` names class id ``c``.
        class_attributes : ndarray of shape (200, 312), dtype float64
            Percentage (0 to 100) of each class's images annotated with each
            attribute.
        attribute_names : ndarray of shape (312,), dtype str
            ``attribute_names[a - 1]`` names attribute id ``a``.
        image_attributes : ndarray of shape (n_images, 312), dtype int8
            1 where the class of the image has the attribute at
            ``threshold`` or above, else 0: one binary task per attribute.

    Raises
    ------
    FileNotFoundError
        When ``directory`` holds no ``cub_labels.npz``.

    See Also
    --------
    load_celeba_labels : The identities and attributes of CelebA.

    Notes
    -----
    CUB-200-2011 (Wah et al. [1]_) has 11,788 images of 200 bird species.
    The per-image attributes here are class-level: every image of a class
    has the same ones, so the class label determines each attribute task.
    Attributes that no class reaches give constant tasks, which most uses
    leave out.

    References
    ----------
    .. [1] C. Wah, S. Branson, P. Welinder, P. Perona and S. Belongie, "The
       Caltech-UCSD Birds-200-2011 Dataset", technical report CNS-TR-2011-001,
       California Institute of Technology, 2011.

    Examples
    --------
    A made-up file of the same layout, two classes and two attributes:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sktransfer.datasets import load_cub_labels
    >>> temporary = tempfile.TemporaryDirectory()
    >>> np.savez(
    ...     Path(temporary.name) / "cub_labels.npz",
    ...     image_id=np.arange(1, 4, dtype=np.int32),
    ...     image_class=np.array([1, 2, 2], dtype=np.int16),
    ...     class_names=np.array(["001.Albatross", "002.Auklet"]),
    ...     class_attribute_continuous=np.array([[80.0, 10.0], [40.0, 50.0]]),
    ...     attribute_names=np.array(["has_bill_shape::hooked", "has_size::small"]))
    >>> load_cub_labels(temporary.name).image_attributes
    array([[1, 0],
           [0, 1],
           [0, 1]], dtype=int8)
    >>> temporary.cleanup()
    """
    if not isinstance(threshold, Real) or not 0 <= threshold <= 100:
        raise ValueError(
            f"threshold must be a percentage between 0 and 100; got {threshold!r}"
        )
    path = Path(directory) / _NPZ
    if not path.is_file():
        raise FileNotFoundError(
            f"{str(path)!r} does not exist; pass the folder holding {_NPZ}"
        )
    with np.load(path, allow_pickle=False) as stored:
        image_class = stored["image_class"]
        class_attributes = stored["class_attribute_continuous"]
        data = Bunch(
            image_id=stored["image_id"],
            image_class=image_class,
            class_names=stored["class_names"],
            class_attributes=class_attributes,
            attribute_names=stored["attribute_names"],
        )
    n_classes = class_attributes.shape[0]
    if image_class.min() < 1 or image_class.max() > n_classes:
        raise ValueError(
            f"{_NPZ} has image classes outside 1..{n_classes}, the rows of its "
            "class attribute table"
        )
    present = (class_attributes >= threshold).astype(np.int8)
    data.image_attributes = present[image_class - 1]
    return data
