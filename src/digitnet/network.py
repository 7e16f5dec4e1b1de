"""The neural network: a fully connected feed-forward net as pure functions.

All parameters live in one flat vector ``theta``, as the seed notebook's
``Parameters`` does, so that scipy's optimizers take it directly. Layer ``l``
owns a matrix ``Theta_l`` of shape ``(n_out, n_in + 1)``, bias column first,
stored row-major; the matrices follow one another in ``theta``. This is
exactly the seed's layout (Theta1 then Theta2, each ``ravel()``-ed), so the
seed's ``Parameters.npy`` is a valid ``theta`` for ``sizes = (784, 128, 10)``.
:func:`unpack` gives named views into ``theta`` (no copies); :func:`pack`
joins matrices back into a vector.

Conventions: ``X`` is ``(m, n_0)`` with one sample per row, already scaled
(:func:`scale_pixels`); ``Y`` is ``(m, n_L)`` one-hot. Hidden units use one
``activation`` (sigmoid, tanh, relu or leaky_relu); the output layer is either
the seed's independent ``sigmoid`` units with the binary cross-entropy summed
over classes, or ``softmax`` with the categorical cross-entropy. The L2 term
``lam / (2 m) * sum(W ** 2)`` excludes bias weights, in the cost and in its
gradient alike.

The seed's gradient has a bug: it zeroes row 0 of each Theta (``Q1[0,:] = 0``)
before adding the regularization gradient, which exempts the first *unit*'s
weights instead of the *bias column*; its cost exempts the bias column. Here
cost and gradient agree: the bias column is exempt in both, so the gradient
passes a numerical check.

This module does no input/output, keeps no state and knows nothing of files,
training loops or images: those live in the modules that call it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import expit, logsumexp

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
OUTPUTS = ("sigmoid", "softmax")
INITS = ("uniform", "glorot", "he")
LEAKY_SLOPE = 0.01


def scale_pixels(images: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """The seed's input scaling: ``(x / 255 - 0.5) * 2``.

    images: (m, 28, 28) or (m, 784) uint8, 0 = background, ink bright.
    Returns (m, 784) ``dtype`` in [-1, 1].
    """
    images = np.asarray(images)
    flat = images.reshape(images.shape[0], -1)
    return flat.astype(dtype) * dtype(2 / 255) - dtype(1)


def one_hot(labels: np.ndarray, n_classes: int = 10, dtype: type = np.float64) -> np.ndarray:
    """labels: (m,) int in [0, n_classes). Returns (m, n_classes) ``dtype``."""
    return np.eye(n_classes, dtype=dtype)[np.asarray(labels)]


def n_params(sizes: Sequence[int]) -> int:
    """Length of ``theta`` for layer sizes ``(n_0, n_1, ..., n_L)``."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=False))


def infer_sizes(n: int, n_in: int, n_out: int) -> tuple[int, int, int]:
    """Layer sizes of a one-hidden-layer net with ``n`` parameters, as in the seed."""
    hidden, rest = divmod(n - n_out, n_in + 1 + n_out)
    if rest or hidden < 1:
        raise ValueError(
            f"theta has {n} parameters, which fits no network {n_in}-h-{n_out}; pass sizes="
        )
    return (n_in, hidden, n_out)


def unpack(theta: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """Views ``Theta_l`` of shape ``(n_{l+1}, n_l + 1)`` into the flat ``theta``.

    Writing into a view writes into ``theta``.
    """
    if theta.ndim != 1 or theta.size != n_params(sizes):
        raise ValueError(
            f"theta has shape {theta.shape}, expected ({n_params(sizes)},) for sizes {tuple(sizes)}"
        )
    views, start = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=False):
        stop = start + n_out * (n_in + 1)
        views.append(theta[start:stop].reshape(n_out, n_in + 1))
        start = stop
    return views


def pack(thetas: Sequence[np.ndarray]) -> np.ndarray:
    """Join matrices ``Theta_l`` into one flat vector (the inverse of :func:`unpack`)."""
    return np.concatenate([np.asarray(t).ravel() for t in thetas])


