"""A throwaway redis-server for the scale-out suite, started by the test run itself.

Debian's redis-server on a free loopback port, without persistence, in a temporary
directory; stopped (and the directory removed) at the end.
"""

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 15  # seconds


def find_binary() -> str | None:
    return shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    """A PING answered with +PONG (plain socket: no client library needed)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def running_redis():
    """Yield the URL (redis://127.0.0.1:<port>/0) of a fresh server."""
    binary = find_binary()
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (Debian: apt-get install redis-server)")
    directory = Path(tempfile.mkdtemp(prefix="redistest-"))
    log_path = directory / "redis.log"
    port = _free_port()
    process = None
    try:
        with log_path.open("w") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed command line, Debian's redis-server
                [
                    binary,
                    *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                    # One database per pytest-xdist worker (config/settings/test.py), room for 63.
                    *("--databases", "64"),
                    *("--dir", str(directory)),
                ],
                cwd=directory,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl+C in the terminal reaches the tests, which may
                # still need the server while they tear down; it is stopped below.
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited with code {process.returncode}:\n{log_path.read_text()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"redis-server did not answer PING in {START_TIMEOUT} s:\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(directory, ignore_errors=True)
