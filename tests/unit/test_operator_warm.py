"""The warm runner: runs forked from a pre-imported server behave as a fresh ansible-playbook would.

Real processes throughout (the server, the client, ansible-playbook): what is
checked is what ansible-runner relies on, i.e. output, exit status, signals,
and that a run never sees settings it was not started with.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rustfs_operator.warm.client import FALLBACK_VARIABLE, SOCKET_VARIABLE
from rustfs_operator.warm.launcher import WarmServer

ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")

SETTING_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Show a setting read when Ansible is imported
      ansible.builtin.debug:
        msg: >-
          timeout={{ lookup('ansible.builtin.config', 'DEFAULT_TIMEOUT') }}
          pid={{ lookup('ansible.builtin.env', 'RUN_MARK') }}

    - name: Show the command line of the process that runs the play
      ansible.builtin.debug:
        msg: "command={{ lookup('ansible.builtin.pipe', 'tr \\\\0 _ < /proc/$PPID/cmdline') }}"
"""

FAILING_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Fail on purpose
      ansible.builtin.fail:
        msg: failed on purpose
"""

SLOW_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Leave a marker, then wait
      ansible.builtin.shell: "touch {marker}; sleep 30"
"""


@pytest.fixture
def warm(tmp_path: Path) -> Iterator[WarmServer]:
    server = WarmServer(tmp_path / "work", {}, ANSIBLE_PLAYBOOK)
    server.start()
    deadline = time.monotonic() + 60
    while not server.socket.exists():
        assert time.monotonic() < deadline, "the warm server never listened"
        time.sleep(0.05)
    yield server
    server.stop()


