import warnings

import numpy as np
import pytest
from scipy.special import expit

from digitnet import network as nw


def numerical_gradient(f, theta, eps=1e-5):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(a + b)


def small_problem(sizes=(6, 5, 4), m=9, seed=0):
    rng = np.random.default_rng(seed)
    theta = nw.init_params(sizes, rng, "uniform", epsilon=1.0)
    X = rng.uniform(-1, 1, (m, sizes[0]))
    Y = nw.one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    return theta, X, Y


def test_scale_pixels_is_the_seeds():
    pixels = np.array([[[0, 255], [51, 128]]], dtype=np.uint8)
    np.testing.assert_allclose(
        nw.scale_pixels(pixels), (pixels.reshape(1, 4) / 255 - 0.5) * 2, rtol=0, atol=1e-15
    )


def test_unpack_gives_views_in_the_seeds_layout():
    sizes = (784, 128, 10)
    theta = np.arange(nw.n_params(sizes), dtype=np.float64)
    t1, t2 = nw.unpack(theta, sizes)
    # The seed: params[0:785*128].reshape(128, 785), params[785*128:].reshape(10, 129).
    np.testing.assert_array_equal(t1, theta[: 785 * 128].reshape(128, 785))
    np.testing.assert_array_equal(t2, theta[785 * 128 :].reshape(10, 129))
    t2[3, 4] = -1.0
    assert theta[785 * 128 + 3 * 129 + 4] == -1.0
    np.testing.assert_array_equal(nw.pack([t1, t2]), theta)


def test_pack_unpack_round_trip_for_a_deep_net():
    sizes = (7, 5, 4, 3)
    rng = np.random.default_rng(3)
    mats = [rng.standard_normal((5, 8)), rng.standard_normal((4, 6)), rng.standard_normal((3, 5))]
    theta = nw.pack(mats)
    assert theta.size == nw.n_params(sizes) == 40 + 24 + 15
    for a, b in zip(nw.unpack(theta, sizes), mats, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="expected"):
        nw.unpack(theta[:-1], sizes)


def test_infer_sizes_of_the_seeds_network():
    assert nw.infer_sizes(nw.n_params((784, 128, 10)), 784, 10) == (784, 128, 10)
    with pytest.raises(ValueError, match="fits no network"):
        nw.infer_sizes(1000, 784, 10)


@pytest.mark.parametrize("activation", nw.ACTIVATIONS)
@pytest.mark.parametrize("output", nw.OUTPUTS)
def test_gradient_matches_central_differences(activation, output):
    sizes = (6, 5, 4, 3)
    theta, X, Y = small_problem(sizes)
    if activation in ("relu", "leaky_relu"):
        # Keep pre-activations away from the kink, where differences are not derivatives.
        X = X * 3
    _, grad = nw.cost_and_grad(theta, X, Y, 0.7, sizes, activation, output)
    numeric = numerical_gradient(
        lambda t: nw.cost_and_grad(t, X, Y, 0.7, sizes, activation, output)[0], theta
    )
    assert relative_error(grad, numeric) < 1e-7


def test_seed_network_gradient_check():
    theta, X, Y = small_problem((10, 8, 10), m=20)
    _, grad = nw.cost_and_grad(theta, X, Y, 1.0)
    numeric = numerical_gradient(lambda t: nw.cost_and_grad(t, X, Y, 1.0)[0], theta)
    assert relative_error(grad, numeric) < 1e-7


def test_worked_by_hand_one_one_one():
    # x = 1; hidden: b1 = 0, w1 = 0 -> a2 = 0.5; output: b2 = 0, w2 = 2 -> z3 = 1.
    theta = np.array([0.0, 0.0, 0.0, 2.0])
    cost, grad = nw.cost_and_grad(theta, np.array([[1.0]]), np.array([[1.0]]), 0.5, (1, 1, 1))
    a3 = 1 / (1 + np.exp(-1))
    # J = -log a3 + lam/2 * (w1^2 + w2^2) = -log a3 + 1.
    assert cost == pytest.approx(-np.log(a3) + 1.0, abs=1e-12)
    d3 = a3 - 1  # -0.268941...
    d2 = d3 * 2 * 0.25
    expected = [d2, d2 * 1 + 0.5 * 0.0, d3, d3 * 0.5 + 0.5 * 2.0]
    np.testing.assert_allclose(grad, expected, rtol=0, atol=1e-12)
    assert grad[3] == pytest.approx(0.8655292893, abs=1e-9)


