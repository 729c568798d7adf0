"""Runs every benchmark in bench/ at its tiny size (`--smoke`), so that none can rot unseen.

    DATABASE_URL=postgres://USER:PASS@HOST:PORT/DB .venv/bin/python scripts/bench_smoke.py

Every bench/*.py except modules whose name starts with an underscore is a benchmark: it must
accept --smoke, finish within SCRIPT_LIMIT, exit 0 and print its figures (a median) and the
load average. Each gets a fresh database of its own on the server of DATABASE_URL (the
benchmarks fill or flush theirs), dropped afterwards. A new benchmark joins by being there.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_LIMIT = 600  # seconds: well under a minute each on a quiet machine
# What a run must print to count: its figures are medians, read against the machine's load.
REQUIRED = ("median", "load average")


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(base: str, sql: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("bench_smoke: set DATABASE_URL to a PostgreSQL server (the benchmarks need one)")
    scripts = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
    failed = []
    for script in scripts:
        db = f"bench_smoke_{script.stem}"
        admin(base, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin(base, f'CREATE DATABASE "{db}"')
        env = {**os.environ, "DATABASE_URL": database_url(base, db)}
        began = time.monotonic()
        try:
            result = subprocess.run(
                [sys.executable, str(script), "--smoke"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=SCRIPT_LIMIT,
            )
            output, status = result.stdout + result.stderr, result.returncode
        except subprocess.TimeoutExpired as exc:
            output, status = f"{exc.stdout or ''}{exc.stderr or ''}", f"timeout {SCRIPT_LIMIT}s"
        finally:
            admin(base, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        missing = [word for word in REQUIRED if word not in output.lower()]
        verdict = "ok" if status == 0 and not missing else "FAILED"
        print(f"--- bench/{script.name} --smoke: {verdict} in {time.monotonic() - began:.0f}s")
        print(output.rstrip())
        if verdict != "ok":
            print(f"    exit status {status}; missing from its output: {missing or 'nothing'}")
            failed.append(script.name)
    print(f"bench smoke: {len(scripts) - len(failed)} of {len(scripts)} ran and printed figures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
