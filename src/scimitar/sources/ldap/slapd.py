"""A throwaway OpenLDAP server for the tests, the benchmarks and ``scimitar demo --ldap``.

It runs Debian's ``slapd`` (installed by ``scripts/ensure-ldap.sh``) in the foreground on a free
port of 127.0.0.1, with a ``slapd.conf`` written into its own directory: an mdb database, the
``memberof`` overlay (so users carry ``memberOf``, as on Active Directory), and optionally extra
schema files (the tests' Active Directory attributes) and a TLS certificate (LDAPS and StartTLS).
Entries are added online (``ldapadd``) so the overlay sees them; ``slapadd`` would bypass it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from scimitar.errors import ConfigError

__all__ = ["LocalSlapd", "SlapdTLS", "free_port"]

_SYSTEM_SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
_START_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class SlapdTLS:
    """A server certificate and key (PEM files) for LDAPS and StartTLS."""

    certificate: Path
    key: Path


@dataclass(slots=True)
class LocalSlapd:
    """One slapd process owned by its caller; a context manager that starts and stops it.

    Attributes:
        workdir: An empty directory for the config, the database and the log.
        suffix: The database's naming context.
        root_password: The password of ``cn=admin,<suffix>``.
        schemas: Extra ``.schema`` files to include after Debian's standard ones.
        tls: A certificate to serve LDAPS on ``ldaps_port`` and StartTLS on ``port``.
        indexes: Extra ``index`` lines (attribute list, then index types).
        group_class: The object class whose ``member`` values the memberof overlay follows.
    """

    workdir: Path
    suffix: str = "dc=example,dc=org"
    root_password: str = "secret"  # noqa: S105 - a throwaway server on 127.0.0.1
    schemas: Sequence[Path] = ()
    tls: SlapdTLS | None = None
    indexes: Sequence[str] = ()
    group_class: str = "groupOfNames"
    port: int = 0
    ldaps_port: int = 0
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def root_dn(self) -> str:
        """The administrator's DN."""
        return f"cn=admin,{self.suffix}"

    @property
    def url(self) -> str:
        """``ldap://`` URL (StartTLS available when ``tls`` is set)."""
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        """``ldaps://`` URL; only served when ``tls`` is set."""
        return f"ldaps://127.0.0.1:{self.ldaps_port}"

    def _config(self) -> str:
        lines = [f"include /etc/ldap/schema/{name}.schema" for name in _SYSTEM_SCHEMAS]
        lines += [f"include {path}" for path in self.schemas]
        lines += [
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            "moduleload memberof",
            f"pidfile {self.workdir}/slapd.pid",
            f"argsfile {self.workdir}/slapd.args",
            "sizelimit unlimited",
        ]
        if self.tls is not None:
            lines += [
                f"TLSCertificateFile {self.tls.certificate}",
                f"TLSCertificateKeyFile {self.tls.key}",
            ]
        lines += [
            "database mdb",
            "maxsize 4294967296",
            "dbnosync",
            f'suffix "{self.suffix}"',
            f'rootdn "{self.root_dn}"',
            f"rootpw {self.root_password}",
            f"directory {self.workdir}/data",
            "index objectClass,entryUUID eq",
            "index modifyTimestamp eq",
            *(f"index {line}" for line in self.indexes),
            "overlay memberof",
            f"memberof-group-oc {self.group_class}",
        ]
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        """Write the config and start slapd; returns once it accepts connections.

        Raises:
            ConfigError: slapd is not installed, or it exited (its log is quoted).
        """
        binary = shutil.which("slapd") or "/usr/sbin/slapd"
        if not Path(binary).exists():
            raise ConfigError("slapd is not installed: run scripts/ensure-ldap.sh (as root)")
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        (self.workdir / "slapd.conf").write_text(self._config())
        self.port = self.port or free_port()
        urls = [self.url + "/"]
        if self.tls is not None:
            self.ldaps_port = self.ldaps_port or free_port()
            urls.append(self.ldaps_url + "/")
        log = (self.workdir / "slapd.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv
            [binary, "-f", str(self.workdir / "slapd.conf"), "-h", " ".join(urls), "-d", "0"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        self._wait_ready(self._process)

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._process = None
                text = (self.workdir / "slapd.log").read_text(errors="replace")[-2000:]
                raise ConfigError(f"slapd exited with status {process.returncode}: {text}")
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            except OSError:
                time.sleep(0.02)
            else:
                return
        self.stop()
        raise ConfigError(f"slapd did not accept connections on port {self.port}")

    def add_ldif(self, ldif: str | Path) -> None:
        """Add entries online (``ldapadd``), so overlays such as memberof see them.

        Raises:
            ConfigError: ldapadd failed; its message is quoted.
        """
        self._ldap_tool("ldapadd", ldif)

    def modify_ldif(self, ldif: str | Path) -> None:
        """Apply an LDIF of changes (``ldapmodify``).

        Raises:
            ConfigError: ldapmodify failed; its message is quoted.
        """
        self._ldap_tool("ldapmodify", ldif)

    def _ldap_tool(self, tool: str, ldif: str | Path) -> None:
        argv = [tool, "-x", "-H", self.url, "-D", self.root_dn, "-w", self.root_password]
        if isinstance(ldif, Path):
            argv += ["-f", str(ldif)]
            data = None
        else:
            data = ldif.encode()
        done = subprocess.run(argv, input=data, capture_output=True, check=False)  # noqa: S603
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip()
            raise ConfigError(f"{tool} failed (status {done.returncode}): {message}")

    def stop(self) -> None:
        """Stop slapd (SIGTERM, then SIGKILL after 10 s)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LocalSlapd:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
