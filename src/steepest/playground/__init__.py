"""`steepest playground`: gradient descent, networks and backpropagation in a browser, computed by steepest.

Three rooms on one local page: the descent lab (a formula's curve or level sets, the methods of
st.minimize racing from a start), the network lab (TensorFlow Playground's networks trained by
st.fit, and more), the graph lab (a formula's computational graph, stepped backward node by node).
The page only draws: every number comes from steepest in Python, over HTTP and a WebSocket.

Needs the extra: `pip install "steepest[playground]"` (Starlette, uvicorn, websockets, plotly).

    >>> from steepest.playground import serve
    >>> serve(port=8765)  # doctest: +SKIP
"""

from steepest.playground.launch import Background, serve

__all__ = ["serve", "Background"]
