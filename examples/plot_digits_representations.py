"""
Ranking representations of handwritten digits by H-score
=========================================================

Which of several representations of a data set will serve a classifier best?
Training a model on each one answers the question but costs a training run per
candidate. The H-score answers it from the features and labels alone, in one
pass over the data. Here eight representations of scikit-learn's 8x8 digit
images (the raw pixels, PCA, pooling, random projections, random RBF features
and, as a control, pure noise) are fitted on one half of the data and scored by
H-score on that half; a linear probe trained on each measures the held-out
accuracy on the other half. The better representations by H-score are the
better ones by accuracy too, without any probe being trained to find out.
"""

import matplotlib.pyplot as plt

from sktransfer.cli import rank_digits_representations

rows, spearman = rank_digits_representations(random_state=0)

for row in rows:
    print(
        f"{row['representation']:<24} {row['n_features']:>4} features  "
        f"H-score {row['h_score']:.3f}  accuracy {row['probe_accuracy']:.3f}"
    )
print(f"Spearman rank correlation: {spearman:.3f}")

# %%
# Each point is one representation: its H-score on the training half against
# the accuracy of a logistic regression trained on it. The H-score is at most
# ``n_classes - 1 = 9``.

fig, ax = plt.subplots(figsize=(7, 5))
scores = [row["h_score"] for row in rows]
accuracies = [row["probe_accuracy"] for row in rows]
ax.scatter(scores, accuracies)
for rank, row in enumerate(rows):
    ax.annotate(
        row["representation"],
        (row["h_score"], row["probe_accuracy"]),
        xytext=(6, 4 if rank % 2 else -10),  # alternate, so close labels part
        textcoords="offset points",
        fontsize="small",
    )
ax.set_xlim(0, 9)
ax.set_xlabel("H-score (training half)")
ax.set_ylabel("linear-probe accuracy (held-out half)")
ax.set_title(f"Digits representations (Spearman rank correlation {spearman:.2f})")
fig.tight_layout()
plt.show()
