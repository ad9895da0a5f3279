"""
Which layer of a network to transfer? H-score against a linear probe
====================================================================

A network trained for one task holds, layer by layer, representations that
another task may reuse. Which layer transfers best is usually found by
training a classifier on each one; the H-score (Bao et al. 2019, whose Fig. 2a
does this for the layers of a ResNet-50) answers from the features and labels
alone. Here a multi-layer perceptron of scikit-learn learns a source task on
half of the 8x8 digit images, the digit modulo 3, and each of its hidden
layers becomes a candidate source for the target task on the other half,
recognising the digit itself. :class:`~sktransfer.SourceSelector` scores the
layers by H-score and keeps the best; beside it, the accuracy of a logistic
regression trained on each layer (five-fold cross-validation) measures how
well the layer actually transfers.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sktransfer import SourceSelector

X, digit = load_digits(return_X_y=True)
X = X / 16.0
X_source, X_target, digit_source, digit_target = train_test_split(
    X, digit, test_size=0.5, stratify=digit, random_state=0
)
network = MLPClassifier((64, 48, 32, 24, 16), max_iter=400, random_state=0)
network.fit(X_source, digit_source % 3)


def hidden_layer(X, depth):
    """The activations of hidden layer ``depth`` (1 is the first) of the network."""
    activations = X
    for weights, bias in zip(
        network.coefs_[:depth], network.intercepts_[:depth], strict=True
    ):
        activations = np.maximum(activations @ weights + bias, 0.0)  # ReLU
    return activations


# %%
# Each layer is a fixed feature extractor: a frozen transformer, which neither
# the selector nor cross-validation refits.

n_layers = len(network.coefs_) - 1
layers = [
    (
        f"layer{depth}",
        FrozenEstimator(
            FunctionTransformer(hidden_layer, kw_args={"depth": depth}).fit(X_target)
        ),
    )
    for depth in range(1, n_layers + 1)
]
selector = SourceSelector(layers).fit(X_target, digit_target)
h_scores = [selector.scores_[name] for name, _ in layers]

probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
accuracies = [
    cross_val_score(make_pipeline(layer, probe), X_target, digit_target, cv=5).mean()
    for _, layer in layers
]
rho = spearmanr(h_scores, accuracies).statistic
for (name, _), score, accuracy in zip(layers, h_scores, accuracies, strict=True):
    print(f"{name}  H-score {score:.2f}  linear-probe accuracy {accuracy:.3f}")
print(f"selected: {selector.selected_[0]}")
print(f"Spearman rank correlation of H-score and accuracy: {rho:.2f}")

# %%
# The deeper a layer, the more it specialises in the source task (three
# classes) and the less it keeps of the digit's identity: both the H-score
# (at most ``n_classes - 1 = 9``) and the probe's accuracy fall with depth.

depths = np.arange(1, n_layers + 1)
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(depths, h_scores, "o-", color="tab:blue", label="H-score")
ax.set_xlabel("hidden layer of the source network")
ax.set_ylabel("H-score on the target task", color="tab:blue")
ax.set_xticks(depths)
probe_axis = ax.twinx()
probe_axis.plot(depths, accuracies, "s--", color="tab:orange")
probe_axis.set_ylabel("linear-probe accuracy (5-fold)", color="tab:orange")
ax.set_title(f"Layers of a digit-mod-3 network for the digits (Spearman {rho:.2f})")
fig.tight_layout()
plt.show()
