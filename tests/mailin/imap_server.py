"""A private Dovecot IMAP server for the tests: its own config in a temp dir, listening on a
free loopback port, one user (passwd-file), maildir storage in the temp dir. Started once per
module, stopped at the end. Skips when Debian's dovecot-imapd is not installed (.ci/run
installs it)."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import free_loopback_port

USER, PASSWORD = "crm", "imap-secret"


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str


def _accounts(root: Path) -> tuple[str, str, str]:
    """(internal user, login user, mail uid): Dovecot's own users when run as root, else
    whoever runs the tests."""
    if os.geteuid() == 0:
        with contextlib.suppress(KeyError):
            pwd.getpwnam("dovecot"), pwd.getpwnam("dovenull")
            shutil.chown(root / "mail", "dovecot", "dovecot")
            return "dovecot", "dovenull", "dovecot"
    me = pwd.getpwuid(os.geteuid()).pw_name
    return me, me, me


CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextlib.contextmanager
def dovecot():
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.skip("dovecot-imapd is not installed")
    root = Path(tempfile.mkdtemp(prefix="ltc-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    internal, login, mail_user = _accounts(root)
    group = pwd.getpwnam(mail_user).pw_gid
    port = free_loopback_port()
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            internal=internal,
            internal_group=grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
            login=login,
            uid=pwd.getpwnam(mail_user).pw_uid,
            gid=group,
            port=port,
        )
    )
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True, timeout=20)
    try:
        for _ in range(100):  # at most 10 s for it to listen
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError((root / "dovecot.log").read_text())
        yield ImapServer("127.0.0.1", port, USER, PASSWORD)
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(50):  # at most 5 s for it to stop
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)
