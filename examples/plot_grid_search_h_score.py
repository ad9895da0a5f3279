"""
H-score inside GridSearchCV and cross_val_score
===============================================

:class:`~sktransfer.HScoreScorer` is a scikit-learn scorer: it goes wherever
``scoring=`` does. For a pipeline that ends in a classifier it scores the
representation the steps before the classifier produce, on the held-out fold,
so a grid search can report the H-score of each candidate representation next
to the accuracy the classifier reaches on it. Here the number of principal
components of the digit images is searched; the H-score tracks the accuracy
without using the classifier at all.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer import HScoreScorer

X, y = load_digits(return_X_y=True)
pipe = make_pipeline(
    StandardScaler(), PCA(random_state=0), LogisticRegression(max_iter=2000)
)
grid = {"pca__n_components": [2, 4, 8, 16, 32]}
search = GridSearchCV(
    pipe,
    grid,
    scoring={"h_score": HScoreScorer(), "accuracy": "accuracy"},
    refit="accuracy",
    cv=5,
).fit(X, y)

results = search.cv_results_
for n, h, acc in zip(
    grid["pca__n_components"],
    results["mean_test_h_score"],
    results["mean_test_accuracy"],
    strict=True,
):
    print(f"{n:>2} components: held-out H-score {h:.3f}, accuracy {acc:.3f}")
print("refitted on accuracy:", search.best_params_)

# %%
# ``cross_val_score`` takes the scorer too; for a transformer alone it scores
# the transformer's output on each held-out fold.

scores = cross_val_score(PCA(16, random_state=0), X, y, scoring=HScoreScorer(), cv=5)
print("held-out H-score of PCA(16) per fold:", scores.round(3))

# %%
# The two curves rise together: more components carry more of the digit, up to
# the point where the classifier has what it needs.

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(grid["pca__n_components"], results["mean_test_h_score"], "o-", label="H-score")
ax.set_xscale("log", base=2)
ax.set_xlabel("principal components")
ax.set_ylabel("held-out H-score")
right = ax.twinx()
right.plot(
    grid["pca__n_components"],
    results["mean_test_accuracy"],
    "s--",
    color="tab:orange",
    label="accuracy",
)
right.set_ylabel("held-out accuracy")
fig.legend(loc="lower right")
fig.tight_layout()
plt.show()
