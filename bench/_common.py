"""What every benchmark in bench/ shares: medians of several runs, the machine's load, --smoke.

Not a benchmark itself (the smoke step, scripts/bench_smoke.py, runs every bench/*.py whose
name does not start with an underscore).
"""

import os
import statistics
import threading
import time

# A median of fewer runs says little on a shared, noisy machine (±30% between runs).
MIN_RUNS = 5


def add_smoke_argument(parser):
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, a few seconds: CI checks that the benchmark still runs",
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def print_load(when: str) -> None:
    """Printed at the start and end of a run: figures from a busy machine are read as such."""
    print(f"[{when}] {load_average()}", flush=True)


def runs_count(runs: int) -> int:
    return max(runs, MIN_RUNS)


def median_seconds(fn, runs: int) -> float:
    """The median wall time of `runs` (at least MIN_RUNS) calls of fn()."""
    return median_times(fn, runs)[0]


def median_times(fn, runs: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of this process over `runs` (at least
    MIN_RUNS) calls of fn(). On a busy machine the wall time includes waiting for a core, the
    CPU time does not (nor the database server's work)."""
    wall, cpu = [], []
    for _i in range(runs_count(runs)):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return statistics.median(wall), statistics.median(cpu)


PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakMemory:
    """Highest resident set size seen while the block runs, above the level at its start."""

    def __enter__(self):
        self.start = rss()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())

    @property
    def mb(self):
        return (self.peak - self.start) / 2**20


def signed_in_client(user):
    """A test client signed in as `user`, past the second factor where the policy asks it
    (branchservice/twofactor), as that person's session would be: without it every admin
    page answers with a redirect to the code page."""
    from django.test import Client

    from branchservice.twofactor.policy import asks_second_factor
    from tests.factories import pass_second_factor

    client = Client()
    client.force_login(user)
    if asks_second_factor(user):
        pass_second_factor(client, user)
    return client
