"""Load test: the production stack on loopback under a day's checklist rush (issue 7, part 8).

    .venv/bin/python bench/load_test.py                  # 200 lobby managers in 10 minutes
    .venv/bin/python bench/load_test.py --duration 120   # the same people in a 2-minute window

Starts everything itself and stops it again, also on Ctrl-C or failure: a throwaway PostgreSQL
(`scripts/postgres.sh` on a free loopback port, data in a temporary folder), the embedded Redis
on another free port, the database filled by `bench/load/seed.py` (bank of --lobby outlets, a
lobby manager each, --managers branch managers, --auditors auditors, --complaints complaints,
the daily checklist published), collectstatic, and gunicorn with
`branchservice.settings.production` and `deploy/gunicorn.conf.py` on 127.0.0.1. Then, within
the window:

- every lobby manager logs in at /standards/login/, opens the outlet page, starts today's daily
  checklist, takes a while to fill it, submits every item as passed, sees the result and logs
  out; the start times are spread evenly over the window;
- the managers log in to the admin (the password, then their authenticator app's code) and
  browse the complaint and checklist changelists (filters,
  pages, a search, a complaint's change page) with a few seconds between clicks;
- the auditors log in to the admin and, every half minute or so, filter the complaint
  changelist to a month and press export (the changelist's export URL; an .xlsx streams back).

Each simulated person is a thread with its own cookies; forms are read from the page and sent
back with the CSRF token and an Origin header, as a browser does. Prints per request type the
count, requests/s, median, 99th percentile and maximum latency and the errors (a wrong status,
a refused login or form, a timeout), then the same overall.
"""

import argparse
import html
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from django_otp.oath import totp  # noqa: E402  (pure Python: the RFC 6238 code, as a phone's)

from bench._common import add_smoke_argument  # noqa: E402
from branchservice.embedded_redis import command as redis_command  # noqa: E402

REQUEST_TIMEOUT = 60
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECOND_FACTOR_PATH = "/account/two-factor/verify/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_load() -> str:
    top = subprocess.run(
        ["ps", "-eo", "pcpu,etime,comm", "--sort=-pcpu"], capture_output=True, text=True
    ).stdout.splitlines()[:8]
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return uptime + "\n" + "\n".join("    " + line for line in top)


# --- the client -----------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = defaultdict(list)  # kind -> [(started, seconds)]
        self.errors = defaultdict(list)  # kind -> [message]

    def add(self, kind, started, seconds, error=None):
        with self.lock:
            self.samples[kind].append((started, seconds))
            if error:
                self.errors[kind].append(error)

    def error(self, kind, message):
        """A request that answered in time with the expected status, but the wrong content."""
        with self.lock:
            self.errors[kind].append(message)


class Failed(Exception):
    """A step went wrong; the simulated person gives up (as a real one would call IT).

    `recorded`: the failing request already counted it; otherwise the page lacked something."""

    def __init__(self, message, recorded=False):
        super().__init__(message)
        self.recorded = recorded


class Browser:
    """One person's browser: its own cookies, no connection reuse (gunicorn's sync workers
    close the connection after each response)."""

    def __init__(self, port, stats):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.stats = stats
        self.cookies = {}

    def request(self, kind, method, path, *, body=None, content_type=None, expect=200):
        headers = {"Accept-Language": "zh-hans", "User-Agent": "branchservice-load-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        started = time.monotonic()
        error = None
        status, location, ctype, data = 0, "", "", b""
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                location = response.getheader("Location", "")
                ctype = response.getheader("Content-Type", "")
                for cookie in response.headers.get_all("Set-Cookie") or []:
                    name, _eq, rest = cookie.partition("=")
                    value = rest.split(";", 1)[0]
                    if "max-age=0" in cookie.lower() or not value or value == '""':
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = value
            finally:
                conn.close()
        except OSError as exc:
            error = f"{method} {path}: {type(exc).__name__} {exc}"
        if error is None and status != expect:
            error = f"{method} {urlsplit(path).path}: {status}, expected {expect}"
        self.stats.add(kind, started, time.monotonic() - started, error)
        if error:
            raise Failed(error, recorded=True)
        return location, ctype, data.decode("utf-8", "replace") if "text" in ctype else data

    def get(self, kind, path, expect=200):
        return self.request(kind, "GET", path, expect=expect)

    def post_form(self, kind, path, fields, expect=302):
        body = urlencode(fields).encode()
        return self.request(
            kind, "POST", path, body=body, content_type="application/x-www-form-urlencoded",
            expect=expect,
        )  # fmt: skip

    def post_multipart(self, kind, path, fields, files, expect=302):
        """fields: [(name, value)]; files: names of empty file inputs (nothing chosen)."""
        boundary = "----loadtest" + uuid.uuid4().hex
        parts = []
        for name, value in fields:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            )
        for name in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
                "Content-Type: application/octet-stream\r\n\r\n\r\n"
            )
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        return self.request(
            kind, "POST", path, body=body, content_type=f"multipart/form-data; boundary={boundary}",
            expect=expect,
        )  # fmt: skip


