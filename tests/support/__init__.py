"""Helpers shared by the test suites (playbook runs, example manifests)."""
