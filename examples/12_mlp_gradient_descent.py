"""The seed's outline of learning: an MLP F(x, eta) = F_L o ... o F_1(x) with F_l(x) = sigma(A_l x + b_l),
the loss Phi(eta) = (1/N) sum |F(x_i, eta) - y_i|^2, and descent eta_i = eta_{i-1} - h grad Phi(eta_{i-1})."""

import steepest as st

X, y = st.data.xor()
model = st.nn.MLP([2, 4, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
h = 2.0  # the step size
for i in range(3001):
    phi = st.nn.mse_loss(model(X), y.reshape(-1, 1))  # Phi(eta)
    model.zero_grad()
    phi.backward()  # backpropagation: grad Phi for every A_l and b_l
    for p in model.parameters():
        p.data -= h * p.grad.data  # eta <- eta - h grad Phi(eta)
    if i % 500 == 0:
        print(f"step {i:4d}: Phi = {phi.item():.5f}")
print("outputs:", model(X).numpy().ravel().round(2), " targets:", y.ravel())
assert phi.item() < 0.02
