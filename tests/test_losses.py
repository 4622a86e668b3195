"""Every loss against PyTorch's: values and gradients, each reduction, float64 and float32, extreme logits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import steepest as st
from steepest import nn

REDUCTIONS = ["mean", "sum", "none"]


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def compare(st_loss, th_loss, pred: np.ndarray, target, reduction: str, rtol: float = 1e-10,
            atol: float = 1e-12, th_target=None):
    """Value and d(sum of loss)/d(pred) of steepest and PyTorch agree; returns steepest's value."""
    p = st.tensor(pred, requires_grad=True)
    z = st_loss(p, target, reduction=reduction)
    (z.sum() if reduction == "none" else z).backward()
    tp = torch.tensor(pred, requires_grad=True)
    tt = th_target if th_target is not None else torch.tensor(np.asarray(target))
    tz = th_loss(tp, tt, reduction=reduction)
    (tz.sum() if reduction == "none" else tz).backward()
    assert z.shape == tuple(tz.shape)
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=rtol, atol=atol)
    assert z.dtype == pred.dtype and p.grad.dtype == pred.dtype
    return z


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7,), (5, 1), (4, 3)])
def test_mse_l1_against_torch(reduction, shape):
    rng = _rng(1)
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    compare(nn.mse_loss, F.mse_loss, pred, target, reduction)
    compare(nn.l1_loss, F.l1_loss, pred, target, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [1.0, 0.3, 2.5])
def test_huber_against_torch(reduction, delta):
    rng = _rng(2)
    pred, target = 2 * rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    p = st.tensor(pred, requires_grad=True)
    z = nn.huber_loss(p, target, reduction=reduction, delta=delta)
    (z.sum() if reduction == "none" else z).backward()
    tp = torch.tensor(pred, requires_grad=True)
    tz = F.huber_loss(tp, torch.tensor(target), reduction=reduction, delta=delta)
    (tz.sum() if reduction == "none" else tz).backward()
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_against_torch(reduction):
    rng = _rng(3)
    pred = rng.uniform(0.01, 0.99, size=(8, 1))
    target = rng.uniform(0, 1, size=(8, 1))  # soft targets too
    compare(nn.binary_cross_entropy, F.binary_cross_entropy, pred, target, reduction)
    hard = (target > 0.5).astype(float)
    compare(nn.binary_cross_entropy, F.binary_cross_entropy, pred, hard, reduction)


def test_binary_cross_entropy_clips_certain_predictions():
    z = nn.binary_cross_entropy(st.tensor([0.0, 1.0, 1.0]), [1.0, 0.0, 1.0], reduction="none")
    assert np.all(np.isfinite(z.data))
    assert z.data[0] == pytest.approx(-np.log(np.finfo(np.float64).eps))
    assert z.data[2] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_against_torch(reduction):
    rng = _rng(4)
    logits = np.concatenate([5 * rng.normal(size=6), [0.0, 1000.0, -1000.0, 40.0, -40.0]]).reshape(-1, 1)
    target = np.array([0, 1, 1, 0, 1, 0.3, 1, 0, 1, 0, 1.0]).reshape(-1, 1)
    z = compare(nn.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, logits, target,
                reduction)
    assert np.all(np.isfinite(z.data))


def test_bce_with_logits_slope_at_zero_is_sigmoid_zero_minus_target():
    x = st.tensor([0.0, 0.0], requires_grad=True)
    nn.binary_cross_entropy_with_logits(x, [0.0, 1.0], reduction="sum").backward()
    np.testing.assert_allclose(x.grad.data, [0.5, -0.5])


