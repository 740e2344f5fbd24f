"""Servers and processes the tests start on this machine: a free loopback port to give one, and
stopping one, bounded in time (the worker drills, slapd, Dovecot, the OpenID provider)."""

from __future__ import annotations

import socket
import subprocess


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 5) -> None:
    """Ask `process` to stop; kill it after `timeout` seconds; close its output pipe."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    if process.stdout:
        process.stdout.close()
