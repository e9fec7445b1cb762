"""The command ansible-runner launches in operator mode: a thin client of the warm server.

It imports only the standard library (it runs as `python -I -S`, a few
milliseconds), sends the run's argv, environment, working directory and its
stdin/stdout/stderr to the server, and exits as the forked run does. Signals
it receives go to the run; if the client is killed (ansible-runner's timeout
sends SIGKILL), the server sees the socket close and kills the run. When no
server answers, it becomes the real ansible-playbook (exec), so a run never
depends on the server being up.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys

SOCKET_VARIABLE = "RUSTFS_WARM_SOCKET"  # where the server listens
FALLBACK_VARIABLE = "RUSTFS_WARM_FALLBACK"  # the real ansible-playbook
MAX_MESSAGE = 1 << 20


def request(argv: list[str], env: dict[str, str], cwd: str) -> bytes:
    return json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode()


def exit_code(status: int) -> int:
    """A wait status as a shell would report it."""
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def fall_back(argv: list[str]) -> None:
    """Run the real command in this process: the server is an optimisation, never a dependency."""
    program = os.environ.get(FALLBACK_VARIABLE, "ansible-playbook")
    os.execvp(program, [program, *argv[1:]])


def main() -> None:
    path = os.environ.get(SOCKET_VARIABLE, "")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect(path)
        socket.send_fds(sock, [request(sys.argv, dict(os.environ), os.getcwd())], [0, 1, 2])
        started = json.loads(sock.recv(MAX_MESSAGE) or b"{}")
    except (OSError, ValueError):
        sock.close()
        fall_back(sys.argv)
        return
    pid = started.get("pid")
    if not isinstance(pid, int):
        sock.close()
        fall_back(sys.argv)
        return

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.killpg(pid, signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    reply = sock.recv(MAX_MESSAGE)  # the run's wait status, or nothing if the server died
    if not reply:
        sys.exit("rustfs-operator: the warm runner stopped during the run")
    sys.exit(exit_code(int(json.loads(reply)["status"])))


if __name__ == "__main__":
    main()
