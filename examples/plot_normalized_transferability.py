"""
Normalised transferability against the number of target classes
================================================================

The H-score of a feature for a target task is at most ``C - 1`` for ``C``
classes, so raw scores do not compare across targets of different sizes.
Definition 3 of Bao et al. (2019) divides by the H-score of the optimal
features; when the label is a function of the input that is ``C - 1``, which
:func:`~sktransfer.normalized_h_score` uses by default. Here one source
representation, the hidden layer of a network trained to tell odd digits from
even ones, is scored on target tasks of 2 to 10 digit classes (the analogue of
the paper's Fig. 2b), next to the accuracy of a linear probe on each target.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

from sktransfer import h_score, normalized_h_score
from sktransfer.evaluation import measured_transfer

X, y = load_digits(return_X_y=True)
X = X / 16.0
source = MLPClassifier((32,), max_iter=600, random_state=0).fit(X, y % 2)
hidden = np.maximum(X @ source.coefs_[0] + source.intercepts_[0], 0.0)  # ReLU

sizes = [2, 3, 4, 5, 6, 8, 10]
raw, normalised, accuracy = [], [], []
for n_classes in sizes:
    subset = y < n_classes  # the target task: tell digits 0 .. n_classes - 1 apart
    features, target = hidden[subset], y[subset]
    raw.append(h_score(features, target))
    normalised.append(normalized_h_score(features, target))
    measured = measured_transfer({"hidden": features}, target, cv=5)
    accuracy.append(measured["accuracy"][0])
    print(
        f"{n_classes:>2} classes: H-score {raw[-1]:.3f}, normalised "
        f"{normalised[-1]:.3f}, probe accuracy {accuracy[-1]:.3f}"
    )

# %%
# The raw H-score grows with the number of classes, the normalised one falls
# with the accuracy: a representation learned for parity serves small targets
# best.

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
left.plot(sizes, raw, "o-", label="H-score")
left.plot(sizes, np.array(sizes) - 1, ":", color="grey", label="C - 1")
left.set(xlabel="target classes", ylabel="H-score", title="raw")
left.legend()
right.plot(sizes, normalised, "o-", label="normalised H-score")
right.plot(sizes, accuracy, "s--", label="probe accuracy")
right.set(xlabel="target classes", title="normalised, and measured")
right.legend()
fig.tight_layout()
plt.show()