def test_bce_with_logits_matches_bce_of_sigmoid():
    rng = _rng(5)
    x, y = rng.normal(size=(10, 1)), (rng.uniform(size=(10, 1)) > 0.5).astype(float)
    a = nn.binary_cross_entropy_with_logits(st.tensor(x), y)
    b = nn.binary_cross_entropy(st.sigmoid(st.tensor(x)), y)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_integer_labels_against_torch(reduction):
    rng = _rng(6)
    logits = rng.normal(size=(9, 4)) * 3
    labels = rng.integers(0, 4, size=9)
    compare(nn.cross_entropy, F.cross_entropy, logits, labels, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets_against_torch(reduction):
    rng = _rng(7)
    logits = rng.normal(size=(5, 3))
    probs = rng.dirichlet(np.ones(3), size=5)
    compare(nn.cross_entropy, F.cross_entropy, logits, probs, reduction)
    onehot = np.eye(3)[rng.integers(0, 3, size=5)]
    compare(nn.cross_entropy, F.cross_entropy, logits, onehot, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_logits_of_1000(reduction):
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    labels = np.array([0, 2, 1])
    z = compare(nn.cross_entropy, F.cross_entropy, logits, labels, reduction)
    assert np.all(np.isfinite(z.data))


def test_cross_entropy_single_example_and_1000():
    z = nn.cross_entropy(st.tensor([[1000.0, 0.0]]), [0])
    assert z.item() == 0.0
    one = nn.cross_entropy(st.tensor([1.0, 2.0, 3.0]), np.int64(2))
    assert one.item() == pytest.approx(F.cross_entropy(torch.tensor([1.0, 2.0, 3.0]), torch.tensor(2)).item())


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.l1_loss, nn.huber_loss, nn.binary_cross_entropy,
                                  nn.binary_cross_entropy_with_logits])
def test_float32_in_float32_out(loss):
    rng = _rng(8)
    pred = st.tensor(rng.uniform(0.1, 0.9, size=(6, 1)).astype(np.float32), requires_grad=True)
    target = (rng.uniform(size=(6, 1)) > 0.5).astype(np.float64)  # a float64 target does not promote
    z = loss(pred, target)
    z.backward()
    assert z.dtype == np.float32 and pred.grad.dtype == np.float32


def test_cross_entropy_float32():
    logits = st.tensor(np.zeros((3, 4), np.float32), requires_grad=True)
    z = nn.cross_entropy(logits, [0, 1, 3])
    z.backward()
    assert z.dtype == np.float32 and logits.grad.dtype == np.float32
    assert z.item() == pytest.approx(np.log(4), rel=1e-6)


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.l1_loss, nn.huber_loss, nn.binary_cross_entropy,
                                  nn.binary_cross_entropy_with_logits])
def test_shape_mismatch_names_both_shapes(loss):
    pred = st.tensor(np.full((4, 1), 0.5))
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)") as err:
        loss(pred, np.zeros(4))
    assert "reshape" in str(err.value)
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(3, 1\)"):
        loss(pred, np.zeros((3, 1)))


def test_cross_entropy_errors():
    logits = st.tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"label 4 is out of range for 4 classes"):
        nn.cross_entropy(logits, [0, 4, 1])
    with pytest.raises(ValueError, match=r"label -1"):
        nn.cross_entropy(logits, [0, -1, 1])
    with pytest.raises(ValueError, match=r"shape \(3,\).*got \(2,\)"):
        nn.cross_entropy(logits, [0, 1])
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(3, 3\)"):
        nn.cross_entropy(logits, np.eye(3))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        nn.cross_entropy(st.tensor(np.zeros((2, 3, 4))), [0, 1])


def test_unknown_reduction_and_loss():
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.mse_loss(st.tensor([1.0]), [1.0], reduction="avg")
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        nn.get_loss("hinge")
    assert nn.get_loss("MSE") is nn.mse_loss and nn.get_loss("ce") is nn.cross_entropy


def test_target_tensor_is_not_changed_and_may_take_gradients():
    pred = st.tensor([1.0, 2.0], requires_grad=True)
    target = st.tensor([0.0, 0.0], requires_grad=True)
    nn.mse_loss(pred, target).backward()
    np.testing.assert_allclose(target.grad.data, [-1.0, -2.0])
    np.testing.assert_allclose(target.data, [0.0, 0.0])
