"""Evaluation: accuracy as the seed computes it (argmax), confusion matrix,
per-class precision and recall."""

from __future__ import annotations

from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """y_true, y_pred: (m,) int. Returns (n_classes, n_classes) int64.

    Row = true class, column = predicted class.
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    flat = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def metrics(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> dict[str, Any]:
    """Accuracy (a fraction), confusion matrix, and per-class precision and recall.

    A class never predicted has precision 0.0 (not NaN);
    a class absent from ``y_true`` has recall 0.0.
    """
    conf = confusion_matrix(y_true, y_pred, n_classes)
    correct = np.diag(conf).astype(np.float64)
    predicted, actual = conf.sum(axis=0), conf.sum(axis=1)
    precision = np.divide(correct, predicted, out=np.zeros(n_classes), where=predicted > 0)
    recall = np.divide(correct, actual, out=np.zeros(n_classes), where=actual > 0)
    n = int(conf.sum())
    return {
        "n": n,
        "accuracy": float(correct.sum() / n) if n else 0.0,
        "confusion": conf.tolist(),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
    }
