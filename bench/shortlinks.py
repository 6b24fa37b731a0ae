"""How fast the built-in short links redirect while every click is counted.

    .venv/bin/python bench/shortlinks.py [--links 2000] [--seconds 10] [--connections 8]

``--links`` built-in short links are made for one organization. The app runs under
gunicorn with two sync workers (the default of gunicorn.conf.py on a two-core machine;
WEB_CONCURRENCY changes it) and its default settings. ``--connections`` client threads
(kept-alive HTTP/1.1, a browser's User-Agent) then follow random links in a closed loop
for ``--seconds``, after a one-second warm-up; every answer must be a 302 to the link's
target. Afterwards the clicks stored are compared with the clicks sent (none may be lost
to a race). Prints one line:

    BENCH shortlinks redirect_p50_ms=… redirect_p99_ms=… rps=… counted=<stored>/<sent>
        load1=…

The embedded PostgreSQL server lives in var/bench-shortlinks unless POSTIZ_VAR_DIR names
another, so var/ itself is untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/calendar.py would shadow the standard library's calendar (imported by http.client
# through email): take bench/ off the path before anything else is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from bench._common import start_gunicorn  # noqa: E402

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


def prepare(links: int) -> dict[str, str]:
    """The links; returns {code: target}."""
    import django

    django.setup()
    from django.core.management import call_command

    from organizations.models import Organization
    from posts.links.models import ShortLink
    from posts.links.shorteners import new_code

    call_command("migrate", verbosity=0)
    organization, _ = Organization.objects.get_or_create(
        slug="bench-links", defaults={"name": "Bench links"}
    )
    ShortLink.objects.filter(organization=organization).delete()
    made = {new_code(): f"https://example.com/article/{n}?utm_source=bench" for n in range(links)}
    ShortLink.objects.bulk_create(
        ShortLink(
            organization=organization,
            shortener="builtin",
            code=code,
            target=target,
            short_url=f"https://acme.link/l/{code}",
        )
        for code, target in made.items()
    )
    return made


def load(port: int, links: dict[str, str], seconds: float, connections: int):
    """Closed-loop clicks; returns (latencies, bad answers)."""
    codes = list(links)
    latencies: list[float] = []
    bad: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, wrong = [], []
        pick = random.Random()  # noqa: S311 - which link to click, not a secret
        while time.monotonic() < stop:
            code = pick.choice(codes)
            began = time.perf_counter()
            conn.request("GET", f"/l/{code}", headers={"User-Agent": BROWSER})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            if response.status != 302 or response.getheader("Location") != links[code]:
                wrong.append(f"{code}: {response.status}")
        conn.close()
        with lock:
            latencies.extend(mine)
            bad.extend(wrong)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, bad


def percentile_ms(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--links", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    env = {
        **os.environ,
        # Another embedded server may be named (one already running saves its start).
        "POSTIZ_VAR_DIR": os.environ.get("POSTIZ_VAR_DIR")
        or str(ROOT / "var" / "bench-shortlinks"),
        "DJANGO_SETTINGS_MODULE": "postiz.settings",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
    }
    os.environ.update(env)
    links = prepare(args.links)
    from django.db import connection
    from django.db.models import Sum

    from posts.links.models import ShortLink

    connection.close()

    server, port = start_gunicorn(ROOT, env)
    try:
        warm, _ = load(port, links, 1.0, args.connections)
        latencies, bad = load(port, links, args.seconds, args.connections)
        if bad:
            raise SystemExit(f"{len(bad)} wrong answers, e.g. {bad[:3]}")
        sent = len(warm) + len(latencies)
        stored = ShortLink.objects.filter(code__in=list(links)).aggregate(n=Sum("clicks"))["n"]
        print(
            f"BENCH shortlinks redirect_p50_ms={percentile_ms(latencies, 0.50):.2f} "
            f"redirect_p99_ms={percentile_ms(latencies, 0.99):.2f} "
            f"rps={len(latencies) / args.seconds:.1f} counted={stored}/{sent} "
            f"load1={os.getloadavg()[0]:.2f}",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
