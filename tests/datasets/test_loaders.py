"""Loaders of the CelebA and CUB labels, on small written files and the real ones."""

import gzip

import numpy as np
import pytest

from sktransfer.datasets import load_celeba_labels, load_cub_labels
from tests.datasets.data_home import shared_folder

ATTRIBUTES = (
    "3\r\n"
    "Bald Smiling Young\r\n"
    "000001.jpg -1  1  1\r\n"
    "000002.jpg  1 -1 -1\r\n"
    "000003.jpg -1 -1  1\r\n"
)
IDENTITIES = "000001.jpg 12\r\n000002.jpg 5\r\n000003.jpg 12\r\n"
PARTITION = "000001.jpg 0\r\n000002.jpg 1\r\n000003.jpg 2\r\n"


def write(path, text, compress=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        with gzip.open(path.with_name(path.name + ".gz"), "wt", newline="") as file:
            file.write(text)
    else:
        path.write_bytes(text.encode())


def write_celeba(folder, *, layout="official", compress=False):
    anno, evaluation = {
        "official": ("Anno", "Eval"),
        "flat": ("", ""),
        "raw": ("raw", "raw"),
    }[layout]
    write(folder / anno / "list_attr_celeba.txt", ATTRIBUTES, compress)
    write(folder / anno / "identity_CelebA.txt", IDENTITIES, compress)
    write(folder / evaluation / "list_eval_partition.txt", PARTITION, compress)


def check_small_celeba(celeba):
    np.testing.assert_array_equal(
        celeba.image, ["000001.jpg", "000002.jpg", "000003.jpg"]
    )
    np.testing.assert_array_equal(celeba.identity, [12, 5, 12])
    np.testing.assert_array_equal(celeba.attributes, [[0, 1, 1], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(celeba.attribute_names, ["Bald", "Smiling", "Young"])
    np.testing.assert_array_equal(celeba.partition, [0, 1, 2])
    assert celeba.identity.dtype == np.int32
    assert celeba.attributes.dtype == celeba.partition.dtype == np.int8


@pytest.mark.parametrize("layout", ["official", "flat", "raw"])
@pytest.mark.parametrize("compress", [False, True])
def test_celeba_annotation_files_plain_or_gzipped(tmp_path, layout, compress):
    write_celeba(tmp_path, layout=layout, compress=compress)
    check_small_celeba(load_celeba_labels(tmp_path))


def test_celeba_npz_gives_the_same_labels_and_is_preferred(tmp_path):
    write_celeba(tmp_path)
    celeba = load_celeba_labels(tmp_path)
    np.savez_compressed(tmp_path / "celeba_labels.npz", **celeba)
    # Change the annotation files: "auto" must read the npz, not them.
    write(tmp_path / "Anno" / "identity_CelebA.txt", IDENTITIES.replace("12", "13"))
    check_small_celeba(load_celeba_labels(tmp_path))
    check_small_celeba(load_celeba_labels(tmp_path, source="npz"))
    changed = load_celeba_labels(tmp_path, source="annotations")
    np.testing.assert_array_equal(changed.identity, [13, 5, 13])


def test_celeba_missing_folder_or_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist; pass the CelebA"):
        load_celeba_labels(tmp_path / "nowhere")
    write(tmp_path / "Anno" / "list_attr_celeba.txt", ATTRIBUTES)
    with pytest.raises(FileNotFoundError, match="identity_CelebA.txt .or .*Anno/"):
        load_celeba_labels(tmp_path)
    with pytest.raises(FileNotFoundError, match="celeba_labels.npz"):
        load_celeba_labels(tmp_path, source="npz")
    with pytest.raises(ValueError, match="source must be"):
        load_celeba_labels(tmp_path, source="zip")


def test_celeba_inconsistent_files_are_refused(tmp_path):
    write_celeba(tmp_path)
    swapped = "000002.jpg 1\r\n000001.jpg 0\r\n000003.jpg 2\r\n"
    write(tmp_path / "Eval" / "list_eval_partition.txt", swapped)
    with pytest.raises(ValueError, match="do not list the same images"):
        load_celeba_labels(tmp_path)
    write_celeba(tmp_path)
    write(
        tmp_path / "Anno" / "list_attr_celeba.txt", ATTRIBUTES.replace(" 1\r", " 0\r")
    )
    with pytest.raises(ValueError, match="values 1 or -1 only"):
        load_celeba_labels(tmp_path)
    write(tmp_path / "Anno" / "list_attr_celeba.txt", ATTRIBUTES.replace("3", "4", 1))
    with pytest.raises(ValueError, match="announces 4 images but lists 3"):
        load_celeba_labels(tmp_path)


def write_cub(folder):
    np.savez(
        folder / "cub_labels.npz",
        image_id=np.arange(1, 6, dtype=np.int32),
        image_class=np.array([2, 1, 3, 3, 2], dtype=np.int16),
        class_names=np.array(["001.A", "002.B", "003.C"]),
        class_attribute_continuous=np.array(
            [[0.0, 50.0, 100.0], [75.0, 49.9, 0.0], [10.0, 60.0, 50.0]]
        ),
        attribute_names=np.array(["x::1", "x::2", "y::1"]),
    )


def test_cub_image_attributes_are_the_class_attributes_at_the_threshold(tmp_path):
    write_cub(tmp_path)
    cub = load_cub_labels(tmp_path)
    expected = np.array([[1, 0, 0], [0, 1, 1], [0, 1, 1], [0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(cub.image_attributes, expected)
    assert cub.image_attributes.dtype == np.int8
    np.testing.assert_array_equal(cub.image_class, [2, 1, 3, 3, 2])
    strict = load_cub_labels(tmp_path, threshold=70)
    np.testing.assert_array_equal(strict.image_attributes[:, 2], [0, 1, 0, 0, 0])


def test_cub_bad_threshold_or_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="cub_labels.npz"):
        load_cub_labels(tmp_path)
    write_cub(tmp_path)
    with pytest.raises(ValueError, match="threshold must be a percentage"):
        load_cub_labels(tmp_path, threshold=150)


# The real files ------------------------------------------------------------------


def test_real_celeba_npz_equals_the_official_annotation_files():
    folder = shared_folder("celeba", "celeba_labels.npz")
    if not (folder / "raw" / "list_attr_celeba.txt.gz").is_file():
        pytest.skip("the gzipped official CelebA annotation files are absent")
    compact = load_celeba_labels(folder, source="npz")
    official = load_celeba_labels(folder, source="annotations")
    for key in ("image", "identity", "attributes", "attribute_names", "partition"):
        np.testing.assert_array_equal(compact[key], official[key])
    assert compact.attributes.shape == (202599, 40)
    assert np.unique(compact.identity).size == 10177
    assert np.bincount(compact.partition).tolist() == [162770, 19867, 19962]


def test_real_cub_labels():
    cub = load_cub_labels(shared_folder("cub", "cub_labels.npz"))
    assert cub.image_attributes.shape == (11788, 312)
    assert np.unique(cub.image_class).size == 200
    np.testing.assert_array_equal(
        cub.image_attributes[0], cub.class_attributes[cub.image_class[0] - 1] >= 50
    )