def csrf_token(page: str) -> str:
    match = CSRF_RE.search(page)
    if not match:
        raise Failed("no CSRF token in the form")
    return match.group(1)


def local_path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login(browser, kind, login_path, username, password, *, next_path, app_key=None):
    """Signs in with the password and, when the portal asks for it, the code of the person's
    authenticator app (`app_key`: the TOTP key seed.py enrolled for the managers and auditors),
    typed on the code page as the person would. Returns the page the portal sends them to."""
    _loc, _ct, page = browser.get(f"{kind} login page", login_path)
    location, _ct, page = browser.post_form(
        f"{kind} login",
        login_path,
        {
            "csrfmiddlewaretoken": csrf_token(page),
            "username": username,
            "password": password,
            "next": next_path,
        },
    )
    path = local_path(location)
    if app_key is not None:
        # The page after the password sends the person on to the code page, as in a browser.
        location, _ct, _page = browser.get(f"{kind} before the code", path, expect=302)
        path = local_path(location)
        if urlsplit(path).path != SECOND_FACTOR_PATH:
            raise Failed(f"{username} was not asked for a sign-in code")
        _loc, _ct, page = browser.get(f"{kind} code page", path)
        location, _ct, _page = browser.post_form(
            f"{kind} code",
            path,
            {"csrfmiddlewaretoken": csrf_token(page), "code": f"{totp(app_key):06d}"},
        )
        path = local_path(location)
    return path


def lobby_manager(port, stats, username, password, start_at, fill_seconds, template_id):
    time.sleep(max(0.0, start_at - time.monotonic()))
    browser = Browser(port, stats)
    try:
        home = login(
            browser, "lobby", "/standards/login/", username, password, next_path="/standards/"
        )
        location, _ct, _page = browser.get("lobby home", home, expect=302)
        outlet = local_path(location)
        _loc, _ct, page = browser.get("lobby outlet page", outlet)
        start = re.search(rf'action="(/standards/outlets/\d+/start/{template_id}/)"', page)
        if not start:
            raise Failed("no button to start today's daily checklist")
        location, _ct, _page = browser.post_form(
            "lobby start checklist", start.group(1), {"csrfmiddlewaretoken": csrf_token(page)}
        )
        checklist = local_path(location)
        _loc, _ct, page = browser.get("lobby checklist form", checklist)
        time.sleep(fill_seconds)  # walking the lobby, ticking items on the tablet
        items = sorted(set(re.findall(r'name="r(\d+)"', page)), key=int)
        revision = re.search(r'name="revision" value="(\d+)"', page)
        if not items or not revision:
            raise Failed("the checklist form has no items or no revision")
        fields = [("csrfmiddlewaretoken", csrf_token(page)), ("revision", revision.group(1))]
        for item in items:
            fields += [(f"r{item}", "pass"), (f"c{item}", "")]
        fields.append(("action", "submit"))
        location, _ct, _page = browser.post_multipart(
            "lobby submit checklist", checklist, fields, [f"p{item}" for item in items]
        )
        _loc, _ct, page = browser.get("lobby checklist result", local_path(location))
        if 'id="checklist-form"' in page:
            raise Failed("after submitting, the checklist is still the form, not the result")
        browser.post_form(
            "lobby logout", "/standards/logout/", {"csrfmiddlewaretoken": csrf_token(page)}
        )
    except Failed as exc:
        if not exc.recorded:
            stats.error("lobby page content", str(exc))


