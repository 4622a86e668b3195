"""Backpropagation through f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4, step by step."""

import steepest as st

x = st.tensor(-2.0, requires_grad=True, name="x")
y = st.tensor(5.0, requires_grad=True, name="y")
z = st.tensor(-4.0, requires_grad=True, name="z")
q = x + y
q.name = "q"
f = q * z
print(st.explain(f))  # forward values, then each local derivative times the upstream gradient

f.backward()
print("\nf =", f.item(), " df/dx =", x.grad.item(), " df/dy =", y.grad.item(), " df/dz =", z.grad.item())
assert (f.item(), x.grad.item(), y.grad.item(), z.grad.item()) == (-12.0, -4.0, -4.0, 3.0)
# the same from a formula string; from the shell: steepest grad "(x+y)*z" --at x=-2,y=5,z=-4 --explain
print(st.value_and_grad(st.parse("(x+y)*z"), argnums=(0, 1, 2))(-2.0, 5.0, -4.0))