def seed_cost_with_loops(params, X, Y, lambda_, hidden):
    """The seed notebook's J, kept as a slow reference (its loop and its gradient)."""
    t1 = params[: (X.shape[1] + 1) * hidden].reshape(hidden, X.shape[1] + 1)
    t2 = params[(X.shape[1] + 1) * hidden :].reshape(Y.shape[1], hidden + 1)
    a1 = np.insert(X, 0, 1, axis=1)
    z2 = a1 @ t1.T
    a2 = np.insert(expit(z2), 0, 1, axis=1)
    a3 = expit(a2 @ t2.T)
    m = len(X)
    j = 0.0
    for i in range(m):
        for k in range(Y.shape[1]):
            j += -Y[i][k] * np.log(a3[i][k]) - (1 - Y[i][k]) * np.log(1 - a3[i][k])
    reg = lambda_ / (2 * m) * (np.sum(t1[:, 1:] ** 2) + np.sum(t2[:, 1:] ** 2))
    d3 = a3 - Y
    d2 = (d3 @ t2[:, 1:]) * expit(z2) * (1 - expit(z2))
    grad = np.concatenate([(d2.T @ a1).ravel(), (d3.T @ a2).ravel()]) / m
    q1, q2 = t1.copy(), t2.copy()
    q1[0, :] = 0  # the seed's bug: row 0 instead of the bias column
    q2[0, :] = 0
    return j / m + reg, grad + np.concatenate([q1.ravel(), q2.ravel()]) * lambda_ / m


def test_agrees_with_the_seed_except_for_its_regularization_bug():
    sizes = (12, 7, 10)
    theta, X, Y = small_problem(sizes, m=15)
    cost, grad = nw.cost_and_grad(theta, X, Y, 1.0, sizes)
    seed_cost, seed_grad = seed_cost_with_loops(theta, X, Y, 1.0, 7)
    assert cost == pytest.approx(seed_cost, rel=1e-12)
    row0 = np.zeros_like(theta, dtype=bool)
    bias = np.zeros_like(theta, dtype=bool)
    for r, b in zip(nw.unpack(row0, sizes), nw.unpack(bias, sizes), strict=True):
        r[0, :] = True
        b[:, 0] = True
    same = ~(row0 | bias)
    np.testing.assert_allclose(grad[same], seed_grad[same], rtol=1e-10)
    # Where they differ, ours is the derivative of the cost (the numerical check above)
    # and the seed's is not: it regularizes biases and misses row 0's weights.
    assert not np.allclose(grad[row0 & ~bias], seed_grad[row0 & ~bias])


def test_saturated_outputs_give_a_finite_cost_without_warnings():
    sizes = (4, 3, 2)
    theta = np.full(nw.n_params(sizes), 400.0)
    X = np.ones((2, 4))
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for output in nw.OUTPUTS:
            cost, grad = nw.cost_and_grad(theta, X, Y, 1.0, sizes, "sigmoid", output)
            assert np.isfinite(cost) and np.all(np.isfinite(grad))
            assert cost > 100  # a confident wrong answer costs a lot; it is not NaN


def test_output_scores_are_the_seeds_a3():
    sizes = (5, 4, 3)
    theta, X, _ = small_problem(sizes, m=6)
    t1, t2 = nw.unpack(theta, sizes)
    a2 = np.insert(expit(np.insert(X, 0, 1, axis=1) @ t1.T), 0, 1, axis=1)
    np.testing.assert_allclose(nw.output_scores(theta, X, sizes), expit(a2 @ t2.T), rtol=1e-12)
    soft = nw.output_scores(theta, X, sizes, output="softmax")
    np.testing.assert_allclose(soft.sum(axis=1), 1.0)


def test_initialization_is_seeded_and_in_range():
    sizes = (784, 128, 10)
    a = nw.init_params(sizes, np.random.default_rng(7))
    b = nw.init_params(sizes, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.min() >= -0.12 and a.max() <= 0.12 and a.std() > 0.06
    for scheme in ("glorot", "he"):
        theta = nw.init_params(sizes, np.random.default_rng(0), scheme)
        t1, _ = nw.unpack(theta, sizes)
        assert np.all(t1[:, 0] == 0)
        assert (
            0.5
            < t1[:, 1:].std() / {"glorot": np.sqrt(2 / 912), "he": np.sqrt(2 / 784)}[scheme]
            < 1.5
        )
    with pytest.raises(ValueError, match="unknown initialization"):
        nw.init_params(sizes, np.random.default_rng(0), "zeros")


def test_unknown_activation_or_output_is_an_error():
    theta, X, Y = small_problem()
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nw.cost_and_grad(theta, X, Y, 1.0, (6, 5, 4), activation="swish")
    with pytest.raises(ValueError, match="unknown output 'linear'"):
        nw.cost_and_grad(theta, X, Y, 1.0, (6, 5, 4), output="linear")
