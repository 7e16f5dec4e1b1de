import numpy as np

from digitnet.evaluate import confusion_matrix, metrics


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    conf = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], n_classes=3)
    np.testing.assert_array_equal(conf, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_metrics_worked_by_hand():
    result = metrics(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), n_classes=3)
    assert result["n"] == 6
    assert result["accuracy"] == 4 / 6
    np.testing.assert_allclose(result["precision"], [1 / 2, 1 / 2, 1.0])
    np.testing.assert_allclose(result["recall"], [1 / 2, 1.0, 2 / 3])


def test_classes_never_seen_or_predicted_get_zero_not_nan():
    result = metrics(np.array([0, 0]), np.array([0, 0]), n_classes=3)
    assert result["precision"] == [1.0, 0.0, 0.0]
    assert result["recall"] == [1.0, 0.0, 0.0]