def run_client(server: WarmServer, tmp_path: Path, play: str, **env: str) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "play.yml"
    playbook.write_text(play)
    return subprocess.run(
        [str(server.client), str(playbook)],
        cwd=tmp_path,
        env={**os.environ, **server.environment(), "ANSIBLE_NOCOLOR": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_warm_run_prints_and_exits_like_ansible_playbook(warm: WarmServer, tmp_path: Path) -> None:
    first = run_client(warm, tmp_path, SETTING_PLAY, RUN_MARK="one")
    second = run_client(warm, tmp_path, SETTING_PLAY, RUN_MARK="two")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "timeout=10 pid=one" in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert "timeout=10 pid=two" in second.stdout  # each run its own environment
    assert "ok=2" in second.stdout
    assert "warm.server" in second.stdout  # forked by the server, not a fresh ansible-playbook


def test_a_failed_play_gives_ansible_playbooks_exit_status(warm: WarmServer, tmp_path: Path) -> None:
    done = run_client(warm, tmp_path, FAILING_PLAY)
    assert done.returncode == 2
    assert "failed on purpose" in done.stdout


def test_a_run_with_other_ansible_settings_sees_its_own(warm: WarmServer, tmp_path: Path) -> None:
    """The server imported Ansible with the first run's settings; a run with others must not inherit them."""
    assert "timeout=10" in run_client(warm, tmp_path, SETTING_PLAY, RUN_MARK="a").stdout
    other = run_client(warm, tmp_path, SETTING_PLAY, RUN_MARK="b", ANSIBLE_TIMEOUT="42")
    assert other.returncode == 0, other.stdout + other.stderr
    assert "timeout=42 pid=b" in other.stdout
    assert "warm.server" not in other.stdout and "ansible-playbook" in other.stdout  # it became the real one


def test_without_a_server_the_client_runs_ansible_playbook_itself(tmp_path: Path) -> None:
    server = WarmServer(tmp_path / "work", {}, ANSIBLE_PLAYBOOK)  # never started: no socket
    server.directory.mkdir(parents=True)
    server.start()
    server.stop()
    done = run_client(server, tmp_path, SETTING_PLAY, RUN_MARK="cold")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "timeout=10 pid=cold" in done.stdout


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def test_a_killed_client_takes_its_run_with_it(warm: WarmServer, tmp_path: Path) -> None:
    """ansible-runner's timeout SIGKILLs the command it started: the forked run must not outlive it."""
    assert warm.process is not None
    marker = tmp_path / "started"
    playbook = tmp_path / "slow.yml"
    playbook.write_text(SLOW_PLAY.format(marker=marker))
    client = subprocess.Popen(
        [str(warm.client), str(playbook)],
        cwd=tmp_path,
        env={**os.environ, **warm.environment()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline, "the run never started its task"
        time.sleep(0.1)
    runs = children(warm.process.pid)
    assert len(runs) == 1  # the run, forked by the server
    os.kill(client.pid, signal.SIGKILL)
    client.wait()
    deadline = time.monotonic() + 10
    while runs & children(warm.process.pid):
        assert time.monotonic() < deadline, "the run outlived its client"
        time.sleep(0.1)


def test_the_server_restarts_when_it_died(warm: WarmServer, tmp_path: Path) -> None:
    assert warm.process is not None
    first = warm.process.pid
    warm.process.kill()
    warm.process.wait()
    warm.ensure()
    assert warm.process.pid != first
    done = run_client(warm, tmp_path, SETTING_PLAY, RUN_MARK="again")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pid=again" in done.stdout


def test_the_environment_names_the_socket_and_the_real_command(warm: WarmServer) -> None:
    assert warm.environment() == {SOCKET_VARIABLE: str(warm.socket), FALLBACK_VARIABLE: ANSIBLE_PLAYBOOK}
    assert os.stat(warm.socket).st_mode & 0o077 == 0


def test_a_run_reads_kubeconfig_from_its_own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Kubernetes client fixes its default kubeconfig at import: a forked run must not inherit the server's."""
    import kubernetes.config
    import kubernetes.config.kube_config
    from rustfs_operator.warm.server import refresh_import_time_settings

    monkeypatch.setattr(kubernetes.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", "/server/kubeconfig")
    monkeypatch.setattr(kubernetes.config, "KUBE_CONFIG_DEFAULT_LOCATION", "/server/kubeconfig")
    refresh_import_time_settings({"KUBECONFIG": "/run/kubeconfig"})
    assert kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION == "/run/kubeconfig"
    assert kubernetes.config.KUBE_CONFIG_DEFAULT_LOCATION == "/run/kubeconfig"
    refresh_import_time_settings({})
    assert kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION == "~/.kube/config"


STATS_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Publish a value, as the reconcile playbook does
      ansible.builtin.set_stats:
        data:
          mark: "{{ lookup('ansible.builtin.env', 'RUN_MARK') }}"
        per_host: false
"""


def test_ansible_runner_gets_each_runs_events_in_its_own_artifacts(warm: WarmServer, tmp_path: Path) -> None:
    """Events travel through ansible-runner's callback, which keeps per-run state: each run must have its own."""
    import ansible_runner

    (tmp_path / "play.yml").write_text(STATS_PLAY)
    for mark in ("first", "second", "third"):
        private = tmp_path / f"private-{mark}"
        private.mkdir()
        stats: dict[str, object] = {}

        def on_event(event: dict[str, object], stats: dict[str, object] = stats) -> bool:
            if event.get("event") == "playbook_on_stats":
                data = event.get("event_data")
                assert isinstance(data, dict)
                stats.update(data.get("artifact_data") or {})
            return True

        run = ansible_runner.run(
            private_data_dir=str(private),
            project_dir=str(tmp_path),
            binary=str(warm.client),
            cmdline="play.yml",
            envvars={**warm.environment(), "RUN_MARK": mark},
            quiet=True,
            event_handler=on_event,
            settings={"suppress_output_file": True},
        )
        assert (run.status, run.rc) == ("successful", 0)
        assert stats == {"mark": mark}
        assert str(private) in str(run.config.artifact_dir)
        assert list(Path(run.config.artifact_dir, "job_events").iterdir())  # the events went to this run's


def test_a_run_can_profile_itself(warm: WarmServer, tmp_path: Path) -> None:
    """RUSTFS_WARM_PROFILE: where the time of one run goes, as cProfile statistics."""
    import pstats

    from rustfs_operator.warm.server import PROFILE_VARIABLE

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    done = run_client(warm, tmp_path, SETTING_PLAY, RUN_MARK="profiled", **{PROFILE_VARIABLE: str(profiles)})
    assert done.returncode == 0, done.stdout + done.stderr
    [written] = list(profiles.iterdir())
    files = {file for file, _, _ in pstats.Stats(str(written)).stats}  # type: ignore[attr-defined]
    assert any(file.endswith("playbook_executor.py") for file in files)  # the play, not only the server
