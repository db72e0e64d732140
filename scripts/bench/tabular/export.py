#!/usr/bin/python3
"""Write the tabular utility benchmark's tables as CSV (issue 16).

Usage: export.py OUT_DIR

The data come from the tables scikit-learn bundles in Debian's
python3-sklearn (sklearn/datasets/data; nothing is downloaded). Each table
becomes OUT_DIR/<name>/train.csv, test.csv and meta.json:

  breast_cancer       30 numeric columns, 2 classes; rare: malignant
  wine                13 numeric columns, 3 classes; rare: class_2
  breast_cancer_mixed the 10 "mean ..." columns numeric, the 10 "worst ..."
                      columns binned into quartiles q1..q4 (categorical);
                      the "... error" columns dropped; rare: malignant
  wine_categorical    all 13 columns binned into quartiles q1..q4; rare:
                      class_2
  digits              64 numeric columns (8x8 pixel counts 0..16), 10
                      classes; rare: 8, the digit most confused with others

scikit-learn bundles no table with categorical columns (adult, census and
the like need a download), so the mixed and categorical tables are made
honestly by binning numeric columns; the quartile edges come from the
training split (before the cut), labels play no part in them.

Split: train_test_split(test_size=0.3, stratify=y, random_state=0). The test
split is left untouched; in the training split the rare class keeps RARE
rows (drawn with numpy RandomState(0)), the other classes all of theirs.

Each directory also gets table.csv, the table as a user would bring it to
an evaluation (POST /v1/evaluations with label_column), which makes its own
held-out split: the training rows above followed by the test rows with the
rare class cut in the same proportion as in training (drawn with numpy
RandomState(1)), so the rare class is as rare in the whole table.
"""
import json
import os
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.model_selection import train_test_split

TEST_SIZE = 0.3
RARE = {"breast_cancer": 20, "wine": 12, "digits": 15}


def split(x, y, rare, keep):
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=TEST_SIZE, stratify=y, random_state=0)
    rng = np.random.RandomState(0)
    idx = np.flatnonzero(ytr == rare)
    drop = rng.permutation(idx)[keep:]
    mask = np.ones(len(ytr), bool)
    mask[drop] = False
    return xtr, xte, ytr, yte, mask, keep / len(idx)


def quartiles(train_col, col):
    edges = np.quantile(train_col, [0.25, 0.5, 0.75])
    return np.array(["q%d" % (b + 1) for b in np.digitize(col, edges, right=True)])


def write(out, name, header, cols_tr, cols_te, ytr, yte, names, rare, kinds, note, rare_kept):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for fname, cols, y in (("train.csv", cols_tr, ytr), ("test.csv", cols_te, yte)):
        with open(os.path.join(d, fname), "w") as f:
            f.write(",".join(header + ["target"]) + "\n")
            for i in range(len(y)):
                cells = [c[i] if isinstance(c[i], str) else repr(float(c[i])) for c in cols]
                f.write(",".join(cells + [names[y[i]]]) + "\n")
    # table.csv: the rare class cut in the test rows as in the training rows.
    idx = np.flatnonzero(yte == rare)
    keep_te = int(round(len(idx) * rare_kept))
    drop = np.random.RandomState(1).permutation(idx)[keep_te:]
    mask = np.ones(len(yte), bool)
    mask[drop] = False
    with open(os.path.join(d, "table.csv"), "w") as f:
        f.write(",".join(header + ["target"]) + "\n")
        for cols, y, m in ((cols_tr, ytr, np.ones(len(ytr), bool)), (cols_te, yte, mask)):
            for i in np.flatnonzero(m):
                cells = [c[i] if isinstance(c[i], str) else repr(float(c[i])) for c in cols]
                f.write(",".join(cells + [names[y[i]]]) + "\n")
    counts = lambda y: {names[c]: int((y == c).sum()) for c in np.unique(y)}
    meta = {"label": "target", "rare": [names[rare]], "columns": kinds, "note": note,
            "train_counts": counts(ytr), "test_counts": counts(yte),
            "table_counts": counts(np.concatenate([ytr, yte[mask]]))}
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(name, meta["train_counts"], "test", meta["test_counts"])


def main(out):
    bc = load_breast_cancer()
    names = list(bc.target_names)  # malignant, benign
    rare = names.index("malignant")
    xtr, xte, ytr, yte, keep, kept = split(bc.data, bc.target, rare, RARE["breast_cancer"])
    feat = [n.replace(" ", "_") for n in bc.feature_names]
    write(out, "breast_cancer", feat, [xtr[keep, j] for j in range(xtr.shape[1])],
          [xte[:, j] for j in range(xte.shape[1])], ytr[keep], yte, names, rare,
          "30 numeric", "sklearn load_breast_cancer, malignant cut to %d training rows" % RARE["breast_cancer"], kept)
    mean = [j for j, n in enumerate(bc.feature_names) if n.startswith("mean ")]
    worst = [j for j, n in enumerate(bc.feature_names) if n.startswith("worst ")]
    header = [feat[j] for j in mean] + [feat[j] for j in worst]
    ctr = [xtr[keep, j] for j in mean] + [quartiles(xtr[:, j], xtr[keep, j]) for j in worst]
    cte = [xte[:, j] for j in mean] + [quartiles(xtr[:, j], xte[:, j]) for j in worst]
    write(out, "breast_cancer_mixed", header, ctr, cte, ytr[keep], yte, names, rare,
          "10 numeric + 10 categorical (quartiles)",
          "breast_cancer with the 'worst' columns binned into training quartiles, the 'error' columns dropped", kept)

    wn = load_wine()
    names = list(wn.target_names)
    rare = names.index("class_2")
    xtr, xte, ytr, yte, keep, kept = split(wn.data, wn.target, rare, RARE["wine"])
    feat = [n.replace("/", "_") for n in wn.feature_names]
    write(out, "wine", feat, [xtr[keep, j] for j in range(xtr.shape[1])],
          [xte[:, j] for j in range(xte.shape[1])], ytr[keep], yte, names, rare,
          "13 numeric", "sklearn load_wine, class_2 cut to %d training rows" % RARE["wine"], kept)
    write(out, "wine_categorical", feat, [quartiles(xtr[:, j], xtr[keep, j]) for j in range(xtr.shape[1])],
          [quartiles(xtr[:, j], xte[:, j]) for j in range(xte.shape[1])], ytr[keep], yte, names, rare,
          "13 categorical (quartiles)", "wine with every column binned into training quartiles", kept)

    dg = load_digits()
    names = [str(c) for c in dg.target_names]
    rare = names.index("8")
    xtr, xte, ytr, yte, keep, kept = split(dg.data, dg.target, rare, RARE["digits"])
    feat = ["px%d_%d" % (j // 8, j % 8) for j in range(64)]
    write(out, "digits", feat, [xtr[keep, j] for j in range(64)], [xte[:, j] for j in range(64)],
          ytr[keep], yte, names, rare, "64 numeric",
          "sklearn load_digits, digit 8 cut to %d training rows" % RARE["digits"], kept)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: export.py OUT_DIR")
    main(sys.argv[1])