def admin_user(port, stats, username, credentials, start_at, stop_at, rng, pages, think, landing):
    time.sleep(max(0.0, start_at - time.monotonic()))
    browser = Browser(port, stats)
    password, app_key = credentials
    try:
        home = login(
            browser, "admin", "/admin/login/", username, password, next_path="/admin/",
            app_key=app_key,
        )  # fmt: skip
        # Managers land on their work queue (the admin index); the index sends auditors on to
        # the report centre, where they land.
        kind, expect = landing
        location, _ct, _page = browser.get(kind, home, expect=expect)
        if location:
            browser.get("auditor report centre", local_path(location))
        while time.monotonic() + think[0] < stop_at:
            time.sleep(min(rng.uniform(*think), stop_at - time.monotonic()))
            if time.monotonic() >= stop_at:
                break
            pages(browser, rng)
    except Failed as exc:
        if not exc.recorded:
            stats.error("admin page content", str(exc))


def browse(browser, rng):
    """A manager's click: a changelist with a filter or a page, now and then a complaint."""
    month = time.strftime("%Y-%m").split("-")
    complaint_lists = [
        "",
        "?status=investigating",
        "?deadline=overdue",
        "?deadline=due_today",
        f"?p={rng.randint(2, 15)}",
        "?kind=complaint&status=closed",
        f"?received_at__year={month[0]}&received_at__month={int(month[1])}",
        "?q=%E7%8E%8B%E5%85%88%E7%94%9F",  # 王先生: a customer-name search
        "?o=-6",
    ]
    checklist_lists = [
        "",
        "?status__exact=submitted",
        "?business_date__gte=" + time.strftime("%Y-%m-%d"),
        "?critical=no",
        "?score_band=ge95",
    ]
    if rng.random() < 0.6:
        _loc, _ct, page = browser.get(
            "admin complaint list", "/admin/complaints/complaint/" + rng.choice(complaint_lists)
        )
        change = re.findall(r'href="(/admin/complaints/complaint/\d+/change/)[^"]*"', page)
        if change and rng.random() < 0.3:
            browser.get("admin complaint page", html.unescape(rng.choice(change)))
    else:
        browser.get(
            "admin checklist list", "/admin/standards/checklist/" + rng.choice(checklist_lists)
        )


def export(browser, rng):
    """An auditor filters the complaint list to a month (and maybe a status), then exports."""
    year, month = map(int, time.strftime("%Y %m").split())
    back = rng.randint(0, 11)
    year, month = (year, month - back) if month > back else (year - 1, month + 12 - back)
    query = f"?received_at__year={year}&received_at__month={month}"
    if rng.random() < 0.5:
        query += "&status=closed"
    _loc, _ct, page = browser.get("auditor complaint list", "/admin/complaints/complaint/" + query)
    # The list's "export to Excel" button: a POST with the list's own query string.
    _loc, ctype, data = browser.post_form(
        "auditor export",
        "/admin/complaints/complaint/export/" + query,
        {"csrfmiddlewaretoken": csrf_token(page)},
        expect=200,
    )
    if not ctype.startswith(XLSX) or not data.startswith(b"PK"):
        browser.stats.error("auditor export", f"export answered {ctype}, not a workbook")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(stats, window):
    everything = [s for samples in stats.samples.values() for s in samples]
    first = min(s[0] for s in everything)
    last = max(s[0] + s[1] for s in everything)
    span = last - first
    lines = [
        f"{'request':<28}{'count':>7}{'req/s':>8}{'median':>9}{'p99':>9}{'max':>9}{'errors':>8}"
    ]

    def row(name, samples, errors):
        times = [s[1] for s in samples]
        lines.append(
            f"{name:<28}{len(times):>7}{len(times) / span:>8.2f}"
            f"{statistics.median(times) * 1000:>7.0f}ms{percentile(times, 99) * 1000:>7.0f}ms"
            f"{max(times) * 1000:>7.0f}ms{errors:>8}"
        )

    for kind in sorted(stats.samples):
        row(kind, stats.samples[kind], len(stats.errors[kind]))
    row("ALL", everything, sum(len(e) for e in stats.errors.values()))
    # A login costs a deliberately slow password hash (PBKDF2, 10^6 rounds): the rest on its own.
    rest = [kind for kind in stats.samples if not kind.endswith(" login")]
    row(
        "ALL but the 2 login POSTs",
        [s for kind in rest for s in stats.samples[kind]],
        sum(len(stats.errors[kind]) for kind in rest),
    )
    lines.append(f"{len(everything)} requests in {span:.0f} s (window {window:.0f} s)")
    for kind, errors in sorted(stats.errors.items()):
        for error in sorted(set(errors))[:5]:
            lines.append(f"  error [{kind}] {error} (x{errors.count(error)})")
    return "\n".join(lines)


