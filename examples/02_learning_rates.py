"""What the learning rate does: lr 0.01 crawls, 0.1 converges, 0.5 overshoots and bounces."""

import steepest as st

f = st.parse("x**2 + 5*sin(x)")
runs = {lr: st.minimize(f, 5.0, method="gd", lr=lr, tol=1e-3, max_iter=40) for lr in (0.01, 0.1, 0.5)}
for lr, res in runs.items():
    print(f"lr = {lr:<4g}: x = {res.x:+.4f} after {res.n_iter} steps, {res.reason}")

assert runs[0.1].converged and not runs[0.01].converged and not runs[0.5].converged
# near x*, f''(x*) = 2 - 5 sin(x*) ~ 6.5: a step multiplies the error by |1 - 6.5 lr| (2.2 for lr 0.5)
print("f''(x*) =", round(st.grad(st.grad(f))(runs[0.1].x), 3))
