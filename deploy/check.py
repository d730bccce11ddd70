"""The district setup, started from deploy/ on this machine, loaded, broken and checked; then stopped.

Run by scripts/deploy-check.sh (`make deploy-check`). Loopback only, bounded (a deadline for
the whole run and for each phase), and it stops and removes everything it started:

- PostgreSQL: a primary cluster (127.0.0.1:5434) and a streaming replica made from it with
  pg_basebackup (127.0.0.1:5435), both new Debian clusters (pg_createcluster), dropped at the end;
- Redis: database 5 of the machine's Redis on 127.0.0.1:6379 (flushed before and after);
- two app servers started from deploy/systemd/lehuo-web@.service's ExecStart (gunicorn with
  deploy/gunicorn.conf.py) on 127.0.0.1:8105 and :8106, two task workers from
  lehuo-worker@.service, and nginx with deploy/nginx/lehuo.conf on 127.0.0.1:8107.

Then: the 9:00 rush through nginx during a rolling restart, the rush again with an app server
SIGKILLed (clients retry with their Idempotency-Key), a token revoked and refused by both
servers, the replica stopped under load, metrics, request ids in the logs, the restore drill.
A summary table at the end; exit 1 when any check failed.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else "15"
PRIMARY_PORT, REPLICA_PORT = 5434, 5435
PRIMARY, REPLICA = "lehuo5primary", "lehuo5replica"
APP_PORTS = {"web-a": 8105, "web-b": 8106}
NGINX_PORT = 8107
REDIS_URL = "redis://127.0.0.1:6379/5"
DB = "lehuo"
REPLICA_COMMITS = "SELECT xact_commit FROM pg_stat_database WHERE datname = 'lehuo'"
PARENTS = int(os.environ.get("DEPLOY_CHECK_PARENTS", "1000"))
OFFERINGS = int(os.environ.get("DEPLOY_CHECK_OFFERINGS", "20"))
CLIENT_THREADS = int(os.environ.get("DEPLOY_CHECK_CLIENTS", "100"))
ADDRESSES = 250  # parents come from 127.0.1.1 .. 127.0.1.250 (loopback), four per address
PHASE_DEADLINE = 240
# The parents arrive over the opening minute (evenly spread), not all in the same millisecond.
ARRIVAL_SECONDS = float(os.environ.get("DEPLOY_CHECK_ARRIVAL_SECONDS", "60"))

WORK = Path(os.environ.get("DEPLOY_CHECK_WORK") or "/tmp/lehuo-deploycheck5")
results: list[tuple[str, bool, str]] = []
procs: dict[str, subprocess.Popen] = {}


def say(*a):
    print(*a, flush=True)


def record(name: str, ok: bool, detail: str = "") -> bool:
    results.append((name, ok, detail))
    say(("  ok    " if ok else "  FAIL  ") + name + (f"  ({detail})" if detail else ""))
    return ok


def run(cmd, check=True, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and proc.returncode:
        raise RuntimeError(f"{cmd if isinstance(cmd, str) else ' '.join(map(str, cmd))}: {proc.stderr[-1500:]}")
    return proc


# --- PostgreSQL primary + replica ---------------------------------------------------------------

def pg(cluster: str, action: str):
    return run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, cluster, action], check=False)


def drop_clusters():
    for name in (REPLICA, PRIMARY):
        if Path(f"/etc/postgresql/{PG_VERSION}/{name}").exists():
            run(["pg_dropcluster", "--stop", PG_VERSION, name], check=False)


def make_clusters():
    drop_clusters()
    conf = ("listen_addresses = '127.0.0.1'\nmax_connections = 120\nwal_level = replica\n"
            "max_wal_senders = 5\nhot_standby = on\n")

    def configure(name):
        Path(f"/etc/postgresql/{PG_VERSION}/{name}/conf.d").mkdir(exist_ok=True)
        Path(f"/etc/postgresql/{PG_VERSION}/{name}/conf.d/lehuo-deploycheck.conf").write_text(conf)

    run(["pg_createcluster", PG_VERSION, PRIMARY, "-p", str(PRIMARY_PORT)])
    configure(PRIMARY)
    hba = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n"
    Path(f"/etc/postgresql/{PG_VERSION}/{PRIMARY}/pg_hba.conf").write_text(hba)
    run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PRIMARY, "start"])
    run(["psql", "-h", HOST, "-p", str(PRIMARY_PORT), "-U", "postgres", "-c", f"CREATE DATABASE {DB}"])
    # The replica: a new cluster whose data directory is a base backup of the primary (-R writes
    # primary_conninfo and standby.signal: it streams from the primary from then on).
    run(["pg_createcluster", PG_VERSION, REPLICA, "-p", str(REPLICA_PORT)])
    configure(REPLICA)
    data = Path(f"/var/lib/postgresql/{PG_VERSION}/{REPLICA}")
    for child in data.iterdir():  # empty it (the directory itself is the postgres user's, mode 0700)
        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    run(["su", "postgres", "-c", f"pg_basebackup -h {HOST} -p {PRIMARY_PORT} -U postgres -D {data} -R -X stream"])
    Path(f"/etc/postgresql/{PG_VERSION}/{REPLICA}/pg_hba.conf").write_text(hba)
    run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, REPLICA, "start"])


def sql(port: int, query: str) -> str:
    return run(["psql", "-h", HOST, "-p", str(port), "-U", "postgres", "-d", DB, "-tAc", query]).stdout.strip()


# --- app servers, workers, nginx --------------------------------------------------------------

def unit_exec(unit: str) -> list[str]:
    """ExecStart of a unit in deploy/systemd, /srv/lehuo replaced by this checkout."""
    text = (ROOT / "deploy/systemd" / unit).read_text()
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    return line.split("=", 1)[1].replace("/srv/lehuo", str(ROOT)).split()


def base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TEST_DATABASE_URL"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "lehuo.settings", "DEBUG": "0", "PYTHONPATH": str(ROOT),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "CSRF_TRUSTED_ORIGINS": f"http://{HOST}:{NGINX_PORT}",
        "BEHIND_PROXY": "1",
        "DATABASE_URL": f"postgres://postgres@{HOST}:{PRIMARY_PORT}/{DB}?conn_max_age=600",
        "REPORTS_DATABASE_URL": f"postgres://postgres@{HOST}:{REPLICA_PORT}/{DB}?conn_max_age=600",
        "REDIS_URL": REDIS_URL, "LEHUO_VAR_DIR": str(WORK / "var"), "MEDIA_ROOT": str(WORK / "var/media"),
        "LEHUO_MEDIA_ACCEL_REDIRECT": "/protected-media/",
        "SECRET_KEY_FILE": str(WORK / "secrets/secret_key"), "LEHUO_FIELD_KEYS_FILE": str(WORK / "secrets/field_keys"),
        "LEHUO_HASH_KEY_FILE": str(WORK / "secrets/hash_key"), "LOG_FORMAT": "json",
        "LEHUO_WEB_WORKERS": os.environ.get("DEPLOY_CHECK_WEB_WORKERS", "2"), "LEHUO_WEB_THREADS": "2",
        "LEHUO_REPLICA_CHECK_SECONDS": "1",
    })
    return env


def start_web(name: str) -> None:
    port = APP_PORTS[name]
    env = {**base_env(), "LEHUO_PORT": str(port), "LEHUO_SERVER_NAME": name,
           "PROMETHEUS_MULTIPROC_DIR": str(WORK / f"metrics-{name}")}
    log = open(WORK / f"{name}.log", "a")
    procs[name] = subprocess.Popen(unit_exec("lehuo-web@.service"), cwd=ROOT, env=env, stdout=log, stderr=log,
                                   start_new_session=True)
    wait_health(port)


def start_worker(n: int) -> None:
    env = {**base_env(), "LEHUO_SERVER_NAME": f"worker-{n}"}
    log = open(WORK / f"worker-{n}.log", "a")
    procs[f"worker-{n}"] = subprocess.Popen(unit_exec("lehuo-worker@.service"), cwd=ROOT, env=env, stdout=log,
                                            stderr=log, start_new_session=True)


def stop(name: str, sig=signal.SIGTERM, wait: float = 30) -> None:
    proc = procs.pop(name, None)
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=wait)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def wait_health(port: int, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            status, _h, _b = request(port, "GET", "/health/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"no healthy server on port {port}")


def start_nginx() -> None:
    site = (ROOT / "deploy/nginx/lehuo.conf").read_text()
    site = site.replace("listen 80;", f"listen {HOST}:{NGINX_PORT};")
    site = site.replace("server 127.0.0.1:8001", f"server 127.0.0.1:{APP_PORTS['web-a']}")
    site = site.replace("server 127.0.0.1:8002", f"server 127.0.0.1:{APP_PORTS['web-b']}")
    site = site.replace("/srv/lehuo/var/", f"{WORK}/var/").replace("/srv/lehuo", str(ROOT))
    site = site.replace("/var/log/nginx/", f"{WORK}/nginx-")
    (WORK / "lehuo-site.conf").write_text(site)
    (WORK / "nginx.conf").write_text(f"""