# --- the stack ------------------------------------------------------------------------------


class Stack:
    """PostgreSQL, Redis and gunicorn; stop() undoes whatever start got to."""

    def __init__(self, workdir: Path, python: str):
        self.workdir = workdir
        self.python = python
        self.processes = []
        self.pg_started = False
        # A free port: another checkout's load test or CI's smoke step may run at the same time.
        self.pg_env = dict(os.environ, PG_PORT=str(free_port()), PG_ROOT=str(workdir / "pg"))
        self.env = None

    def start_postgres(self):
        # The postgres OS user must reach its folder inside our temporary directory.
        os.chmod(self.workdir, 0o755)
        self.pg_started = True
        url = subprocess.run(
            ["scripts/postgres.sh", "start"],
            cwd=ROOT, env=self.pg_env, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        return url

    def spawn(self, argv, log_name, env=None):
        log = open(self.workdir / log_name, "wb")  # noqa: SIM115  (closed with the process)
        # Own session: a Ctrl-C reaches only this script, which then stops them in order.
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((process, log))
        return process

    def start(self, args):
        pg_url = self.start_postgres()
        redis_port = free_port()
        self.spawn(redis_command(port=redis_port, data_dir=self.workdir / "redis"), "redis.log")
        self.env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="branchservice.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=pg_url,
            REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            STATIC_ROOT=str(self.workdir / "static"),
            # Plain http on loopback: no redirect to https (as in .ci/smoke-production.sh).
            SECURE_SSL_REDIRECT="false",
        )
        return redis_port

    def seed(self, args, password, app_key):
        began = time.monotonic()
        result = subprocess.run(
            [
                self.python, "bench/load/seed.py", "--outlets", str(args.lobby),
                "--complaints", str(args.complaints), "--managers", str(args.managers),
                "--auditors", str(args.auditors),
            ],
            # Through the environment: a failed command line is printed.
            cwd=ROOT, env=dict(self.env, LOAD_PASSWORD=password, LOAD_APP_KEY=app_key.hex()),
            check=True,
            capture_output=True, text=True,
        )  # fmt: skip
        people = json.loads(result.stdout.strip().splitlines()[-1])
        subprocess.run(
            [self.python, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT, env=self.env, check=True, capture_output=True,
        )  # fmt: skip
        print(f"   database ready in {time.monotonic() - began:.0f} s", flush=True)
        return people, str(people["daily_template"])

    def start_gunicorn(self, workers, threads):
        port = free_port()
        env = dict(
            self.env,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY=str(workers),
            GUNICORN_THREADS=str(threads),
        )
        gunicorn = str(Path(self.python).parent / "gunicorn")
        argv = [gunicorn, "-c", "deploy/gunicorn.conf.py", "branchservice.wsgi"]
        process = self.spawn(argv, "gunicorn.log", env)
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited; see " + str(self.workdir / "gunicorn.log"))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/admin/login/")
                if conn.getresponse().status == 200:
                    return port
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 60 s") from None
                time.sleep(0.5)
            finally:
                conn.close()

    def stop(self):
        for process, log in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
        self.processes.clear()
        if self.pg_started:
            subprocess.run(["scripts/postgres.sh", "stop"], cwd=ROOT, env=self.pg_env, check=False)
            self.pg_started = False


