"""Slopes and partial derivatives from the seeds: 2x^2 at 1, xy at (4, -3), x + y, and the linear
estimate of 2x^2 + y^2 from (0.5, 0.5) to (0.6, 0.6)."""

import numpy as np

import steepest as st

print("slope of 2x^2 at x = 1:", st.grad(st.parse("2*x**2"))(1.0))  # 4

xy = st.parse("x*y")
print("xy at (4, -3):", xy(4.0, -3.0), " grad:", st.grad(xy, argnums=(0, 1))(4.0, -3.0))  # -12, (-3, 4)
print("grad of x + y:", st.grad(st.parse("x + y"), argnums=(0, 1))(4.0, -3.0))  # (1, 1)

f = st.parse("2*x**2 + y**2")
p, dp = np.array([0.5, 0.5]), np.array([0.1, 0.1])
g = st.grad(f)(p)  # (4x, 2y) = (2, 1)
dz = g @ dp  # dz = df/dx dx + df/dy dy = 0.2 + 0.1
print(f"f(0.5, 0.5) = {f(*p):.2f}, dz ~ {dz:.2f}, estimate {f(*p) + dz:.2f}, "
      f"true f(0.6, 0.6) = {f(*(p + dp)):.2f}")
assert np.isclose(dz, 0.3) and np.isclose(f(*p) + dz, 1.05) and np.isclose(f(*(p + dp)), 1.08)
