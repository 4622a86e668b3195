"""OR and XOR learned by gradient descent: one sigmoid neuron learns OR but not XOR; an MLP with a
hidden layer learns XOR."""

import steepest as st

for name, (X, y), sizes in [("OR ", st.data.or_(), [2, 1]), ("XOR", st.data.xor(), [2, 1]),
                            ("XOR", st.data.xor(), [2, 4, 1])]:
    model = st.nn.MLP(sizes, activation="tanh", output_activation="sigmoid", seed=1)
    hist = st.fit(model, X, y, loss="bce", optimizer="momentum", lr=0.5, epochs=2000, progress=False)
    out = model(X).numpy().ravel().round(3)
    print(f"{name} with {sizes}: loss {hist.loss[-1]:.4f}, accuracy {hist.accuracy[-1]:.0%}, outputs {out}")
    assert hist.accuracy[-1] == (0.5 if sizes == [2, 1] and name == "XOR" else 1.0)
