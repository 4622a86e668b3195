"""The same neuron with a sigmoid: dJ/dw = 2e (-1) a(1 - a) x. At z = 6 the sigmoid is saturated and
the gradient is hundreds of times smaller than the ReLU neuron's (the vanishing gradient)."""

import math

import steepest as st

w = st.tensor(1.0, requires_grad=True, name="w")
b = st.tensor(1.0, requires_grad=True, name="b")
x, y = 5.0, 4.0
a = st.sigmoid(w * x + b)
e = y - a
J = e**2
J.backward()

av = 1 / (1 + math.exp(-6.0))
by_hand = 2 * (y - av) * -1 * av * (1 - av) * x  # the seed's chain: 2e * (-1) * a(1-a) * 1 * x
print(f"a = {a.item():.4f}, J = {J.item():.4f}, dJ/dw = {w.grad.item():.5f} (by hand {by_hand:.5f}), "
      f"dJ/db = {b.grad.item():.5f}")
assert math.isclose(w.grad.item(), by_hand, rel_tol=1e-12)
print(f"the ReLU neuron's dJ/dw is 20: {20 / abs(w.grad.item()):.0f} times larger")
