"""
Comparing every transferability metric against measured transfer
================================================================

Which metric should rank candidate sources for a target task? The only fair
judge is measured transfer: train the classifier you would deploy on each
source's features and see how well it does. This example runs one small
benchmark on scikit-learn's digits and checks every metric of the registry
against it.

* **Sources.** Eight representations of the 8x8 digit images (raw pixels,
  PCA, pooling, random projections, random RBF features and pure noise), each
  fitted on one half of the data, the *source half*.
* **Targets.** Four tasks on the other half, the *target half*: the digit
  itself, its parity, whether it is at least 5, and its value modulo 3.
* **Measured transfer.** The 5-fold cross-validated accuracy of a linear
  probe (standardised logistic regression) trained on each representation of
  the target half: :func:`~sktransfer.evaluation.measured_transfer`.
* **Scores.** Metrics of *features* (H-score, LogME, NLEEP, ...) score each
  representation of the target half directly. Metrics of *labels* and of
  *probabilities* (conditional entropy, LEEP, ...) score a source
  *classifier*, so for each representation a logistic regression is trained
  on the source half to recognise the digit, the source task; its hard or
  soft predictions on the target half are then scored against each target
  task. A representation that supports a good digit classifier supports good
  transfer to any function of the digit, which is what those metrics see.

For each metric and target task, :func:`~sktransfer.evaluation.rank_agreement`
compares the metric's ranking of the eight representations with the measured
one. The figure reported is Kendall's weighted tau, the usual one in the
transferability literature: 1 when the rankings agree, with the top of the
ranking weighing most. Every metric registered in
:func:`~sktransfer.metrics.get_scorer_names` is included automatically.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import digits_representations
from sktransfer.evaluation import measured_transfer, rank_agreement
from sktransfer.metrics import get_metric, get_scorer_names

X, digit = load_digits(return_X_y=True)
X_source, X_target, digit_source, digit_target = train_test_split(
    X, digit, test_size=0.5, stratify=digit, random_state=0
)
tasks = {
    "digit": digit_target,
    "parity": digit_target % 2,
    ">= 5": (digit_target >= 5).astype(int),
    "mod 3": digit_target % 3,
}

# %%
# Each representation is fitted on the source half, together with a source
# classifier of the digit on top of it; both are then applied, frozen, to the
# target half.

outputs = {}
for name, representation in digits_representations(random_state=0).items():
    F_source = representation.fit_transform(X_source)
    F_target = representation.transform(X_target)
    source = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    source.fit(F_source, digit_source)
    outputs[name] = {
        "features": F_target,
        "labels": source.predict(F_target),
        "probabilities": source.predict_proba(F_target),
    }
names = list(outputs)

# %%
# Measured transfer: the held-out accuracy of a linear probe per
# representation and target task.

accuracy = {
    task: measured_transfer(
        {name: outputs[name]["features"] for name in names}, y, cv=5
    )["accuracy"]
    for task, y in tasks.items()
}
print(f"{'representation':<24}" + "".join(f"{task:>8}" for task in tasks))
for i, name in enumerate(names):
    print(f"{name:<24}" + "".join(f"{accuracy[task][i]:8.3f}" for task in tasks))

# %%
# Every registered metric scores every representation for every task; the
# weighted Kendall tau of its ranking against the measured accuracy follows.
# A metric that does not apply to this benchmark (one that raises) is listed
# as skipped.

scores, agreement, seconds, skipped = {}, {}, {}, {}
for metric_name in get_scorer_names():
    metric = get_metric(metric_name)
    start = time.perf_counter()
    try:
        scores[metric_name] = {
            task: np.array(
                [metric.score(outputs[name][metric.input], y) for name in names]
            )
            for task, y in tasks.items()
        }
    except (TypeError, ValueError) as exc:
        skipped[metric_name] = str(exc)
        continue
    seconds[metric_name] = time.perf_counter() - start
    agreement[metric_name] = {
        task: rank_agreement(scores[metric_name][task], accuracy[task])[
            "weighted_kendall_tau"
        ]
        for task in tasks
    }

header = f"{'metric':<30}{'input':<15}" + "".join(f"{t:>8}" for t in tasks)
print(f"\nWeighted Kendall tau against probe accuracy\n{header}{'mean':>8}{'time':>8}")
for metric_name, taus in sorted(
    agreement.items(), key=lambda item: -np.mean(list(item[1].values()))
):
    row = "".join(f"{taus[task]:8.2f}" for task in tasks)
    print(
        f"{metric_name:<30}{get_metric(metric_name).input:<15}{row}"
        f"{np.mean(list(taus.values())):8.2f}{seconds[metric_name]:7.2f}s"
    )
for metric_name, reason in skipped.items():
    print(f"skipped {metric_name}: {reason}")

# %%
# Score against measured accuracy, one panel per metric and one colour per
# target task. Scores of different tasks live on different scales (the
# H-score of a task with ``C`` classes is at most ``C - 1``), which is why
# agreement is measured task by task.

n_metrics = len(scores)
n_columns = 3
n_rows = -(-n_metrics // n_columns)
fig, axes = plt.subplots(
    n_rows, n_columns, figsize=(4 * n_columns, 3.2 * n_rows), squeeze=False
)
for ax, metric_name in zip(axes.ravel(), scores, strict=False):
    for task in tasks:
        ax.scatter(scores[metric_name][task], accuracy[task], s=14, label=task)
    mean_tau = np.mean(list(agreement[metric_name].values()))
    ax.set_title(f"{metric_name}\nmean weighted tau {mean_tau:.2f}", fontsize=9)
    ax.set_xlabel("score", fontsize=8)
    ax.set_ylabel("probe accuracy", fontsize=8)
    ax.tick_params(labelsize=7)
for ax in axes.ravel()[n_metrics:]:
    ax.set_visible(False)
axes[0, 0].legend(fontsize=7, title="target task", title_fontsize=7)
fig.tight_layout()
plt.show()
