import numpy as np
import pytest

from digitnet import network as nw
from digitnet.optim import minimize_full_batch


def quadratic(theta):
    """J = |theta - 3|^2, minimum 0 at theta = 3."""
    return float(np.sum((theta - 3) ** 2)), 2 * (theta - 3)


@pytest.mark.parametrize("method", ["tnc", "lbfgs", "cg"])
def test_each_scipy_method_minimizes_and_records_every_evaluation(method):
    result = minimize_full_batch(quadratic, np.zeros(4), method)
    np.testing.assert_allclose(result.theta, 3, atol=1e-4)
    assert result.cost == min(result.costs) < 1e-7
    assert result.n_evals == len(result.costs) > 1
    assert result.message and not result.interrupted


@pytest.mark.parametrize("method", ["tnc", "lbfgs", "cg"])
def test_max_evals_caps_evaluations(method):
    rng = np.random.default_rng(0)
    sizes = (8, 6, 3)
    X = rng.uniform(-1, 1, (30, 8))
    Y = nw.one_hot(rng.integers(0, 3, 30), 3)
    calls = []

    def fun(theta):
        calls.append(1)
        return nw.cost_and_grad(theta, X, Y, 0.1, sizes)

    result = minimize_full_batch(fun, nw.init_params(sizes, rng), method, max_evals=7)
    assert result.n_evals <= 7 and len(calls) <= 8
    assert result.cost <= result.costs[0]


def rosenbrock(theta):
    x, y = theta
    cost = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    grad = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    return float(cost), grad


def test_ctrl_c_keeps_the_best_parameters_so_far():
    seen = []

    def fun(theta):
        if len(seen) == 12:
            raise KeyboardInterrupt
        seen.append(theta.copy())
        return rosenbrock(theta)

    result = minimize_full_batch(fun, np.array([-1.2, 1.0]), "lbfgs")
    assert result.interrupted and "interrupted" in result.message
    assert result.n_evals == 12
    best = min(range(12), key=lambda i: rosenbrock(seen[i])[0])
    np.testing.assert_array_equal(result.theta, seen[best])


def test_a_non_finite_cost_stops_cleanly():
    def fun(theta):
        cost, grad = quadratic(theta)
        return (np.nan, grad) if theta[0] > 1 else (cost, grad)

    result = minimize_full_batch(fun, np.zeros(2), "tnc")
    assert "not finite" in result.message
    assert np.all(np.isfinite(result.theta)) and result.theta[0] <= 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown full-batch optimizer 'bfgs'"):
        minimize_full_batch(quadratic, np.zeros(2), "bfgs")
    with pytest.raises(ValueError, match="at least 1"):
        minimize_full_batch(quadratic, np.zeros(2), "tnc", max_evals=0)


def test_stopping_at_the_cap_is_not_reported_as_convergence():
    for method in ("tnc", "cg"):
        result = minimize_full_batch(rosenbrock, np.array([-1.2, 1.0]), method, max_evals=5)
        assert not result.success, method
