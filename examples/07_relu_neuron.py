"""The seed's ReLU neuron: s = w x, z = s + b, a = max(0, z), e = y - a, J = e^2 with x = 5, y = 4,
w = b = 1; then one gradient-descent step with alpha = 0.01: w = 0.8, b = 0.96."""

import steepest as st

w = st.tensor(1.0, requires_grad=True, name="w")
b = st.tensor(1.0, requires_grad=True, name="b")
x, y = 5.0, 4.0

s = w * x
z = s + b
a = st.maximum(0.0, z)  # ReLU: max(0, z)
e = y - a
J = e**2
J.backward()
print(f"z = {z.item()}, a = {a.item()}, e = {e.item()}, J = {J.item()}")
print(f"dJ/dw = {w.grad.item()}, dJ/db = {b.grad.item()}")  # 2e (-1) [z > 0] x = 20, 2e (-1) = 4

alpha = 0.01
w_new, b_new = w.item() - alpha * w.grad.item(), b.item() - alpha * b.grad.item()
J_new = (y - max(0.0, w_new * x + b_new)) ** 2
print(f"after one step: w = {w_new:.2f}, b = {b_new:.2f}, J = {J_new:.4f} (was {J.item()})")
assert (w.grad.item(), b.grad.item()) == (20.0, 4.0)
assert abs(w_new - 0.8) < 1e-12 and abs(b_new - 0.96) < 1e-12
assert J_new < J.item()
