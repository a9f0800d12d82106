"""A throwaway PostgreSQL server for the scale-out suite, started by the test run itself.

Debian's PostgreSQL binaries (apt-get install postgresql) run a cluster in a temporary
directory, listening on loopback only, with trust authentication, and are stopped at the
end. PostgreSQL refuses to run as root: under root the server runs as the `postgres`
system user the Debian package creates.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 30  # seconds


def find_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def running_postgres(*, for_tests: bool = False):
    """Yield a base URL (postgres://postgres@127.0.0.1:<port>) of a fresh server.

    A throwaway cluster never needs durability: always fsync=off. The test runs
    (for_tests=True) also commit without waiting for the WAL (synchronous_commit=off) and
    write no full pages into it (full_page_writes=off); a crash loses the cluster, which is
    thrown away anyway. The benchmark (bench/) keeps PostgreSQL's commit path as it was, so
    its figures stay comparable. Never settings for a real server."""
    binaries = find_binaries()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    directory = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data = directory / "data"
    log_path = directory / "server.log"
    if os.geteuid() == 0:
        server_user = pwd.getpwnam("postgres")
        os.chown(directory, server_user.pw_uid, server_user.pw_gid)
    port = _free_port()
    environment = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    try:
        subprocess.run(  # noqa: S603 - fixed command line, Debian's initdb
            _as_server_user(
                [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
            env=environment,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off -c max_connections=300"
        if for_tests:
            options += " -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(  # noqa: S603 - fixed command line, Debian's pg_ctl
            _as_server_user(
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log_path),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "30",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            env=environment,
        )
        yield f"postgres://postgres@127.0.0.1:{port}"
    except subprocess.CalledProcessError as error:
        log = log_path.read_text()[-3000:] if log_path.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {error.stderr.decode()[-2000:]}\n{log}") from error
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603 - fixed command line, Debian's pg_ctl
                _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                env=environment,
            )
        deadline = time.monotonic() + 5
        while (data / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(directory, ignore_errors=True)


def create_database(base_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"