def init_params(
    sizes: Sequence[int],
    rng: np.random.Generator,
    scheme: str = "uniform",
    epsilon: float = 0.12,
    dtype: type = np.float64,
) -> np.ndarray:
    """Random initial ``theta``.

    ``uniform``: every weight, biases included, from U(-epsilon, epsilon) -- the
    seed's ``randweight(shape, 0.12)``. ``glorot``: weights from
    U(-r, r), r = sqrt(6 / (n_in + n_out)) (Glorot and Bengio 2010), biases 0.
    ``he``: weights from N(0, 2 / n_in) (He et al. 2015), biases 0.
    """
    if scheme not in INITS:
        raise ValueError(f"unknown initialization {scheme!r}; choose one of {', '.join(INITS)}")
    theta = np.zeros(n_params(sizes), dtype=dtype)
    for n_in, view in zip(sizes[:-1], unpack(theta, sizes), strict=False):
        n_out = view.shape[0]
        if scheme == "uniform":
            view[:] = rng.uniform(-epsilon, epsilon, size=view.shape)
        elif scheme == "glorot":
            limit = np.sqrt(6.0 / (n_in + n_out))
            view[:, 1:] = rng.uniform(-limit, limit, size=(n_out, n_in))
        else:
            view[:, 1:] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
    return theta


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    """Apply a hidden activation to ``z`` in place and return it. z: (m, n)."""
    if activation == "sigmoid":
        return expit(z, out=z)
    if activation == "tanh":
        return np.tanh(z, out=z)
    if activation == "relu":
        return np.maximum(z, 0, out=z)
    if activation == "leaky_relu":
        return np.maximum(z, LEAKY_SLOPE * z, out=z)
    raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")


def activation_derivative(a: np.ndarray, activation: str) -> np.ndarray:
    """g'(z) written in terms of the activation's output ``a = g(z)``. a: (m, n)."""
    if activation == "sigmoid":
        return a * (1 - a)
    if activation == "tanh":
        return 1 - a * a
    if activation == "relu":
        return (a > 0).astype(a.dtype)
    if activation == "leaky_relu":
        return np.where(a > 0, a.dtype.type(1), a.dtype.type(LEAKY_SLOPE))
    raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")


def affine(a: np.ndarray, theta_l: np.ndarray) -> np.ndarray:
    """z = a W^T + b for one layer. a: (m, n_in); theta_l: (n_out, n_in + 1). Returns (m, n_out).

    The bias column is added separately instead of prepending a column of
    ones to ``a`` (the seed's ``np.insert``), which would copy the whole input.
    """
    z = a @ theta_l[:, 1:].T
    z += theta_l[:, 0]
    return z


