"""Three steps of size h = 0.2 along the gradient of f(x, y) = xy from (4, -3) (gradient ascent,
as the seed does it): (3.4, -2.2), (2.96, -1.52), (2.656, -0.928)."""

import numpy as np

import steepest as st

f = st.parse("x*y")
df = st.grad(f)
p = np.array([4.0, -3.0])
print(f"t = 0: (x, y) = {p}, f = {f(*p):.4f}, grad = {df(p)}")
for t in range(1, 4):
    p = p + 0.2 * df(p)  # x_new = x + h df/dx, y_new = y + h df/dy
    print(f"t = {t}: (x, y) = {np.round(p, 4)}, f = {f(*p):.4f}, grad = {np.round(df(p), 4)}")
assert np.allclose(p, [2.656, -0.928])