user root;
worker_processes 1;
daemon off;
pid {WORK}/nginx.pid;
error_log {WORK}/nginx-main-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {WORK}/nginx-tmp/body;
    proxy_temp_path {WORK}/nginx-tmp/proxy;
    fastcgi_temp_path {WORK}/nginx-tmp/fastcgi;
    uwsgi_temp_path {WORK}/nginx-tmp/uwsgi;
    scgi_temp_path {WORK}/nginx-tmp/scgi;
    include {WORK}/lehuo-site.conf;
}}
""")
    (WORK / "nginx-tmp").mkdir(exist_ok=True)
    test = run(["nginx", "-t", "-c", str(WORK / "nginx.conf")], check=False)
    record("nginx -t accepts deploy/nginx/lehuo.conf", test.returncode == 0, test.stderr.strip().splitlines()[-1])
    log = open(WORK / "nginx-stdout.log", "a")
    procs["nginx"] = subprocess.Popen(["nginx", "-c", str(WORK / "nginx.conf")], stdout=log, stderr=log,
                                      start_new_session=True)
    wait_health(NGINX_PORT)


# --- HTTP -------------------------------------------------------------------------------------

def request(port, method, path, body=None, headers=None, source=None, timeout=30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def login(username: str, password: str) -> str:
    status, headers, data = request(NGINX_PORT, "GET", "/accounts/login/")
    csrf = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', data.decode()).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, _ = request(NGINX_PORT, "POST", "/accounts/login/", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        "Origin": f"http://{HOST}:{NGINX_PORT}", "Referer": f"http://{HOST}:{NGINX_PORT}/accounts/login/"})
    m = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
    if status != 302 or not m:
        raise RuntimeError(f"login as {username} failed: HTTP {status}")
    return f"sessionid={m.group(1)}; csrftoken={csrf}"


def metrics(port: int) -> dict:
    _s, _h, data = request(port, "GET", "/metrics")
    out: dict = {}
    for line in data.decode().splitlines():
        if line and not line.startswith("#"):
            name, _sep, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def metric_sum(samples: dict, prefix: str, contains: str = "") -> float:
    return sum(v for k, v in samples.items() if k.startswith(prefix) and contains in k)


# --- the rush ---------------------------------------------------------------------------------

class Rush:
    """Each parent sends one enrolment with an Idempotency-Key through nginx and retries the
    same request (same key) on a connection error, 502/503/504 or 429 until it has an answer."""

    def __init__(self, data: dict, round_no: int):
        self.jobs = []
        offerings = data["offerings"][round_no * OFFERINGS:(round_no + 1) * OFFERINGS]
        for i, parent in enumerate(data["parents"][:PARENTS]):
            self.jobs.append({
                "parent": i, "token": parent["token"], "child": parent["children"][round_no],
                "offering": offerings[i % len(offerings)], "key": uuid.uuid4().hex,
                "source": f"127.0.1.{1 + i % ADDRESSES}"})
        self.offerings = offerings
        self.answers: dict[str, tuple[int, dict]] = {}
        self.attempts = self.server_errors = self.busy = self.throttled = self.conn_errors = 0
        self.lock = threading.Lock()
        self.done = 0

    def send(self, job) -> tuple[int, dict]:
        body = json.dumps({"child_id": job["child"]}).encode()
        status, _h, data = request(NGINX_PORT, "POST", f"/api/v1/daycare/offerings/{job['offering']}/enrolments", body, {
            "Authorization": f"Bearer {job['token']}", "Content-Type": "application/json",
            "Idempotency-Key": job["key"]}, source=job["source"])
        try:
            return status, json.loads(data or b"{}")
        except ValueError:
            return status, {"raw": data[:200].decode(errors="replace")}

    def one(self, job, deadline):
        wait = self.t0 + ARRIVAL_SECONDS * job["parent"] / len(self.jobs) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        while time.monotonic() < deadline:
            try:
                status, body = self.send(job)
            except OSError:
                with self.lock:
                    self.attempts += 1
                    self.conn_errors += 1
                time.sleep(0.2)
                continue
            with self.lock:
                self.attempts += 1
                if status >= 500 and status != 503:
                    self.server_errors += 1
                if status == 503:
                    self.busy += 1
                if status == 429:
                    self.throttled += 1
            if status in (429, 502, 503, 504):
                time.sleep(0.3)
                continue
            with self.lock:
                self.answers[job["key"]] = (status, body)
                self.done += 1
            return

    def run(self, during=None) -> float:
        deadline = time.monotonic() + PHASE_DEADLINE
        t0 = self.t0 = time.monotonic()
        side = threading.Thread(target=during, args=(self,), daemon=True) if during else None
        if side:
            side.start()
        with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
            list(pool.map(lambda j: self.one(j, deadline), self.jobs))  # in arrival order
        elapsed = time.monotonic() - t0
        if side:
            side.join(timeout=PHASE_DEADLINE)
        return elapsed

    t0 = 0.0

    def replay(self) -> int:
        """Every key once more: the answer must be the first one. Returns the mismatches."""
        bad = 0

        def again(job):
            nonlocal bad
            first = self.answers.get(job["key"])
            for _ in range(20):
                try:
                    status, body = self.send(job)
                except OSError:
                    time.sleep(0.2)
                    continue
                if status in (429, 503):
                    time.sleep(0.3)
                    continue
                if first is None or (status, body) != first:
                    with self.lock:
                        bad += 1
                return
            with self.lock:
                bad += 1

        with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
            list(pool.map(again, self.jobs))
        return bad


def when_answered(rush: Rush, fraction: float, limit: float = PHASE_DEADLINE) -> None:
    deadline = time.monotonic() + limit
    while rush.done < fraction * len(rush.jobs) and time.monotonic() < deadline:
        time.sleep(0.05)


def rolling_restart(rush: Rush) -> None:
    for name, fraction in (("web-a", 0.15), ("web-b", 0.45)):
        when_answered(rush, fraction)
        t0 = time.monotonic()
        stop(name)  # SIGTERM: gunicorn finishes the requests in flight, nginx sends new ones to the other
        start_web(name)
        say(f"        rolling restart: {name} stopped and back in {time.monotonic() - t0:.1f} s "
            f"({rush.done} of {len(rush.jobs)} answered)")


def kill_one(rush: Rush) -> None:
    when_answered(rush, 0.3)
    proc = procs["web-a"]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    procs.pop("web-a")
    say(f"        web-a SIGKILLed (master and workers) with {rush.done} of {len(rush.jobs)} answered")
    when_answered(rush, 0.7)
    start_web("web-a")
    say(f"        web-a started again ({rush.done} answered)")


def db_check(offering_ids: list[int], keys: list[str]) -> dict:
    from bench import enrol_burst as eb
    from lehuo.platform.models import IdempotencyKey

    out = eb.check(offering_ids)
    from lehuo.daycare.models import Enrolment

    out["rows"] = Enrolment.objects.filter(offering_id__in=offering_ids).count()
    out["keys"] = IdempotencyKey.objects.filter(key__in=keys).count()
    return out


# --- the run ----------------------------------------------------------------------------------

def static_up_to_date() -> bool:
    manifest = ROOT / "staticfiles/staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    sources = [ROOT / "lehuo/static", ROOT / "node_modules/htmx.org/dist", *ROOT.glob("lehuo/*/static")]
    return all(f.stat().st_mtime < built for d in sources if d.exists() for f in d.rglob("*") if f.is_file())


def setup_files() -> dict:
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "secrets").mkdir(parents=True, mode=0o700)
    (WORK / "var/media").mkdir(parents=True)
    import secrets as pysecrets

    from cryptography.fernet import Fernet

    for name, value in (("secret_key", pysecrets.token_urlsafe(50)), ("field_keys", Fernet.generate_key().decode()),
                        ("hash_key", pysecrets.token_urlsafe(48))):
        (WORK / "secrets" / name).write_text(value)
    env = base_env()
    os.environ.update(env)
    return env


def main() -> int:  # noqa: C901 (one scenario after another)
    started = time.monotonic()
    env = setup_files()
    say("== PostgreSQL primary (5434) and streaming replica (5435), Redis db 5")
    make_clusters()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    record("replica streams from the primary", sql(REPLICA_PORT, "SELECT pg_is_in_recovery()") == "t"
           and sql(PRIMARY_PORT, "SELECT count(*) FROM pg_stat_replication") == "1")

    say("== migrate, collectstatic, demo town, rush parents")
    py = str(ROOT / ".venv/bin/python")
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"], ["demo"]):
        if step[0] == "collectstatic" and static_up_to_date():
            say("  skip  collectstatic (staticfiles/ is newer than every static source)")
            continue
        t0 = time.monotonic()
        run([py, "-m", "lehuo", *step], env=env, cwd=ROOT)
        say(f"  done  {step[0]} ({time.monotonic() - t0:.0f} s)")
    import django

    django.setup()
    from bench import enrol_burst as eb

    t0 = time.monotonic()
    data = eb.seed({"rush": (OFFERINGS * 2, PARENTS, PARENTS * 2)})["rush"]
    eb.analyse()
    say(f"  done  {PARENTS} parents with 2 children each, {OFFERINGS * 2} offerings of 35 ({time.monotonic() - t0:.0f} s)")

    say("== two app servers, two task workers, nginx (from deploy/)")
    for name in APP_PORTS:
        start_web(name)
    for n in (1, 2):
        start_worker(n)
    start_nginx()
    status, headers, body = request(NGINX_PORT, "GET", "/health/")
    record("health through nginx", status == 200, body.decode())
    page = request(NGINX_PORT, "GET", "/accounts/login/")[2].decode()
    css = re.search(r'href="(/static/[^"]+\.css)"', page)
    st, sh, _ = request(NGINX_PORT, "GET", css.group(1)) if css else (0, {}, b"")
    record("static file served by nginx", st == 200 and "immutable" in sh.get("cache-control", ""),
           f"{css.group(1) if css else 'no css link'} {sh.get('cache-control', '')}")
    record("protected media not reachable directly", request(NGINX_PORT, "GET", "/protected-media/x")[0] == 404)
    record("/metrics refused through nginx", request(NGINX_PORT, "GET", "/metrics")[0] == 404)
    big = request(NGINX_PORT, "POST", "/accounts/login/", b"x" * (26 * 1024 * 1024),
                  {"Content-Type": "application/octet-stream"})[0]
    record("request over 25 MiB refused by nginx", big == 413, f"HTTP {big}")

    st, hd, body = request(NGINX_PORT, "GET", "/no-such-page/?x=<script>")
    leaks = [w for w in ("Traceback", "URLconf", "SECRET_KEY") if w in body.decode(errors="replace")]
    record("404 without debug information", st == 404 and not leaks, f"HTTP {st}, leaks {leaks}")
    st = request(NGINX_PORT, "GET", "/static/../../etc/passwd")[0]
    record("path out of the site refused", st in (400, 404), f"HTTP {st}")
    st, hd, _ = request(NGINX_PORT, "GET", "/accounts/login/")
    record("security headers through nginx", "script-src 'self'" in hd.get("content-security-policy", "")
           and hd.get("x-frame-options") == "DENY" and "x-request-id" in hd and "server" in hd
           and "nginx/" not in hd.get("server", ""), f"X-Request-ID {hd.get('x-request-id', '')[:8]}..., Server {hd.get('server')}")

    # As behind TLS: nginx sends X-Forwarded-Proto https (here straight to an app server).
    st, hd, _ = request(APP_PORTS["web-a"], "GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    cookie_flags = hd.get("set-cookie", "").lower()
    record("HSTS and Secure cookies on https requests", "max-age=31536000" in hd.get("strict-transport-security", "")
           and "secure" in cookie_flags, f"HSTS {hd.get('strict-transport-security')}")
    st = request(NGINX_PORT, "GET", "/api/v1/people")[0]
    record("API refuses an anonymous caller", st in (401, 403), f"HTTP {st}")

    m0 = {name: metrics(port) for name, port in APP_PORTS.items()}

    say(f"== rush 1: {PARENTS} parents on {OFFERINGS} offerings of 35 through nginx, rolling restart of both servers")
    rush1 = Rush(data, 0)
    elapsed = rush1.run(during=rolling_restart)
    db1 = db_check(rush1.offerings, [j["key"] for j in rush1.jobs])
    statuses: dict = {}
    for status, _b in rush1.answers.values():
        statuses[status] = statuses.get(status, 0) + 1
    say(f"        {len(rush1.answers)} answered in {elapsed:.1f} s, {rush1.attempts} attempts, statuses {statuses}, "
        f"busy {rush1.busy}, 429 {rush1.throttled}, connection errors {rush1.conn_errors}")
    rush1_ok = record("rush 1: every parent answered", len(rush1.answers) == PARENTS, f"{len(rush1.answers)}/{PARENTS}")
    rush1_ok &= record("rush 1: 0 server errors during the rolling restart", rush1.server_errors == 0 and rush1.conn_errors == 0,
                       f"5xx {rush1.server_errors}, connection errors {rush1.conn_errors}")
    rush1_ok &= record("rush 1: 0 overbooked, waiting lists without gaps", db1["overbooked"] == 0 and db1["bad_queues"] == 0,
                       f"confirmed {db1['confirmed']}, waitlisted {db1['waitlisted']}, overbooked {db1['overbooked']}, "
                       f"queues with gaps {db1['bad_queues']}")
    record("rush 1: one enrolment per parent", db1["rows"] == PARENTS, f"{db1['rows']} rows")

    say("== rush 2: the same parents, other offerings; web-a SIGKILLed mid-rush")
    rush2 = Rush(data, 1)
    elapsed = rush2.run(during=kill_one)
    db2 = db_check(rush2.offerings, [j["key"] for j in rush2.jobs])
    say(f"        {len(rush2.answers)} answered in {elapsed:.1f} s, {rush2.attempts} attempts, "
        f"5xx {rush2.server_errors}, busy {rush2.busy}, connection errors {rush2.conn_errors}")
    access = (WORK / "nginx-lehuo.access.log").read_text(errors="replace").splitlines()
    moved = sum(1 for x in access if "/enrolments" in x and '"upstream":"127.0.0.1:8105, 127.0.0.1:8106"' in x)
    record("rush 2: every parent answered (retrying with the same key)", len(rush2.answers) == PARENTS,
           f"{len(rush2.answers)}/{PARENTS}; answers 502 to clients, which retried: {rush2.server_errors}; "
           f"connection errors retried: {rush2.conn_errors}; requests nginx moved from the killed server to the other: {moved}")
    record("rush 2: nothing written twice", db2["rows"] == PARENTS and db2["keys"] == PARENTS and db2["overbooked"] == 0 and db2["bad_queues"] == 0,
           f"{db2['rows']} enrolments and {db2['keys']} key rows for {PARENTS} keys, confirmed {db2['confirmed']}, waitlisted {db2['waitlisted']}, "
           f"overbooked {db2['overbooked']}, queues with gaps {db2['bad_queues']}")
    bad = rush2.replay()
    record("rush 2: every key sent again gets its first answer", bad == 0, f"{bad} different of {PARENTS}")

    say("== metrics")
    m1 = {name: metrics(port) for name, port in APP_PORTS.items()}
    # web-a was restarted (new counters): sum both servers' deltas where they can be compared.
    confirmed = sum(metric_sum(m1[n], "lehuo_enrolment_answers_total", 'outcome="confirmed"') for n in m1)
    waitlisted = sum(metric_sum(m1[n], "lehuo_enrolment_answers_total", 'outcome="waitlisted"') for n in m1)
    busy = sum(metric_sum(m1[n], "lehuo_enrolment_answers_total", 'outcome="busy"') for n in m1)
    lat = sum(metric_sum(m1[n], "lehuo_request_seconds_count", "list_enrolments") for n in m1)
    lat0 = sum(metric_sum(m0[n], "lehuo_request_seconds_count", "list_enrolments") for n in m0)
    record("metrics: rush counters moved", confirmed > 0 and waitlisted > 0,
           f"since the last restart of each server: confirmed {confirmed:.0f}, waitlisted {waitlisted:.0f}, busy {busy:.0f}")
    record("metrics: enrolment latency histogram moved", lat > lat0, f"{lat0:.0f} -> {lat:.0f} observations")
    dbt = sum(metric_sum(m1[n], "lehuo_request_db_seconds_sum") for n in m1)
    record("metrics: database time recorded", dbt > 0, f"{dbt:.1f} s of database time")
    record("metrics: task queue depth exported", "lehuo_task_queue_depth" in m1["web-b"],
           f"depth {m1['web-b'].get('lehuo_task_queue_depth')}, oldest {m1['web-b'].get('lehuo_task_queue_oldest_age_seconds')} s")

    say("== a token revoked in another process is refused by both app servers at once")
    token_job = rush1.jobs[0]
    path = "/api/v1/daycare/offerings"
    auth = {"Authorization": f"Bearer {token_job['token']}"}
    before = [request(p, "GET", path, headers=auth)[0] for p in APP_PORTS.values()]
    from lehuo.accounts.models import ApiToken
    from lehuo.accounts.tokens import hash_token, revoke_tokens

    t0 = time.monotonic()
    revoke_tokens(ApiToken.objects.filter(key_hash=hash_token(token_job["token"])))  # this process: neither server
    after = [request(p, "GET", path, headers=auth)[0] for p in APP_PORTS.values()]
    record("revoked token refused by web-a and web-b at once", before == [200, 200] and after == [401, 401],
           f"before {before}, after {after}, {1000 * (time.monotonic() - t0):.0f} ms after revoking")

    say("== reports: stats from the replica; replica stopped under load: from the primary, marked")
    cookie = login("site_head", "lehuo2021")
    s1, h1, b1 = request(NGINX_PORT, "GET", "/daycare/stats/", headers={"Cookie": cookie})
    before_rep = int(sql(REPLICA_PORT, REPLICA_COMMITS))
    s1, h1, b1 = request(NGINX_PORT, "GET", "/daycare/stats/", headers={"Cookie": cookie})
    after_rep = int(sql(REPLICA_PORT, REPLICA_COMMITS))
    record("stats page read from the replica", s1 == 200 and h1.get("x-lehuo-figures-from") == "replica"
           and after_rep > before_rep, f"HTTP {s1}, from {h1.get('x-lehuo-figures-from')}, replica transactions +{after_rep - before_rep}")
    load_stop = threading.Event()
    load_counts = {"ok": 0, "err": 0}

    def load(n):
        while not load_stop.is_set():
            time.sleep(0.1)
            try:
                st = request(NGINX_PORT, "GET", "/daycare/stats/", headers={"Cookie": cookie}, source=f"127.0.2.{n}")[0]
                load_counts["ok" if st == 200 else "err"] += 1
            except OSError:
                load_counts["err"] += 1

    loaders = [threading.Thread(target=load, args=(n,), daemon=True) for n in range(1, 5)]
    for t in loaders:
        t.start()
    time.sleep(1)
    pg(REPLICA, "stop")
    time.sleep(2)
    s2, h2, b2 = request(NGINX_PORT, "GET", "/daycare/stats/", headers={"Cookie": cookie})
    load_stop.set()
    for t in loaders:
        t.join(timeout=30)
    note = "报表副本数据库暂时不可用" in b2.decode()
    strip = lambda b: re.sub(r'<p class="messages msg-warning reports-note".*?</p>', "", b.decode())  # noqa: E731
    same = re.findall(r"<td[^>]*>([^<]*)</td>", strip(b1)) == re.findall(r"<td[^>]*>([^<]*)</td>", strip(b2))
    record("replica stopped: stats from the primary, marked, same figures", s2 == 200 and note and same
           and h2.get("x-lehuo-figures-from") == "primary",
           f"HTTP {s2}, from {h2.get('x-lehuo-figures-from')}, note shown {note}, figures equal {same}; "
           f"load meanwhile {load_counts['ok']} ok / {load_counts['err']} errors")
    pg(REPLICA, "start")
    t0 = time.monotonic()
    froms = []
    while time.monotonic() - t0 < 30:  # every app server process notices on its next report view
        h3 = request(NGINX_PORT, "GET", "/daycare/stats/", headers={"Cookie": cookie})[1]
        froms.append(h3.get("x-lehuo-figures-from"))
        if froms[-8:] == ["replica"] * 8:
            break
        time.sleep(0.3)
    record("replica back: stats from the replica again", froms[-8:] == ["replica"] * 8,
           f"8 answers in a row from the replica {time.monotonic() - t0:.1f} s after it started "
           f"({froms.count('primary')} from the primary meanwhile)")

    say("== request ids in the logs of nginx, the app servers and the worker")
    editor = login("editor", "lehuo2021")
    from lehuo.newsletter.models import Issue

    issue = Issue.objects.order_by("pk").first()
    found = {}
    if issue:
        from django.urls import reverse

        st, hd, _ = request(NGINX_PORT, "GET", reverse("newsletter:pdf", args=[issue.slug]), headers={"Cookie": editor})
        rid = hd.get("x-request-id", "")
        time.sleep(8)
        for logname in ("web-a", "web-b", "worker-1", "worker-2", "nginx-lehuo.access"):
            text = (WORK / f"{logname}.log").read_text(errors="replace")
            found[logname] = text.count(rid) if rid else 0
        in_web = found["web-a"] + found["web-b"]
        in_worker = found["worker-1"] + found["worker-2"]
        record("one request's id in nginx, its app server and the worker that ran its job",
               bool(rid) and in_web > 0 and in_worker > 0 and found["nginx-lehuo.access"] > 0,
               f"id {rid[:12]}...: " + ", ".join(f"{k} {v} lines" for k, v in found.items()))
    ids_a = {json.loads(x).get("request_id") for x in (WORK / "web-a.log").read_text().splitlines() if x.startswith("{")}
    ids_b = {json.loads(x).get("request_id") for x in (WORK / "web-b.log").read_text().splitlines() if x.startswith("{")}
    record("both app servers log JSON lines with request ids", len(ids_a) > 10 and len(ids_b) > 10,
           f"web-a {len(ids_a)} ids, web-b {len(ids_b)} ids")

    say("== restore drill (demo town + the rush's rows)")
    for method in ("lehuo", "pg_dump"):
        t0 = time.monotonic()
        proc = run([py, "-m", "lehuo", "restore_drill", "--method", method, "--workdir", str(WORK / f"drill-{method}")],
                   env=env, cwd=ROOT, check=False)
        last = (proc.stdout.strip().splitlines() or [""])[-1] if proc.returncode == 0 else proc.stderr.strip()[-300:]
        record(f"restore drill ({method}): every figure equal", proc.returncode == 0,
               f"{last} ({time.monotonic() - t0:.0f} s)")

    say("== no 500 and no traceback in the app servers' logs")
    tracebacks = sum((WORK / f"{n}.log").read_text(errors="replace").count("Traceback") for n in APP_PORTS)
    access = (WORK / "nginx-lehuo.access.log").read_text(errors="replace")
    five = len(re.findall(r'"status":50[0-4]', access))
    record("nginx answered no 500", '"status":500' not in access, f"{five} answers 500-504 in nginx's log")
    record("no traceback in the app servers' logs", tracebacks == 0, f"{tracebacks}")
    say(f"        run took {time.monotonic() - started:.0f} s")
    return 0 if all(ok for _n, ok, _d in results) else 1


def cleanup() -> None:
    for name in list(procs):
        stop(name, wait=20)
    try:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    except Exception:
        pass
    drop_clusters()


def summary() -> None:
    say("\n== summary")
    width = max((len(n) for n, _o, _d in results), default=10)
    for name, ok, detail in results:
        say(f"{'PASS' if ok else 'FAIL'}  {name:<{width}}  {detail}")
    say(f"{sum(ok for _n, ok, _d in results)} passed, {sum(not ok for _n, ok, _d in results)} failed")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(SystemExit(143)))
    signal.signal(signal.SIGINT, lambda *a: (_ for _ in ()).throw(SystemExit(130)))
    code = 1
    try:
        code = main()
    except SystemExit:
        record("deploy check ran to the end", False, "stopped by a signal (the time limit, or Ctrl-C)")
    except Exception as exc:
        import traceback

        traceback.print_exc()
        record("deploy check ran to the end", False, f"{type(exc).__name__}: {str(exc)[:300]}")
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        cleanup()
        summary()
        say("stopped everything started (app servers, workers, nginx, both PostgreSQL clusters; Redis db 5 flushed)")
    sys.exit(code)
