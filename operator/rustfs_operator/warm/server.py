"""The warm server: one process that has imported Ansible and forks a child per playbook run.

Why a fork server and not threads or a pool: a run must start from a clean
interpreter state (Ansible keeps global state: its CLI context, plugin loaders,
display), and a crash or leak must die with its run. A fork of an interpreter
that has already imported everything gives both, for a few milliseconds.

Ansible reads its configuration (environment, ansible.cfg) when it is imported,
so the server imports it only when the first run arrives, in that run's
environment, and a later run whose Ansible settings differ (other than the
per-run fact cache path, which is read when the plugin loads) is not warm: its
child simply executes the real ansible-playbook. The Kubernetes client, YAML,
Jinja and the collection's pure engine do not depend on that and are imported
at start.

The server must stay single-threaded (fork copies one thread). It ends when its
parent (the operator) goes: it polls for that.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from rustfs_operator.warm.client import FALLBACK_VARIABLE, MAX_MESSAGE

# A directory: each warm run writes its cProfile statistics there (where the time of a run goes).
PROFILE_VARIABLE = "RUSTFS_WARM_PROFILE"

# Read when a plugin loads, not when Ansible is imported: may differ per run.
PER_RUN_SETTINGS = frozenset({"ANSIBLE_CACHE_PLUGIN_CONNECTION"})

# Imported at start: heavy, and independent of Ansible's configuration.
EARLY_IMPORTS = (
    "yaml",
    "jinja2",
    "jsonschema",
    "cryptography.x509",
    "kubernetes.client",
    "kubernetes.config",
    "kubernetes.dynamic",
)
# Imported with the first run's environment (the plugins below are loaded through their loaders).
ANSIBLE_IMPORTS = (
    "ansible.cli.playbook",
    "ansible.executor.playbook_executor",
    "ansible.executor.task_queue_manager",
    "ansible.executor.process.worker",
)
# Plugins a reconcile uses, loaded (code and documented options) once here rather
# than in every run and in every task's worker process, which forgets what it loaded.
# (Not vars plugins: their loader caches instances, which must be made per run.)
PLUGINS: dict[str, tuple[str, ...]] = {
    "action": (
        "ansible.builtin.debug",
        "ansible.builtin.set_fact",
        "ansible.builtin.set_stats",
        "ansible.builtin.assert",
        "ansible.builtin.fail",
        "ansible.builtin.validate_argument_spec",
        "ansible.builtin.include_vars",
        "ansible.builtin.normal",
        "rustfs.operator.tenant_load",
        "rustfs.operator.tenant_reconcile",
        "rustfs.operator.tenant_info",
        "rustfs.operator.tls_info",
        "rustfs.operator.tls_generated",
        "rustfs.operator.tenant_status",
        "rustfs.operator.tenant_rollback",
    ),
    # Not ansible-runner's awx_display: it keeps the run's artifact directory in module state.
    "callback": ("ansible.builtin.default",),
    "strategy": ("ansible.builtin.linear",),
    "cache": ("ansible.builtin.memory", "ansible.builtin.jsonfile"),
    "lookup": ("ansible.builtin.file", "ansible.builtin.env"),
    "filter": ("ansible.builtin.combine", "rustfs.operator.tenant_validate"),
    "test": ("ansible.builtin.match",),
}


def ansible_settings(env: Mapping[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith("ANSIBLE_") and key not in PER_RUN_SETTINGS}


def _try_import(names: tuple[str, ...]) -> None:
    for name in names:
        with contextlib.suppress(Exception):  # a missing optional piece only costs the runs its import
            importlib.import_module(name)


def _load_plugins(inventory: list[str]) -> None:
    from ansible.plugins import loader

    loaders: dict[str, Any] = {
        "action": loader.action_loader,
        "callback": loader.callback_loader,
        "strategy": loader.strategy_loader,
        "cache": loader.cache_loader,
        "lookup": loader.lookup_loader,
        "filter": loader.filter_loader,
        "test": loader.test_loader,
        "inventory": loader.inventory_loader,
    }
    # Every run preloads all of these (PlaybookExecutor.run): once here instead.
    for every in (loader.connection_loader, loader.shell_loader, loader.become_loader):
        with contextlib.suppress(Exception):
            list(every.all(class_only=True))
    wanted = {**PLUGINS, "inventory": tuple(inventory)}
    for kind, names in wanted.items():
        for name in names:
            with contextlib.suppress(Exception):  # not found or not loadable so: each run loads it itself
                loaders[kind].get(name, class_only=True)


class Warm:
    """The Ansible this server imported, and the settings it was imported with."""

    def __init__(self) -> None:
        self.settings: dict[str, str] | None = None
        self.config_file: str | None = None

    def adopt(self, env: Mapping[str, str], cwd: str) -> None:
        """Import Ansible as the first run would, so that its children can skip it."""
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        try:
            _try_import(ANSIBLE_IMPORTS)
            from ansible import constants
            from ansible.plugins.loader import init_plugin_loader

            init_plugin_loader([])
            _load_plugins(constants.INVENTORY_ENABLED)
            self.settings = ansible_settings(env)
            self.config_file = constants.CONFIG_FILE
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            os.chdir(saved_cwd)

    def fits(self, env: Mapping[str, str]) -> bool:
        """Whether a run in ENV (already this process's environment and directory) sees the imported settings."""
        if self.settings is None or ansible_settings(env) != self.settings:
            return False
        from ansible.config.manager import find_ini_config_file

        return bool(find_ini_config_file() == self.config_file)


def refresh_import_time_settings(env: Mapping[str, str]) -> None:
    """Values a library took from the environment when the server imported it, taken again from the run's.

    The Kubernetes client reads KUBECONFIG at import; kubernetes.core and this
    collection then load "the default kubeconfig" from that value.
    """
    kube_config = sys.modules.get("kubernetes.config.kube_config")
    if kube_config is not None:
        location = env.get("KUBECONFIG", "~/.kube/config")
        kube_config.KUBE_CONFIG_DEFAULT_LOCATION = location  # type: ignore[attr-defined]
        package = sys.modules.get("kubernetes.config")
        if package is not None:
            package.KUBE_CONFIG_DEFAULT_LOCATION = location  # type: ignore[attr-defined]


def run_child(request: Mapping[str, Any], fds: list[int], warm: Warm) -> None:
    """In the forked child: become the run described by REQUEST. Never returns."""
    code = 1
    try:
        os.setsid()  # its own process group: the server and the client signal the group
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        env, argv = dict(request["env"]), [str(arg) for arg in request["argv"]]
        os.environ.clear()
        os.environ.update(env)
        os.chdir(str(request["cwd"]))
        if not warm.fits(env):
            program = env.get(FALLBACK_VARIABLE, "ansible-playbook")
            os.execvpe(program, [program, *argv[1:]], env)
        refresh_import_time_settings(env)
        sys.argv = argv
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        warnings.filterwarnings("ignore", "AnsibleCollectionFinder has already been configured")
        from ansible.cli.playbook import PlaybookCLI

        profile_dir = env.get(PROFILE_VARIABLE)
        profiler = cProfile.Profile() if profile_dir else None
        try:
            if profiler is not None:
                profiler.enable()
            PlaybookCLI.cli_executor(argv)
            code = 0
        except SystemExit as ended:
            code = ended.code if isinstance(ended.code, int) else (0 if ended.code is None else 1)
        finally:
            if profiler is not None and profile_dir:
                profiler.disable()
                profiler.dump_stats(os.path.join(profile_dir, f"run-{os.getpid()}.prof"))
    except BaseException as error:  # report, never return into the server's loop
        with contextlib.suppress(Exception):
            print(f"rustfs-operator warm runner: {type(error).__name__}: {error}", file=sys.stderr)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class Server:
    """Accepts runs on a Unix socket, forks one child per run, reports each exit status."""

    def __init__(self, path: str, parent: int) -> None:
        self.path = path
        self.parent = parent
        self.warm = Warm()
        self.runs: dict[int, socket.socket] = {}  # child pid -> its client's connection
        self.selector = selectors.DefaultSelector()
        if os.path.exists(path):
            os.unlink(path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        old_umask = os.umask(0o077)  # only the operator's user may start runs
        try:
            self.listener.bind(path)
        finally:
            os.umask(old_umask)
        self.listener.listen(64)
        self.wakeup_r, self.wakeup_w = os.pipe()
        os.set_blocking(self.wakeup_w, False)
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.listener, selectors.EVENT_READ, self._accept)
        self.selector.register(self.wakeup_r, selectors.EVENT_READ, self._reap)

    def serve(self) -> None:
        """Until the operator is gone; runs in flight then end as they would have (their clients decide)."""
        while os.getppid() == self.parent or self.runs:
            if os.getppid() != self.parent and self.listener.fileno() >= 0:
                self.selector.unregister(self.listener)
                self.listener.close()
            for key, _ in self.selector.select(timeout=2.0):
                callback: Callable[[Any], None] = key.data
                callback(key.fileobj)

    def _accept(self, _listener: Any) -> None:
        conn, _ = self.listener.accept()
        try:
            message, fds, _flags, _addr = socket.recv_fds(conn, MAX_MESSAGE, 3)
            request = json.loads(message)
            if self.warm.settings is None:
                self.warm.adopt(request["env"], request["cwd"])
        except Exception:
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            self._close_in_child(conn)
            run_child(request, fds, self.warm)
        for fd in fds:
            os.close(fd)
        self.runs[pid] = conn
        conn.send(json.dumps({"pid": pid}).encode())
        self.selector.register(conn, selectors.EVENT_READ, lambda sock, pid=pid: self._client_gone(pid, sock))

    def _close_in_child(self, conn: socket.socket) -> None:
        """A run keeps none of the server's descriptors: other runs' connections, the listener, the wakeup pipe."""
        signal.set_wakeup_fd(-1)
        for sock in (self.listener, conn, *self.runs.values()):
            sock.close()
        for fd in (self.wakeup_r, self.wakeup_w):
            os.close(fd)
        self.selector.close()

    def _client_gone(self, pid: int, conn: socket.socket) -> None:
        """The client closed its end before the run ended (it was killed): so does the run."""
        self.selector.unregister(conn)
        self._kill(pid)

    def _kill(self, pid: int) -> None:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)

    def _reap(self, _fd: Any) -> None:
        os.read(self.wakeup_r, 4096)
        while self.runs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.runs.pop(pid, None)
            if conn is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(conn)
            with contextlib.suppress(OSError):
                conn.send(json.dumps({"status": status}).encode())
            conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rustfs-operator-warm", description=__doc__)
    parser.add_argument("--socket", required=True, help="the Unix socket to listen on")
    args = parser.parse_args(argv)
    parent = os.getppid()
    _try_import(EARLY_IMPORTS)
    Server(args.socket, parent).serve()


if __name__ == "__main__":
    main()
