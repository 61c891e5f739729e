"""Stops `make test` at once, with how to fix it, when PostgreSQL or Redis is down."""

import os
import socket
import sys
from urllib.parse import urlparse

CHECKS = [
    (
        "PostgreSQL",
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/tracker",
        5432,
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    ),
    (
        "Redis",
        "REDIS_URL",
        "redis://127.0.0.1:6379/0",
        6379,
        'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    ),
]


def main() -> int:
    failed = False
    for name, var, default, port, start in CHECKS:
        url = urlparse(os.environ.get(var) or default)
        host, port = url.hostname or "127.0.0.1", url.port or port
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError as error:
            failed = True
            print(
                f"{name} is not reachable at {host}:{port} ({var}): {error}.\n"
                f"  Start it with: {start}",
                file=sys.stderr,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
