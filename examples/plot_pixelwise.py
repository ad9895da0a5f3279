"""
Pixel-wise transferability to dense targets
===========================================

Some target tasks output an image rather than a class: edges, a blurred copy,
a segmentation mask. Bao et al. (2019, Sec. 4.2) score a source representation
for such a pixel-to-pixel task by quantising the target's pixel values into a
palette of 16 colours, taking the H-score of the features against each pixel's
colour, and averaging over the pixels. The per-pixel map shows *where* a
source helps.

Here the targets are three transformations of scikit-learn's 8x8 digit images:
their edges (the gradient magnitude), a blurred copy and a black-and-white
thresholding. The sources are representations of the images: principal
components of the top half, of the bottom half and of the whole image, and the
class probabilities of a digit classifier, a source *task* rather than a
feature extractor. Second-order sources are concatenations of two first-order
ones.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import cross_val_predict

from sktransfer.metrics import pixelwise_h_score
from sktransfer.plotting import plot_pixelwise_map

pixels, digit = load_digits(return_X_y=True)
images = pixels.reshape(-1, 8, 8)

# %%
# The dense target tasks, one 8x8 target image per sample.

targets = {
    "edges": np.hypot(
        ndimage.sobel(images, axis=1, mode="constant"),
        ndimage.sobel(images, axis=2, mode="constant"),
    ),
    "blur": ndimage.gaussian_filter(images, sigma=(0, 1, 1)),
    "threshold": images > 8,
}

# %%
# The source representations. The classifier's probabilities are predicted out
# of fold, as they would be on new data.

top, bottom = pixels[:, :32], pixels[:, 32:]
sources = {
    "top half": PCA(6, random_state=0).fit_transform(top),
    "bottom half": PCA(6, random_state=0).fit_transform(bottom),
    "whole image": PCA(6, random_state=0).fit_transform(pixels),
    "digit class": cross_val_predict(
        LinearDiscriminantAnalysis(), pixels, digit, cv=5, method="predict_proba"
    ),
}
sources["top + bottom"] = np.hstack([sources["top half"], sources["bottom half"]])
sources["whole + class"] = np.hstack([sources["whole image"], sources["digit class"]])

# %%
# Score every source for every target; each call shares one whitening of the
# source's features among all 64 pixels.

scores, maps = {}, {}
for target_name, target in targets.items():
    for source_name, features in sources.items():
        score, score_map = pixelwise_h_score(features, target, random_state=0)
        scores[target_name, source_name] = score
        maps[target_name, source_name] = score_map

print(f"{'source':<16}" + "".join(f"{name:>11}" for name in targets))
for source_name in sources:
    row = "".join(f"{scores[t, source_name]:>11.3f}" for t in targets)
    print(f"{source_name:<16}{row}")

# %%
# Each half of the image predicts its own half of the targets: their maps are
# complementary, and the two halves together (a second-order source) score
# over half as much again as the better half alone. The whole-image components
# and the digit class overlap more, and their combination gains less over the
# better of the two, as the paper observes of its depth target (Fig. 5).
# Lighter is a higher H-score; each row of maps shares one colour scale.

fig, axes = plt.subplots(
    len(targets), len(sources), figsize=(2.1 * len(sources), 2.3 * len(targets))
)
for row, target_name in enumerate(targets):
    vmax = max(maps[target_name, s].max() for s in sources)
    for col, source_name in enumerate(sources):
        ax = axes[row, col]
        plot_pixelwise_map(
            maps[target_name, source_name], ax=ax, vmax=vmax, colorbar=False
        )
        ax.set_title(
            f"{source_name}\n{scores[target_name, source_name]:.2f}", fontsize="small"
        )
        if col == 0:
            ax.set_ylabel(target_name)
fig.suptitle("Per-pixel H-score of each source (mean in the title)")
fig.tight_layout()
plt.show()
