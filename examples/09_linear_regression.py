"""Linear regression by gradient descent on J(w, b) = (1/n) sum (y_i - (w x_i + b))^2; the engine's
gradient equals the seed's formula (-2/n sum x_i (y_i - yhat_i), -2/n sum (y_i - yhat_i))."""

import numpy as np

import steepest as st

rng = np.random.default_rng(0)
x = rng.uniform(0, 2, 20)
y = 3 * x + 1 + rng.normal(0, 0.3, 20)


def J(w, b):
    return st.mean((y - (w * x + b)) ** 2)


w, b = 0.5, -0.2
yhat = w * x + b
seed_formula = (float(-2 * np.mean(x * (y - yhat))), float(-2 * np.mean(y - yhat)))
print("engine:", st.grad(J, argnums=(0, 1))(w, b), " seed's formula:", seed_formula)
assert np.allclose(st.grad(J, argnums=(0, 1))(w, b), seed_formula)

res = st.minimize(lambda p: J(p[0], p[1]), np.array([0.0, 0.0]), method="gd", lr=0.1, tol=1e-6, max_iter=5000)
print(f"w = {res.x[0]:.4f}, b = {res.x[1]:.4f} after {res.n_iter} steps; "
      f"least squares: {np.polyfit(x, y, 1).round(4)}")
assert np.allclose(res.x, np.polyfit(x, y, 1), atol=1e-4)
assert np.all(np.diff(res.values) <= 1e-15)  # J never goes up: dJ = -alpha |grad J|^2 to first order