def run_load(args, port, people, password, app_key, template_id):
    stats = Stats()
    rng = random.Random(args.seed)
    began = time.monotonic()
    stop_at = began + args.duration
    # A lobby manager spends 5-10% of the window filling the form (30-60 s in 10 minutes);
    # start times are spread evenly so the last submit still falls inside the window.
    fill = (0.05 * args.duration, 0.10 * args.duration)
    latest_start = args.duration - fill[1] - 10
    threads = []
    # Managers and auditors come in over the first minute (a tenth of a shorter window), not
    # all in the same second: 25 password hashes at once would hold every worker for seconds
    # (--arrivals 0 shows it).
    arrivals = min(60, 0.1 * args.duration) if args.arrivals is None else args.arrivals
    for n, username in enumerate(people["lobby"]):
        start_at = began + latest_start * n / max(1, len(people["lobby"]) - 1)
        threads.append(
            threading.Thread(
                target=lobby_manager,
                args=(port, stats, username, password, start_at, rng.uniform(*fill), template_id),
                daemon=True,
            )
        )
    people_kinds = (
        ("managers", browse, (3, 10), ("admin index", 200)),
        ("auditors", export, (20, 40), ("auditor admin index", 302)),
    )
    for key, pages, think, landing in people_kinds:
        for username in people[key]:
            arrive = began + rng.uniform(0, arrivals)
            threads.append(
                threading.Thread(
                    target=admin_user,
                    args=(port, stats, username, (password, app_key), arrive, stop_at),
                    kwargs={
                        "rng": random.Random(rng.random()),
                        "pages": pages,
                        "think": think,
                        "landing": landing,
                    },
                    daemon=True,
                )
            )
    rng.shuffle(threads)
    for thread in threads:
        thread.start()
    # Bounded: whatever has not finished a request timeout after the window is abandoned.
    hard_stop = stop_at + REQUEST_TIMEOUT + 30
    for thread in threads:
        while thread.is_alive() and time.monotonic() < hard_stop:
            thread.join(timeout=1)
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        stats.error("unfinished", f"{stuck} simulated people still busy at the hard stop")
    return stats, time.monotonic() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="window in seconds")
    parser.add_argument("--lobby", type=int, default=200, help="lobby managers (= outlets)")
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument("--auditors", type=int, default=5)
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (2 x cores + 1)")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (>1: gunicorn's gthread)"
    )
    parser.add_argument(
        "--arrivals", type=float, help="seconds over which managers and auditors log in"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary folder")
    add_smoke_argument(parser)
    args = parser.parse_args()
    if args.smoke:
        # 1,000 complaints: a manager's clicks go to list pages up to 15 (50 rows each).
        args.lobby, args.managers, args.auditors, args.complaints = 3, 1, 1, 1000
        args.duration, args.workers, args.arrivals = 20, 2, 2
    python = str(ROOT / ".venv" / "bin" / "python")

    def terminated(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    workdir = Path(tempfile.mkdtemp(prefix="branchservice-load-"))
    stack = Stack(workdir, python)
    password = "Load-" + secrets.token_urlsafe(12)
    # One authenticator key for every manager's and auditor's app: each has a device of its
    # own (a code is accepted once per device), and each signs in once.
    app_key = secrets.token_bytes(20)
    try:
        print(f"== machine before\n{machine_load()}", flush=True)
        print("== PostgreSQL, Redis, seeding", flush=True)
        stack.start(args)
        people, template_id = stack.seed(args, password, app_key)
        port = stack.start_gunicorn(args.workers, args.threads)
        cast = f"{len(people['lobby'])} lobby managers, {len(people['managers'])} managers,"
        cast += f" {len(people['auditors'])} auditors, {args.complaints} complaints"
        print(
            f"== gunicorn ({args.workers} workers x {args.threads} threads) on 127.0.0.1:{port};"
            f" {cast}; window {args.duration:.0f} s",
            flush=True,
        )
        stats, took = run_load(args, port, people, password, app_key, template_id)
        print(f"== machine after\n{machine_load()}", flush=True)
        print(f"== results ({took:.0f} s)\n{report(stats, args.duration)}", flush=True)
        failed = any(stats.errors.values())
    except subprocess.CalledProcessError as exc:
        print(f"FAILED: {exc}\n{exc.stdout or ''}\n{exc.stderr or ''}", file=sys.stderr)
        failed = True
    except KeyboardInterrupt:
        print("interrupted; stopping everything", file=sys.stderr)
        failed = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip clean-up
        stack.stop()
        if args.keep_logs:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
