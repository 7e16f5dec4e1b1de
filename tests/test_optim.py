import numpy as np
import pytest

from digitnet import network as nw
from digitnet import optim
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


# --- mini-batch optimizers and schedules, against values worked by hand -------------------


def test_sgd_plain_step():
    theta = np.array([1.0, 2.0])
    optim.SGD(lr=0.1, momentum=0.0).step(theta, np.array([0.5, -1.0]))
    np.testing.assert_allclose(theta, [0.95, 2.1])


def test_sgd_momentum_two_steps():
    # v1 = g = 1, theta = 1 - 0.1 = 0.9; v2 = 0.9 * 1 + 1 = 1.9, theta = 0.9 - 0.19 = 0.71.
    theta = np.array([1.0])
    opt = optim.SGD(lr=0.1, momentum=0.9)
    opt.step(theta, np.array([1.0]))
    np.testing.assert_allclose(theta, [0.9])
    opt.step(theta, np.array([1.0]))
    np.testing.assert_allclose(theta, [0.71])


def test_sgd_nesterov_two_steps():
    # step 1: v = 1, update = 1 + 0.9 * 1 = 1.9 -> 0.81;
    # step 2: v = 1.9, update = 1 + 0.9 * 1.9 = 2.71 -> 0.539.
    theta = np.array([1.0])
    opt = optim.SGD(lr=0.1, momentum=0.9, nesterov=True)
    opt.step(theta, np.array([1.0]))
    np.testing.assert_allclose(theta, [0.81])
    opt.step(theta, np.array([1.0]))
    np.testing.assert_allclose(theta, [0.539])


def test_adam_two_steps():
    theta = np.array([1.0, -1.0])
    opt = optim.Adam(lr=0.01)
    # Step 1: the bias-corrected m / sqrt(v) is g / |g|, so each weight moves by lr.
    opt.step(theta, np.array([2.0, -0.5]))
    np.testing.assert_allclose(theta, [0.99, -0.99], rtol=1e-7)
    # Step 2 with g = (1, 1): m = (0.28, 0.055), v = (0.004996, 0.00124975);
    # corrected by 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999:
    # update = 0.01 * (0.28 / 0.19) / sqrt(0.004996 / 0.001999) = 0.0093218...
    #          0.01 * (0.055 / 0.19) / sqrt(0.00124975 / 0.001999) = 0.0036610...
    opt.step(theta, np.array([1.0, 1.0]))
    np.testing.assert_allclose(theta, [0.99 - 0.0093218, -0.99 - 0.0036610], atol=1e-7)


def test_adamw_decays_only_masked_weights():
    theta = np.array([1.0, 1.0])
    mask = np.array([True, False])
    opt = optim.Adam(lr=0.1, weight_decay=0.5, decay_mask=mask)
    opt.step(theta, np.zeros(2))  # a zero gradient: only the decay acts
    np.testing.assert_allclose(theta, [1 - 0.1 * 0.5, 1.0])


def test_adam_keeps_float32():
    theta = np.ones(4, dtype=np.float32)
    opt = optim.Adam(lr=0.01)
    opt.step(theta, np.full(4, 0.3, dtype=np.float32))
    assert theta.dtype == np.float32 and opt.m.dtype == np.float32
    np.testing.assert_allclose(theta, 0.99, rtol=1e-6)


@pytest.mark.parametrize(
    "opt",
    [
        optim.SGD(lr=0.1, momentum=0.9),
        optim.SGD(lr=0.1, momentum=0.9, nesterov=True),
        optim.Adam(lr=0.05),
    ],
)
def test_optimizers_minimize_a_quadratic(opt):
    centre = np.array([3.0, -2.0, 0.5])
    theta = np.zeros(3)
    for _ in range(500):
        opt.step(theta, theta - centre)  # the gradient of 0.5 * |theta - centre|^2
    np.testing.assert_allclose(theta, centre, atol=1e-2)


@pytest.mark.parametrize("make", [lambda: optim.SGD(0.1, 0.9), lambda: optim.Adam(0.01)])
def test_state_round_trip_continues_identically(make):
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(6, 5))
    a, theta_a = make(), np.ones(5)
    for g in grads:
        a.step(theta_a, g.copy())
    b, theta_b = make(), np.ones(5)
    for g in grads[:3]:
        b.step(theta_b, g.copy())
    scalars, arrays = b.state()
    c = make()
    c.load_state(scalars, {k: v.copy() for k, v in arrays.items()})
    for g in grads[3:]:
        c.step(theta_b, g.copy())
    np.testing.assert_array_equal(theta_a, theta_b)


def test_make_optimizer_rejects_bad_names_and_adam_decay():
    with pytest.raises(ValueError, match="unknown mini-batch optimizer"):
        optim.make_optimizer("rmsprop", 0.1)
    with pytest.raises(ValueError, match="adamw"):
        optim.make_optimizer("adam", 0.1, weight_decay=0.1)
    assert optim.make_optimizer("adamw", 0.1, weight_decay=0.1).weight_decay == 0.1


def test_cosine_schedule_with_warmup():
    sched = optim.Schedule("cosine", 1.0, total_steps=10, warmup_steps=2)
    assert sched(0) == pytest.approx(0.5)
    assert sched(1) == pytest.approx(1.0)
    assert sched(2) == pytest.approx(1.0)
    assert sched(6) == pytest.approx(0.5)  # halfway through the 8 cosine steps
    assert sched(10) == pytest.approx(0.0)


def test_step_and_constant_schedules():
    step = optim.Schedule("step", 1.0, total_steps=100, step_size=3, gamma=0.1)
    assert [step(i) for i in (0, 2, 3, 5, 6)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])
    assert optim.Schedule("constant", 0.3, total_steps=5)(4) == 0.3
    with pytest.raises(ValueError, match="unknown schedule"):
        optim.Schedule("linear", 0.1, 10)
