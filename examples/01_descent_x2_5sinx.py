"""Gradient descent on f(x) = x^2 + 5 sin(x) from x0 = -5 and x0 = 5 (lr 0.1, stop when |f'(x)| < 1e-3).

Both starts reach the same minimum, x* = -1.1105..., at different speeds.
"""

import steepest as st

f = st.parse("x**2 + 5*sin(x)")
df = st.grad(f)  # f'(x) = 2x + 5 cos(x), from the engine

for x0 in (-5.0, 5.0):
    res = st.minimize(f, x0, method="gd", lr=0.1, tol=1e-3, max_iter=100)
    print(f"x0 = {x0:+g}: x = {res.x:.4f}, f(x) = {res.fun:.4f} after {res.n_iter} steps ({res.reason})")
    assert abs(res.x - -1.1106) < 1e-3 and abs(df(res.x)) < 1e-3

# the same loop written out, as the seed writes it: x_{t+1} = x_t - eta * f'(x_t)
x, steps = -5.0, 0
while abs(df(x)) >= 1e-3 and steps < 100:
    x = x - 0.1 * df(x)
    steps += 1
print(f"by hand from -5: x = {x:.4f} after {steps} updates")
