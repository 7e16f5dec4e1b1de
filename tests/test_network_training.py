"""The network's maths for mini-batch training: dropout, float32, the fused softmax loss.

The gradient is checked numerically for every hidden activation and output,
with and without dropout (a fixed mask makes the cost a deterministic function
of theta), for one and two hidden layers.
"""

import numpy as np
import pytest

from digitnet import network

from .test_network import numerical_gradient


def problem(sizes, m=7, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (m, sizes[0]))
    Y = network.one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    theta = network.init_params(sizes, rng, "glorot") + rng.normal(0, 0.1, network.n_params(sizes))
    return rng, X, Y, theta


@pytest.mark.parametrize("sizes", [(5, 4, 3), (5, 4, 3, 3)])
@pytest.mark.parametrize("output", network.OUTPUTS)
@pytest.mark.parametrize("activation", network.ACTIVATIONS)
@pytest.mark.parametrize("rate", [0.0, 0.4])
def test_gradient_check_with_dropout(activation, output, sizes, rate):
    rng, X, Y, theta = problem(sizes)
    masks = network.dropout_masks(rng, len(X), sizes, rate) if rate else None
    if masks is not None:
        assert any((mask == 0).any() for mask in masks)  # dropout does drop something

    def cost(t):
        return network.cost_and_grad(t, X, Y, 0.3, sizes, activation, output, masks)[0]

    _, grad = network.cost_and_grad(theta, X, Y, 0.3, sizes, activation, output, masks)
    np.testing.assert_allclose(grad, numerical_gradient(cost, theta), rtol=1e-6, atol=1e-8)


def test_dropout_masks_are_inverted_and_reproducible():
    sizes = (10, 200, 300, 4)
    masks = network.dropout_masks(np.random.default_rng(5), 50, sizes, 0.25, np.float32)
    assert [m.shape for m in masks] == [(50, 200), (50, 300)]
    for mask in masks:
        assert mask.dtype == np.float32
        assert set(np.unique(mask)) == {0.0, np.float32(1 / 0.75)}
        assert abs(mask.mean() - 1.0) < 0.05  # the expected activation is unchanged
        assert abs((mask == 0).mean() - 0.25) < 0.02
    again = network.dropout_masks(np.random.default_rng(5), 50, sizes, 0.25, np.float32)
    for a, b in zip(masks, again, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="dropout rate"):
        network.dropout_masks(np.random.default_rng(0), 5, sizes, 1.0)


def test_zero_dropout_mask_changes_nothing():
    sizes = (6, 5, 3)
    rng, X, Y, theta = problem(sizes)
    ones = network.dropout_masks(rng, len(X), sizes, 0.0)
    assert all((mask == 1).all() for mask in ones)
    plain = network.cost_and_grad(theta, X, Y, 1.0, sizes, "relu", "softmax")
    masked = network.cost_and_grad(theta, X, Y, 1.0, sizes, "relu", "softmax", ones)
    assert plain[0] == pytest.approx(masked[0])
    np.testing.assert_allclose(plain[1], masked[1])


@pytest.mark.parametrize("activation", network.ACTIVATIONS)
@pytest.mark.parametrize("output", network.OUTPUTS)
def test_float32_path_keeps_dtype_and_agrees_with_float64(activation, output):
    sizes = (20, 16, 8, 10)
    _, X, Y, theta = problem(sizes, m=32)
    cost64, grad64 = network.cost_and_grad(theta, X, Y, 0.5, sizes, activation, output)
    cost32, grad32 = network.cost_and_grad(
        theta.astype(np.float32), X.astype(np.float32), Y.astype(np.float32), 0.5, sizes,
        activation, output,
    )  # fmt: skip
    assert grad32.dtype == np.float32
    assert cost32 == pytest.approx(cost64, rel=1e-5)
    np.testing.assert_allclose(grad32, grad64, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("output", network.OUTPUTS)
def test_loss_and_error_match_cross_entropy_and_output(output):
    rng = np.random.default_rng(2)
    z = rng.normal(0, 30, (9, 10))  # large values: saturated outputs stay finite
    Y = network.one_hot(rng.integers(0, 10, 9))
    loss, error = network.loss_and_error(z, Y, output)
    assert loss == pytest.approx(network.cross_entropy(z, Y, output))
    np.testing.assert_allclose(error, network.output_activation(z, output) - Y, atol=1e-12)


def test_weight_mask_excludes_exactly_the_biases():
    sizes = (4, 3, 2)
    mask = network.weight_mask(sizes)
    assert mask.shape == (network.n_params(sizes),)
    assert (~mask).sum() == 3 + 2
    for view in network.unpack(mask, sizes):
        assert not view[:, 0].any() and view[:, 1:].all()


def reference_cost_and_grad(theta, X, Y, lam, sizes, activation, output):
    """Back-propagation written out plainly, layer by layer, with the ones column of the seed."""
    m = len(X)
    thetas = network.unpack(theta, sizes)
    acts, a = [], X
    for theta_l in thetas[:-1]:
        a1 = np.hstack([np.ones((m, 1)), a])
        acts.append(a1)
        a = network.activate(a1 @ theta_l.T, activation)
    a1 = np.hstack([np.ones((m, 1)), a])
    acts.append(a1)
    z = a1 @ thetas[-1].T
    cost = network.cross_entropy(z, Y, output) / m
    delta = (network.output_activation(z, output) - Y) / m
    grads = []
    for layer in range(len(thetas) - 1, -1, -1):
        grads.insert(0, delta.T @ acts[layer])
        if layer:
            h = acts[layer][:, 1:]
            delta = (delta @ thetas[layer][:, 1:]) * network.activation_derivative(h, activation)
    for theta_l, g in zip(thetas, grads, strict=True):
        cost += lam / (2 * m) * np.sum(theta_l[:, 1:] ** 2)
        g[:, 1:] += lam / m * theta_l[:, 1:]
    return cost, network.pack(grads)


@pytest.mark.parametrize("activation", network.ACTIVATIONS)
@pytest.mark.parametrize("output", network.OUTPUTS)
def test_cost_and_grad_equals_plain_back_propagation(activation, output):
    # The seed's network (sigmoid, sigmoid) among them: the core's result must not move.
    sizes = (30, 12, 10)
    _, X, Y, theta = problem(sizes, m=40)
    cost, grad = network.cost_and_grad(theta, X, Y, 1.0, sizes, activation, output)
    ref_cost, ref_grad = reference_cost_and_grad(theta, X, Y, 1.0, sizes, activation, output)
    assert cost == pytest.approx(ref_cost, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-14)
