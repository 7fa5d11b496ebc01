"""The containers' health checks: `python -m epty.healthcheck web|worker|beat` exits 0 when healthy.

- web: GET /healthz on the local gunicorn with the site's own host name (EPTY_HOST, else the first of
  DJANGO_ALLOWED_HOSTS) and the proxy's `X-Forwarded-Proto: https`, as the reverse proxy sends it; healthy
  on 200 (the database and Redis answer).
- worker: this host's Celery node answers a ping through the broker.
- beat: beat published its health tick within the last two minutes (epty/health.py).

Prints one line saying why; never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import urllib.error
import urllib.request


def web(url: str) -> tuple[bool, str]:
    from django.conf import settings

    host = os.environ.get("EPTY_HOST") or (settings.ALLOWED_HOSTS or ["localhost"])[0]
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.loads(response.read())
            return response.status == 200, f"{response.status} {body.get('status')}"
    except urllib.error.HTTPError as exc:
        return False, f"{exc.code} from {url} (Host {host})"
    except OSError as exc:
        return False, f"{url} unreachable: {exc}"


def worker(node: str | None) -> tuple[bool, str]:
    from epty.celery import app

    node = node or f"celery@{socket.gethostname()}"
    replies = app.control.ping(destination=[node], timeout=5.0) or []
    ok = any(node in reply and reply[node].get("ok") == "pong" for reply in replies)
    return ok, f"{node}: {'pong' if ok else 'no answer'}"


def beat() -> tuple[bool, str]:
    from epty import health

    mark = health.marks()["beat"]
    if mark["age_seconds"] is None:
        return False, "beat has never ticked"
    return mark["ok"], f"last tick {mark['age_seconds']} s ago (stale after {health.STALE_SECONDS:.0f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m epty.healthcheck")
    parser.add_argument("service", choices=["web", "worker", "beat"])
    parser.add_argument("--url", default="http://127.0.0.1:8000/healthz", help="web: the health URL to ask")
    parser.add_argument("--node", help="worker: the Celery node name (default celery@<this host>)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epty.settings.local")
    import django

    django.setup()
    try:
        if args.service == "web":
            ok, why = web(args.url)
        elif args.service == "worker":
            ok, why = worker(args.node)
        else:
            ok, why = beat()
    except Exception as exc:  # noqa: BLE001 - a health check answers unhealthy, it does not crash
        ok, why = False, f"{type(exc).__name__}: {exc}"
    print(f"{args.service}: {'healthy' if ok else 'UNHEALTHY'}: {why}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
