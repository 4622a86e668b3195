"""`steepest playground` as a user runs it: a subprocess on 127.0.0.1 that answers and stops on Ctrl-C."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

pytest.importorskip("uvicorn")
pytest.importorskip("plotly")


def start(*args):
    return subprocess.Popen([sys.executable, "-m", "steepest", "playground", "--no-browser", *args],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ})


def test_help():
    done = subprocess.run([sys.executable, "-m", "steepest", "playground", "--help"], capture_output=True,
                          text=True)
    assert done.returncode == 0
    for option in ("--host", "--port", "--no-browser", "127.0.0.1"):
        assert option in done.stdout


def test_serves_on_loopback_and_stops_on_ctrl_c():
    server = start("--port", "0")
    try:
        line = server.stderr.readline()
        pattern = r"steepest playground at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C stops it\)\n"
        match = re.fullmatch(pattern, line)
        assert match, line
        with urllib.request.urlopen(match.group(1) + "api/info", timeout=20) as r:
            assert json.load(r)["version"]
        with socket.create_connection(("127.0.0.1", int(match.group(2))), timeout=5):
            pass
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 130  # every command's status for Ctrl-C (128 + SIGINT)
    finally:
        if server.poll() is None:
            server.kill()


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start("--port", str(port))
        _, err = server.communicate(timeout=60)
    assert server.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err
