"""Momentum against plain gradient descent: fewer iterations down a narrow valley, and out of a
local minimum that plain descent settles in."""

import numpy as np

import steepest as st

valley = st.parse("x**2 + 10*y**2")
start = np.array([-4.0, 1.0])
gd = st.minimize(valley, start, method="gd", lr=0.02, tol=1e-3, max_iter=1000)
mom = st.minimize(valley, start, method="momentum", lr=0.02, momentum=0.7, tol=1e-3, max_iter=1000)
print(f"valley: gd {gd.n_iter} iterations, momentum {mom.n_iter} iterations")
assert mom.n_iter < gd.n_iter

bumpy = st.parse("x**2 + 10*sin(x)")  # a local minimum near 3.84, the global one near -1.31
gd = st.minimize(bumpy, 6.0, method="gd", lr=0.02, tol=1e-3, max_iter=300)
mom = st.minimize(bumpy, 6.0, method="momentum", lr=0.02, momentum=0.9, tol=1e-3, max_iter=300)
print(f"bumpy: gd stops at x = {gd.x:.3f} (f = {gd.fun:.3f}); "
      f"momentum reaches x = {mom.x:.3f} (f = {mom.fun:.3f})")
assert abs(gd.x - 3.837) < 0.01 and abs(mom.x + 1.306) < 0.01
