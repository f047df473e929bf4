"""Real mail servers for the email tests: Dovecot (IMAP + LMTP, started from a temporary config on free ports) and
aiosmtpd (an SMTP server that keeps what it receives). Also a TCP proxy that can cut a connection mid-stream."""

from __future__ import annotations

import asyncio
import contextlib
import mailbox
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from support import free_port

DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{base}/mail/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/users
  default_fields = uid=nobody gid=nogroup home={base}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    base: Path
    port: int
    users: dict[str, str]
    conf: Path = field(init=False)

    def __post_init__(self) -> None:
        self.conf = self.base / "dovecot.conf"

    def maildir(self, user: str) -> mailbox.Maildir:
        path = self.base / "mail" / user / "Maildir"
        fresh = not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(path, create=True)
        if fresh:
            self._own(self.base / "mail")
        return box

    def deliver(self, user: str, message: bytes | EmailMessage) -> None:
        """Drop a mail into the user's INBOX the way a delivery agent does (a file renamed into Maildir/new)."""
        data = message if isinstance(message, bytes) else message.as_bytes()
        box = self.maildir(user)
        key = box.add(data)
        path = Path(box._path) / "new" / key  # type: ignore[attr-defined]
        shutil.chown(path, "nobody", "nogroup")

    def reset_uidvalidity(self, user: str) -> None:
        """What a restored backup or a migrated server does: the folder gets a new UIDVALIDITY and new UIDs."""
        root = self.base / "mail" / user / "Maildir"
        for name in ("dovecot-uidlist", "dovecot.index", "dovecot.index.cache", "dovecot.index.log"):
            with contextlib.suppress(FileNotFoundError):
                (root / name).unlink()
        # the next SELECT builds a new uidlist; force a different UIDVALIDITY (it is the time of creation)
        time.sleep(1.1)

    def kick(self, user: str) -> None:
        subprocess.run(
            ["doveadm", "-c", str(self.conf), "kick", user],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @staticmethod
    def _own(path: Path) -> None:
        for root, dirs, files in os.walk(path):
            shutil.chown(root, "nobody", "nogroup")
            for name in dirs + files:
                shutil.chown(os.path.join(root, name), "nobody", "nogroup")


def make_certificates(base: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate it signed for 127.0.0.1 / localhost (openssl): (ca, cert, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl is not installed: apt-get install openssl")
    base.mkdir(parents=True, exist_ok=True)
    ca, ca_key = base / "ca.pem", base / "ca.key"
    cert, key, csr, ext = base / "server.pem", base / "server.key", base / "server.csr", base / "san.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\n")
    quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca)]
        + ["-days", "2", "-subj", "/CN=Hub test CA", "-addext", "basicConstraints=critical,CA:TRUE"]
        + ["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        **quiet,
    )
    subprocess.run(
        [openssl, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr)]
        + ["-subj", "/CN=127.0.0.1"],
        **quiet,
    )
    subprocess.run(
        [openssl, "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial"]
        + ["-out", str(cert), "-days", "2", "-extfile", str(ext)],
        **quiet,
    )
    for path in (cert, key, ca):
        os.chmod(path, 0o644)
    return ca, cert, key


TLS_CONF = """\
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
"""


def start_dovecot(
    base: Path, users: dict[str, str], tls: tuple[Path, Path] | None = None, extra_conf: str = ""
) -> Dovecot:
    """`tls` (cert, key): STARTTLS required before login (ssl = required), else plain IMAP. `extra_conf`: more
    settings (e.g. an `imap_capability` without IDLE)."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if binary is None:
        raise RuntimeError(
            "dovecot is not installed: run `make test` (it installs dovecot-imapd) or apt-get install dovecot-imapd"
        )
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o755)  # mail runs as nobody, who must reach the mail directory
    for sub in ("run", "state", "mail"):
        (base / sub).mkdir(exist_ok=True)
    (base / "users").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    server = Dovecot(base, free_port(), users)
    conf = DOVECOT_CONF.format(base=base, port=server.port)
    if tls is not None:
        conf = conf.replace("ssl = no\ndisable_plaintext_auth = no\n", "") + TLS_CONF.format(
            cert=tls[0], key=tls[1]
        )
    server.conf.write_text(conf + extra_conf)
    for user in users:
        server.maildir(user)
    # dovecot daemonizes, and its children would keep a captured stdout open: no pipes
    with open(base / "start.log", "wb") as out:
        subprocess.run([binary, "-c", str(server.conf)], check=True, stdout=out, stderr=out)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            import socket

            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5) as s:
                if s.recv(200).startswith(b"* OK"):
                    return server
        except OSError:
            time.sleep(0.05)
    log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
    stop_dovecot(server)
    raise RuntimeError(f"dovecot did not start:\n{log[-2000:]}")


def stop_dovecot(server: Dovecot) -> None:
    subprocess.run(
        ["doveadm", "-c", str(server.conf), "stop"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class CuttingProxy:
    """A TCP proxy in front of a server; `cut_after(n)` closes the connection once n more bytes went to the
    client (a connection that dies in the middle of a FETCH). `connections` counts the clients it took;
    `upstream` keeps what the clients sent (the first MiB)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._budget: int | None = None
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.cuts = 0
        self.connections = 0
        self.upstream = bytearray()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut_after(self, nbytes: int) -> None:
        self._budget = nbytes

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {writer, up_writer}
        self.connections += 1

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, downstream: bool) -> None:
            try:
                while data := await src.read(16384):
                    if not downstream and len(self.upstream) < 1 << 20:
                        self.upstream += data
                    if downstream and self._budget is not None:
                        if len(data) >= self._budget:
                            dst.write(data[: self._budget])
                            self._budget = None
                            self.cuts += 1
                            break
                        self._budget -= len(data)
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                for w in (writer, up_writer):
                    w.close()

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for w in self._writers:
                w.close()
            await self._server.wait_closed()
