"""Start and keep the warm server beside the operator, and name the command ansible-runner launches."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from rustfs_operator.warm.client import FALLBACK_VARIABLE, SOCKET_VARIABLE

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding rustfs_operator


class WarmServer:
    """The server process, restarted by `ensure` if it died (a run never waits for it: the client falls back)."""

    def __init__(self, work_dir: Path, env: Mapping[str, str], fallback: str) -> None:
        self.directory = work_dir / "warm"
        self.socket = self.directory / "server.sock"
        self.client = self.directory / "ansible-playbook"
        self.fallback = fallback
        self.env = dict(env)
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()  # runs start from several worker threads

    def environment(self) -> dict[str, str]:
        """What each run's environment adds so that its client finds the server, or the real command."""
        return {SOCKET_VARIABLE: str(self.socket), FALLBACK_VARIABLE: self.fallback}

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        # -I -S: the client imports the standard library only, in milliseconds.
        self.client.write_text(
            f"#!{sys.executable} -IS\n"
            "import sys\n"
            f"sys.path.insert(0, {_PACKAGE_ROOT!r})\n"
            "from rustfs_operator.warm.client import main\n"
            "main()\n"
        )
        self.client.chmod(0o700)
        self.ensure()

    def ensure(self) -> None:
        with self._lock:
            if self.process is None or self.process.poll() is not None:
                self._spawn()

    def _spawn(self) -> None:
        python_path = os.pathsep.join(filter(None, (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", ""))))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rustfs_operator.warm.server", "--socket", str(self.socket)],
            env={**os.environ, **self.env, "PYTHONPATH": python_path},
            cwd=str(self.directory),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
