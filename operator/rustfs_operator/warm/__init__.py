"""The warm runner: ansible-playbook without its start-up cost, for operator mode.

A cold `ansible-playbook` spends most of a reconcile importing Ansible, the
Kubernetes client and the collection before its first task. Here one server
process (`server.py`) imports them once and forks a child per run; the command
ansible-runner launches (`client.py`, standard library only) hands the run its
argv, environment, working directory and terminal, and relays its exit status.
ansible-runner still sees a process that prints events and exits: its timeouts,
cancellation, events and artifacts work as with the real command.
"""
