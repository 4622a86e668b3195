"""The gradient of Phi(x1, x2) = 9 x1^2 + x2^2 at (1, 2), the directional derivative along
u = (sqrt(3)/2, 1/2), the direction of steepest descent, and the level set through (1, 2)."""

import math

import numpy as np

import steepest as st

phi = st.parse("9*x1**2 + x2**2")
x = np.array([1.0, 2.0])
u = np.array([math.sqrt(3) / 2, 0.5])

g = st.grad(phi)(x)
d = st.directional_derivative(phi, x, u)
print("grad Phi(1, 2) =", g)  # (18 x1, 2 x2) = (18, 4)
print(f"D_u Phi(1, 2) = {d:.6f} = 9 sqrt(3) + 2 = {9 * math.sqrt(3) + 2:.6f}")
print("steepest descent direction -grad Phi =", -g)

assert np.allclose(g, [18.0, 4.0]) and math.isclose(d, 9 * math.sqrt(3) + 2)
# the gradient is perpendicular to the level set 9 x1^2 + x2^2 = 13 through (1, 2):
tangent = np.array([-g[1], g[0]])  # the level set's direction there
assert abs(g @ tangent) < 1e-12 and math.isclose(phi(*x), 13.0)
# no unit direction decreases Phi faster than -grad/|grad|
angles = np.linspace(0, 2 * math.pi, 361)
rates = [st.directional_derivative(phi, x, np.array([math.cos(a), math.sin(a)])) for a in angles]
print(f"fastest decrease over 360 directions: {min(rates):.4f} = -|grad| = {-np.linalg.norm(g):.4f}")
assert abs(min(rates) + np.linalg.norm(g)) < 1e-2