def feedforward(
    thetas: Sequence[np.ndarray],
    X: np.ndarray,
    activation: str = "sigmoid",
    masks: Sequence[np.ndarray] | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Forward pass. X: (m, n_0).

    Returns the inputs to every layer ``[X, a_1, ..., a_{L-1}]`` (the hidden
    activations, kept for back-propagation) and the output layer's
    pre-activation ``z_L`` of shape (m, n_L). With ``masks`` (one (m, n_l)
    array per hidden layer, see :func:`dropout_masks`) each hidden activation
    is multiplied by its mask: dropout.
    """
    inputs = [X]
    for layer, theta_l in enumerate(thetas[:-1]):
        a = activate(affine(inputs[-1], theta_l), activation)
        if masks is not None:
            a = a * masks[layer]
        inputs.append(a)
    return inputs, affine(inputs[-1], thetas[-1])


def dropout_masks(
    rng: np.random.Generator,
    m: int,
    sizes: Sequence[int],
    rate: float,
    dtype: type = np.float64,
) -> list[np.ndarray]:
    """Inverted-dropout masks for the hidden layers of a net with layer ``sizes``.

    Returns one (m, n_l) array per hidden layer whose entries are 0 (with
    probability ``rate``) or ``1 / (1 - rate)``, so that the expected
    activation is unchanged and prediction needs no rescaling.
    """
    if not 0 <= rate < 1:
        raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
    keep = 1.0 - rate
    masks = []
    for n in sizes[1:-1]:
        mask = (rng.random((m, n), dtype=np.float32) < keep).astype(dtype)
        mask *= dtype(1.0 / keep)
        masks.append(mask)
    return masks


def weight_mask(sizes: Sequence[int]) -> np.ndarray:
    """(n_params(sizes),) bool: True at weights, False at biases (the column 0 of each Theta_l).

    Selects what L2 regularization and weight decay act on.
    """
    mask = np.ones(n_params(sizes), dtype=bool)
    for view in unpack(mask, sizes):
        view[:, 0] = False
    return mask


def output_activation(z: np.ndarray, output: str) -> np.ndarray:
    """The output layer's activation. z: (m, k). Returns (m, k) in [0, 1].

    ``sigmoid``: k independent probabilities (the seed's ``a3``);
    ``softmax``: a distribution over the k classes (maximum subtracted first).
    """
    if output == "sigmoid":
        return expit(z)
    if output == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown output {output!r}; choose one of {', '.join(OUTPUTS)}")


def cross_entropy(z: np.ndarray, Y: np.ndarray, output: str) -> float:
    """Summed cross-entropy of output pre-activations ``z`` against one-hot ``Y``, both (m, k).

    Computed from ``z``, not from probabilities, so that a saturated output
    never takes the log of 0 (the seed's cost turns NaN that way):
    ``sigmoid``: -[y log s(z) + (1 - y) log(1 - s(z))] = log(1 + e^z) - y z;
    ``softmax``: -log softmax(z)_y = logsumexp(z) - z_y.
    """
    if output == "sigmoid":
        return float(np.sum(np.logaddexp(0, z)) - np.sum(Y * z))
    if output == "softmax":
        return float(np.sum(logsumexp(z, axis=1)) - np.sum(Y * z))
    raise ValueError(f"unknown output {output!r}; choose one of {', '.join(OUTPUTS)}")


def loss_and_error(z: np.ndarray, Y: np.ndarray, output: str) -> tuple[float, np.ndarray]:
    """The summed cross-entropy of :func:`cross_entropy` and the output error ``a - Y``.

    z, Y: (m, k). Returns ``(loss, a - Y)`` with ``a = output_activation(z)``;
    for both output/loss pairs that error is the loss's gradient in ``z``.
    For softmax the exponentials are computed once and serve both.
    """
    if output == "softmax":
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = float(np.sum(np.log(total)) - np.sum(Y * shifted))
        exp /= total
        exp -= Y
        return loss, exp
    error = output_activation(z, output)
    error -= Y
    return cross_entropy(z, Y, output), error


def cost_and_grad(
    theta: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    lam: float,
    sizes: Sequence[int] | None = None,
    activation: str = "sigmoid",
    output: str = "sigmoid",
    masks: Sequence[np.ndarray] | None = None,
) -> tuple[float, np.ndarray]:
    """The regularized cost J(theta) and its gradient, by back-propagation.

    theta: (n_params(sizes),) float; X: (m, n_0) scaled inputs; Y: (m, n_L) one-hot;
    lam: the L2 strength lambda. ``sizes`` defaults to one hidden layer whose
    size is inferred from ``theta`` (the seed's network). Returns ``(J, grad)``
    with ``grad`` shaped like ``theta`` -- the signature scipy's
    ``minimize(..., jac=True)`` expects. ``masks`` (see :func:`dropout_masks`)
    applies dropout to the hidden layers; a fixed mask makes J a deterministic
    function of theta, whose gradient this is.

    The arithmetic is done in theta's dtype: float64 for scipy and gradient
    checks, float32 for fast mini-batch training (X, Y and masks of the same dtype).

    J = (1/m) sum_i cross_entropy_i + lam / (2m) * sum_l ||W_l||^2, biases excluded.
    """
    m = X.shape[0]
    if sizes is None:
        sizes = infer_sizes(theta.size, X.shape[1], Y.shape[1])
    thetas = unpack(theta, sizes)
    inputs, z = feedforward(thetas, X, activation, masks)

    loss, delta = loss_and_error(z, Y, output)
    cost = loss / m
    delta /= m

    grad = np.empty_like(theta)
    grads = unpack(grad, sizes)
    for layer in range(len(thetas) - 1, -1, -1):
        a_in = inputs[layer]
        np.matmul(delta.T, a_in, out=grads[layer][:, 1:])
        np.sum(delta, axis=0, out=grads[layer][:, 0])
        if layer > 0:
            delta = delta @ thetas[layer][:, 1:]
            if masks is None:
                _times_derivative(delta, a_in, activation)
            else:
                # a_in is g(z) * mask; where the mask is 0 the product below is 0
                # whatever g'(z) is, elsewhere g(z) = a_in / mask.
                mask = masks[layer - 1]
                delta *= mask
                if activation in ("relu", "leaky_relu"):
                    _times_derivative(delta, a_in, activation)
                else:
                    unmasked = np.divide(a_in, mask, out=np.zeros_like(a_in), where=mask != 0)
                    _times_derivative(delta, unmasked, activation)

    if lam:
        for theta_l, grad_l in zip(thetas, grads, strict=True):
            weights = theta_l[:, 1:]
            cost += lam / (2 * m) * float(np.sum(weights * weights))
            grad_l[:, 1:] += (lam / m) * weights
    return cost, grad


def _times_derivative(delta: np.ndarray, a: np.ndarray, activation: str) -> None:
    """delta *= g'(z), in place, from the activation's output a = g(z). Both (m, n)."""
    if activation == "relu":
        # The sign of a is all that matters: multiplying by a boolean array
        # avoids materializing g'(z) as floats.
        np.multiply(delta, a > 0, out=delta)
    else:
        delta *= activation_derivative(a, activation)


def output_scores(
    theta: np.ndarray,
    X: np.ndarray,
    sizes: Sequence[int],
    activation: str = "sigmoid",
    output: str = "sigmoid",
) -> np.ndarray:
    """The output layer's activations for X: (m, n_0). Returns (m, n_L); the seed's ``a3``."""
    _, z = feedforward(unpack(theta, sizes), X, activation)
    return output_activation(z, output)
