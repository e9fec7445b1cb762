"""The real RustFS server (tests/dataplane/build.sh builds it) as local processes on 127.0.0.1.

One server with two server pools of four drives each, data under a temporary folder: enough for
erasure coding and for a real pool decommission. It never talks to anything outside 127.0.0.0/8
(update check and console off, no OTLP endpoint).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Root keys of the test servers (the tenant's credsSecret in the tests that provision through it).
ROOT_ACCESS = "dataplane-root"
ROOT_SECRET = "dataplane-root-secret-9Kq"
DRIVE_SIZE = "256m"


def binary() -> Path | None:
    """The built server, or None when tests/dataplane/build.sh has not built it on this machine."""
    done = subprocess.run([str(REPO / "tests/dataplane/build.sh"), "bin"], capture_output=True, text=True, check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pool_volumes(data: Path, pools: int, drives: int) -> list[str]:
    """One argument per server pool, in RustFS's ellipsis notation (as RUSTFS_VOLUMES has it).

    Each drive is its own small tmpfs: RustFS accounts a decommission's target capacity per physical
    device, and eight folders of one disk are one device to it.
    """
    for pool in range(pools):
        for drive in range(1, drives + 1):
            path = data / f"pool{pool}" / f"disk{drive}"
            path.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DRIVE_SIZE}", "tmpfs", str(path)], check=True)
    return [f"{data}/pool{pool}/disk{{1...{drives}}}" for pool in range(pools)]


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float, what: str) -> None:
    """Return once URL answers /health/ready; raise with the end of LOG if the process exits or TIMEOUT passes."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health/ready", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready in {timeout:.0f} s: {log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def running(data: Path, access: str, secret: str, pools: int = 2, drives: int = 4) -> Iterator[str]:
    """Start RustFS on DATA with root credentials ACCESS/SECRET; yields its URL once it is ready."""
    server = binary()
    if server is None:
        raise RuntimeError("rustfs is not built: run `make dataplane-build` (tests/dataplane/build.sh)")
    port = _free_port()
    env = {
        **os.environ,
        "RUSTFS_ACCESS_KEY": access,
        "RUSTFS_SECRET_KEY": secret,
        "RUSTFS_CONSOLE_ENABLE": "false",
        "RUSTFS_CHECK_UPDATE": "false",
        "RUSTFS_OBS_ENDPOINT": "",
        "RUST_LOG": os.environ.get("RUSTFS_TEST_LOG", "warn"),
    }
    log = (data / "rustfs.log").open("ab")
    process = subprocess.Popen(
        [str(server), "server", *pool_volumes(data, pools, drives), "--address", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, data / "rustfs.log", 60, "rustfs")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()
        for mount in sorted(data.glob("pool*/disk*")):
            subprocess.run(["umount", str(mount)], check=False)
