#!/usr/bin/python3
"""Runs the benchmark suite; bench/run builds the programs and then calls this.

For each database, workload and implementation it runs a warm-up and then --runs timed runs (three times
as many for runs under SHORT_RUN seconds), each in a process of its own on a database that bench_data has
just set up the same way. Each program times its own work and checks what it read; bench_data checks what
it wrote; the peak RSS of each process comes from GNU time. Any failure stops the suite with the reason.
Prints the table and writes bench/results/latest.json, latest.md and latest.png (--out NAME: NAME.json, ...).
"""
import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
RESULTS = os.path.join(BENCH, "results")
sys.path.insert(0, os.path.join(BENCH, "python"))
import workloads as wl  # noqa: E402

# (rows, table rows) at full size; --quick divides both by ten. rows are the units of work (rows inserted,
# lookups, owners loaded); table rows what setup puts in the table first (customers, or owners for W5).
SIZES = {
    "W1": (100_000, 0),
    "W2": (5_000, 0),
    "W3": (10_000, 10_000),
    "W4": (500_000, 500_000),
    "W5-eager": (10_000, 10_000),
    "W5-lazy": (1_000, 10_000),
    "W6": (100_000, 100_000),
}
TITLES = {
    "W1": "bulk insert, one transaction",
    "W2": "single inserts, a transaction each",
    "W3": "primary-key lookups",
    "W4": "large result into objects",
    "W5-eager": "owners with their pets (selectin / one join)",
    "W5-lazy": "lazy loading, N+1",
    "W6": "load, change one column, commit",
}
DB_TITLES = {"sqlite": "SQLite (file, default journal)", "postgresql": "PostgreSQL 15 (local socket, default durability)",
             "mariadb": "MariaDB 10.11 (InnoDB, local socket, default durability)"}
DATABASES = ["sqlite", "postgresql", "mariadb"]
SERVERS = {"postgresql", "mariadb"}  # the databases with a server of their own
ALL = set(wl.WORKLOADS)
SHORT_RUN = 0.25  # seconds
PYTHON = "/usr/bin/python3"  # Debian's, which sees python3-sqlalchemy; not the python3 on PATH


class Impl:
    """One column of the table. kind is "raw" (a database's C library, the reference of "x raw"), "peer" (another
    library of the kind Retort is, measured against the same reference), "retort" or "sqlalchemy"; db is None (every
    database), one database or a tuple of them; optional ones are skipped until built."""

    def __init__(self, name, kind, argv, db=None, workloads=ALL, optional=False):
        self.name, self.kind, self.argv, self.db, self.workloads, self.optional = name, kind, argv, db, workloads, optional

    def runs_on(self, db):
        return self.db is None or db == self.db or (isinstance(self.db, tuple) and db in self.db)

    def command(self, build_dir):
        prog = self.argv[0]
        if prog.startswith("bench_"):
            return [os.path.join(build_dir, "bin", prog)] + self.argv[1:]
        return self.argv

    def available(self, build_dir):
        return os.path.exists(self.command(build_dir)[0])


SA_BENCH = os.path.join(BENCH, "python", "sqlalchemy_bench.py")
IMPLS = [
    Impl("raw-sqlite", "raw", ["bench_raw_sqlite"], db="sqlite"),
    # W3's lookups, each in a transaction of its own: what a fresh session per lookup costs at the driver level.
    Impl("raw-sqlite-tx-each", "raw", ["bench_raw_sqlite", "--variant", "tx-each"], db="sqlite", workloads={"W3"}),
    Impl("raw-sqlite-nomemstatus", "raw", ["bench_raw_sqlite", "--variant", "nomemstatus"], db="sqlite",
         workloads={"W1", "W3", "W4", "W5-eager", "W5-lazy", "W6"}),
    Impl("raw-sqlite-multivalues", "raw", ["bench_raw_sqlite", "--variant", "multivalues"], db="sqlite",
         workloads={"W1"}),
    Impl("raw-libpq-prepared", "raw", ["bench_raw_pg", "--variant", "prepared"], db="postgresql"),
    Impl("raw-libpq-tx-each", "raw", ["bench_raw_pg", "--variant", "tx-each"], db="postgresql", workloads={"W3"}),
    Impl("raw-libpq-multivalues", "raw", ["bench_raw_pg", "--variant", "multivalues"], db="postgresql",
         workloads={"W1", "W6"}),
    Impl("raw-libpq-pipeline", "raw", ["bench_raw_pg", "--variant", "pipeline"], db="postgresql",
         workloads={"W1", "W6"}),
    Impl("raw-libpq-copy", "raw", ["bench_raw_pg", "--variant", "copy"], db="postgresql", workloads={"W1", "W6"}),
    Impl("raw-libpq-singlerow", "raw", ["bench_raw_pg", "--variant", "singlerow"], db="postgresql",
         workloads={"W4"}),
    Impl("raw-mariadb-prepared", "raw", ["bench_raw_mariadb", "--variant", "prepared"], db="mariadb"),
    Impl("raw-mariadb-tx-each", "raw", ["bench_raw_mariadb", "--variant", "tx-each"], db="mariadb", workloads={"W3"}),
    Impl("raw-mariadb-multivalues", "raw", ["bench_raw_mariadb", "--variant", "multivalues"], db="mariadb",
         workloads={"W1", "W6"}),
    Impl("raw-mariadb-bulk", "raw", ["bench_raw_mariadb", "--variant", "bulk"], db="mariadb", workloads={"W1", "W6"}),
    Impl("raw-mariadb-loaddata", "raw", ["bench_raw_mariadb", "--variant", "loaddata"], db="mariadb",
         workloads={"W1", "W6"}),
    Impl("raw-mariadb-unbuffered", "raw", ["bench_raw_mariadb", "--variant", "unbuffered"], db="mariadb",
         workloads={"W4"}),
    Impl("raw-mariadb-text", "raw", ["bench_raw_mariadb", "--variant", "text"], db="mariadb",
         workloads={"W4", "W5-eager"}),
    # SOCI (bench/soci.cpp, built as bench_soci when libsoci-dev is installed): prepared statements re-executed,
    # vector use/into elements for the bulk work.
    Impl("soci", "peer", ["bench_soci"], db=("sqlite", "postgresql"), optional=True),
    Impl("soci-tx-each", "peer", ["bench_soci", "--variant", "tx-each"], db=("sqlite", "postgresql"), optional=True,
         workloads={"W3"}),
    # The Retort ORM column: bench/retort_orm.cpp, built as bench_retort_orm, with the interface of the others.
    Impl("retort-orm", "retort", ["bench_retort_orm"], optional=True),
    Impl("retort-orm-session", "retort", ["bench_retort_orm", "--variant", "session"], optional=True,
         workloads={"W3"}),
    Impl("retort-orm-untracked", "retort", ["bench_retort_orm", "--variant", "untracked"], optional=True,
         workloads={"W4"}),
    Impl("retort-core", "retort", ["bench_retort_core"]),
    # W3 with a transaction around each lookup, as the ORM's fresh session makes one: the ORM's price of its own.
    Impl("retort-core-tx-each", "retort", ["bench_retort_core", "--variant", "tx-each"], workloads={"W3"}),
    Impl("sqlalchemy-orm", "sqlalchemy", [PYTHON, SA_BENCH, "--impl", "orm"]),
    Impl("sqlalchemy-core", "sqlalchemy", [PYTHON, SA_BENCH, "--impl", "core"]),
]


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- PostgreSQL

class PgServer:
    """A throwaway PostgreSQL 15 with default settings (fsync and synchronous_commit on), reached through a
    unix socket in a temporary folder only (no TCP port), so it never collides with another server."""

    def __init__(self, port):
        self.bin = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
        self.port = port
        self.dir = None

    def _as_pg(self, argv, **kw):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(prefix + argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, **kw)

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="retort-bench-pg.")
        self.sock, data = os.path.join(self.dir, "sock"), os.path.join(self.dir, "data")
        os.makedirs(self.sock)
        os.makedirs(data)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            for d in (self.sock, data):
                shutil.chown(d, "postgres", "postgres")
        os.chmod(data, 0o700)
        try:
            self._as_pg([self.bin + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                         "--locale=C.UTF-8"])
            self._as_pg([self.bin + "/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "server.log"), "-w",
                         "-o", "-k %s -p %d -c listen_addresses=''" % (self.sock, self.port), "start"])
            self._as_pg([self.bin + "/psql", "-h", self.sock, "-p", str(self.port), "-U", "postgres", "-q",
                         "-d", "postgres", "-c", "CREATE ROLE retort LOGIN SUPERUSER",
                         "-c", "CREATE DATABASE retort_bench OWNER retort"])
        except subprocess.CalledProcessError as e:
            raise BenchError("could not start PostgreSQL: %s\n%s" % (" ".join(e.cmd), e.stderr))
        os.chmod(self.dir, 0o755)
        self.url = "postgresql://retort@/retort_bench?host=%s&port=%d" % (self.sock, self.port)
        log("==> PostgreSQL started (socket %s)" % self.sock)

    def stop(self):
        if not self.dir:
            return
        try:
            self._as_pg([self.bin + "/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop"])
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def version(self):
        out = subprocess.run([self.bin + "/postgres", "--version"], capture_output=True, text=True).stdout
        return out.strip().split(" ", 2)[-1]


# ---------------------------------------------------------------- MariaDB

class MariaServer:
    """A throwaway MariaDB (scripts/mariadb.sh: its own data directory, a unix socket in a temporary folder, no
    TCP, run as the mysql user) with InnoDB's shipped durability (innodb_flush_log_at_trx_commit=1, the
    doublewrite buffer on), and the database retort_bench owned by the user retort."""

    SCRIPT = os.path.join(ROOT, "scripts", "mariadb.sh")

    def __init__(self):
        self.dir = None

    def _bash(self, script, env=None):
        return subprocess.run(["bash", "-c", 'source "%s"; %s' % (self.SCRIPT, script)], capture_output=True,
                              text=True, env=dict(os.environ, **(env or {})))

    def start(self):
        res = self._bash('maria_start >&2 && echo "$MARIA_DIR"', {"MARIA_DURABLE": "1"})
        lines = res.stdout.strip().splitlines()
        if res.returncode != 0 or not lines:
            raise BenchError("could not start MariaDB:\n%s%s" % (res.stdout, res.stderr))
        self.dir = lines[-1]
        self.sock = os.path.join(self.dir, "mysqld.sock")
        user = "root" if os.geteuid() == 0 else subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        res = subprocess.run(["mariadb", "--no-defaults", "--socket=" + self.sock, "-u", user, "-e",
                              "CREATE DATABASE retort_bench CHARACTER SET utf8mb4; SELECT VERSION()", "-N", "-B"],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise BenchError("could not create the MariaDB database: %s" % res.stderr)
        self.server_version = res.stdout.strip().split("-")[0]
        self.url = "mysql://retort@/retort_bench?unix_socket=%s" % self.sock
        log("==> MariaDB %s started (socket %s)" % (self.server_version, self.sock))

    def stop(self):
        if not self.dir:
            return
        self._bash("maria_stop", {"MARIA_DIR": self.dir})
        self.dir = None

    def version(self):
        return self.server_version


# ---------------------------------------------------------------- running one process

def run_process(argv, timeout):
    """Runs argv; returns (exit code, stdout, stderr, peak RSS in MiB of that process alone).

    The peak comes from GNU time, which forks the program from its own small process: a child forked from
    this Python process would count Python's memory at the fork in its ru_maxrss."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("w+") as rss:
        proc = subprocess.Popen(["/usr/bin/time", "-o", rss.name, "-f", "%M"] + argv, stdout=out, stderr=err,
                                cwd=ROOT, start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise BenchError("took longer than %d s, killed: %s" % (timeout, " ".join(argv)))
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        out.seek(0)
        err.seek(0)
        peak = rss.read().strip().splitlines()
        kib = float(peak[-1]) if peak and peak[-1].isdigit() else 0.0
        return proc.returncode, out.read(), err.read(), kib / 1024.0


def check_call(argv, what, timeout):
    code, out, err, _ = run_process(argv, timeout)
    if code != 0:
        raise BenchError("%s failed (exit %d): %s\n%s%s" % (what, code, " ".join(argv), out, err))


def data_args(workload, db, target, rows, table_rows):
    return ["--workload", workload, "--db", db, "--target", target, "--rows", str(rows), "--table-rows", str(table_rows)]


def one_run(impl, cfg, db, target, workload, rows, table_rows):
    args = data_args(workload, db, target, rows, table_rows)
    data = os.path.join(cfg.build_dir, "bin", "bench_data")
    check_call([data, "setup"] + args, "setup for %s %s on %s" % (workload, impl.name, db), cfg.timeout)
    argv = impl.command(cfg.build_dir) + args
    code, out, err, rss = run_process(argv, cfg.timeout)
    if code != 0:
        raise BenchError("%s failed %s on %s (exit %d)\n  command: %s\n%s%s"
                         % (impl.name, workload, db, code, " ".join(argv), out, err))
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError("%s %s on %s printed no result line\n  command: %s\n%s%s"
                         % (impl.name, workload, db, " ".join(argv), out, err))
    want_rows = wl.expected_rows(workload, rows)
    want_sum = wl.expected_checksum(workload, rows, table_rows)
    if result.get("rows") != want_rows or (want_sum is not None and result.get("checksum") != want_sum):
        raise BenchError("%s %s on %s gave a wrong result: %s (expected rows %d, checksum %s)"
                         % (impl.name, workload, db, result, want_rows, want_sum))
    check_call([data, "verify"] + args, "%s %s on %s: verifying the database" % (impl.name, workload, db), cfg.timeout)
    return result["seconds"], rss


# ---------------------------------------------------------------- the suite

def pin(cfg, db):
    """Puts this process (and so what it starts next) on cfg.cpu for PostgreSQL, on every CPU for SQLite.

    On the two-core virtual machine this was written on, waking a process on the other CPU costs about
    250 us, so a PostgreSQL round trip took 40 or 280 us depending on where the scheduler put client and
    server, from one run to the next. On one CPU it is a steady 40 us and each implementation is charged
    for the CPU time it and the server spend. SQLite has no second process to wake, and a pinned process
    cannot escape a busy CPU while it waits for fsync, so it runs unpinned. MariaDB is treated as PostgreSQL."""
    if cfg.cpu >= 0:
        os.sched_setaffinity(0, {cfg.cpu} if db in SERVERS else cfg.all_cpus)


def run_suite(cfg, dbs, workloads, impls, servers):
    records = []
    for db in dbs:
        pin(cfg, db)
        target = servers[db].url if db in servers else os.path.join(cfg.workdir, "bench.db")
        for w in workloads:
            rows, table_rows = SIZES[w]
            if cfg.quick:
                rows, table_rows = rows // 10, table_rows // 10
            chosen = [i for i in impls if i.runs_on(db) and w in i.workloads]
            times = {i.name: [] for i in chosen}
            rss = {i.name: [] for i in chosen}
            # Rounds over the implementations, so that a slow spell on the machine touches them all alike. Round
            # 0 is the warm-up; runs shorter than SHORT_RUN seconds are at the mercy of the machine (the scheduler,
            # a slow spell of the virtual machine's host), so those implementations get three times as many
            # rounds (they cost little). SQLAlchemy's rounds come after the others': its processes use and free
            # hundreds of MB, and on a virtual machine that hands freed memory back to its host (free page
            # reporting) the next process to take fresh memory pays the host for it again, up to 2 ms per 2 MiB
            # (measured: Retort ORM's W5-eager on SQLite 0.058 s alone, 0.09-0.12 s right after a process that
            # freed 1 GB; the raw program, which takes little memory, 0.052 s either way).
            short = set()
            for group in ([i for i in chosen if i.kind != "sqlalchemy"], [i for i in chosen if i.kind == "sqlalchemy"]):
                for r in range(3 * cfg.runs + 1):
                    for impl in group:
                        if r > cfg.runs and impl.name not in short:
                            continue
                        log("    %s %-8s %-22s %s" % (db, w, impl.name, "warm-up" if r == 0 else "run %d" % r))
                        secs, peak = one_run(impl, cfg, db, target, w, rows, table_rows)
                        if r == 0 and secs < SHORT_RUN:
                            short.add(impl.name)
                        if r > 0:
                            times[impl.name].append(secs)
                            rss[impl.name].append(peak)
            for impl in chosen:
                records.append({
                    "workload": w, "db": db, "impl": impl.name, "kind": impl.kind,
                    "seconds": statistics.median(times[impl.name]), "runs": times[impl.name],
                    "rows": wl.expected_rows(w, rows), "peak_rss_mb": round(max(rss[impl.name]), 1),
                    "scale": "quick" if cfg.quick else "full",
                })
            log("==> %s %s done" % (db, w))
    add_ratios(records)
    return records


def add_ratios(records):
    """Time ratios to the fastest raw variant and to SQLAlchemy ORM, and the peak-memory ratio to the leanest
    raw variant, per database and workload (seconds / reference seconds: below 1 is faster)."""
    groups = {}
    for rec in records:
        groups.setdefault((rec["db"], rec["workload"]), []).append(rec)
    for group in groups.values():
        raws = [r for r in group if r["kind"] == "raw"]
        best = min((r["seconds"] for r in raws), default=None)
        lean = min((r["peak_rss_mb"] for r in raws), default=None)
        sa_orm = next((r["seconds"] for r in group if r["impl"] == "sqlalchemy-orm"), None)
        for r in group:
            r["ratio_to_best_raw"] = round(r["seconds"] / best, 3) if best else None
            r["ratio_to_sqlalchemy_orm"] = round(r["seconds"] / sa_orm, 4) if sa_orm else None
            r["peak_rss_ratio_to_raw"] = round(r["peak_rss_mb"] / lean, 2) if lean else None


# ---------------------------------------------------------------- reporting

def fmt_ratio(x, digits=2):
    return "-" if x is None else ("%.*f" % (digits, x))


def table_rows(records, db):
    out = []
    for w in wl.WORKLOADS:
        group = [r for r in records if r["db"] == db and r["workload"] == w]
        order = {i.name: n for n, i in enumerate(IMPLS)}
        for r in sorted(group, key=lambda r: order.get(r["impl"], 99)):
            out.append([w, r["impl"], "%.4f" % r["seconds"], "{:,.0f}".format(r["rows"] / r["seconds"]),
                        fmt_ratio(r["ratio_to_best_raw"]), fmt_ratio(r["ratio_to_sqlalchemy_orm"], 3),
                        "%.1f" % r["peak_rss_mb"], fmt_ratio(r["peak_rss_ratio_to_raw"])])
    return out


HEADER = ["workload", "implementation", "median s", "rows/s", "x raw", "x SA ORM", "peak MB", "mem x raw"]


def legend(records, quick):
    sizes = []
    for w in wl.WORKLOADS:
        if any(r["workload"] == w for r in records):
            rows, table = SIZES[w]
            div = 10 if quick else 1
            extra = " of %s" % "{:,}".format(table // div) if w in ("W3", "W5-lazy") else ""
            sizes.append("%s %s: %s%s" % (w, TITLES[w], "{:,}".format(rows // div), extra))
    return sizes


def print_table(records, dbs, quick):
    for db in dbs:
        body = table_rows(records, db)
        if not body:
            continue
        widths = [max(len(str(x)) for x in col) for col in zip(HEADER, *body)]
        print("\n%s%s" % (DB_TITLES[db], "  [--quick: row counts / 10]" if quick else ""))
        print("  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(HEADER, widths))))
        last = None
        for row in body:
            cells = list(row)
            if cells[0] == last:
                cells[0] = ""
            last = row[0]
            print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))))
    print("\nx raw: median seconds / the fastest raw-driver variant's; x SA ORM: / SQLAlchemy ORM's (below 1 is "
          "faster); mem x raw: peak RSS / the leanest raw variant's.")
    print("Rows: " + "; ".join(legend(records, quick)))


def write_markdown(records, dbs, cfg, env, path):
    lines = ["<!-- written by bench/run; do not edit -->",
             "Run of %s (%s) on %s." % (time.strftime("%Y-%m-%d"), "--quick: row counts / 10" if cfg.quick
                                         else "full row counts", env), ""]
    for db in dbs:
        body = table_rows(records, db)
        if not body:
            continue
        lines += ["**%s**" % DB_TITLES[db], "", "| " + " | ".join(HEADER) + " |",
                  "|" + "|".join(["---"] * 2 + ["---:"] * (len(HEADER) - 2)) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        lines.append("")
    lines += ["x raw: median seconds / the fastest raw-driver variant's; x SA ORM: / SQLAlchemy ORM's (below 1 is "
              "faster); mem x raw: peak RSS / the leanest raw variant's.", "",
              "Rows: " + "; ".join(legend(records, cfg.quick)) + ".", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


README_BEGIN, README_END = "<!-- results:begin -->", "<!-- results:end -->"


def update_readme(md_path, readme):
    """Puts the tables of a complete run between the markers of bench/README.md."""
    with open(readme) as f:
        text = f.read()
    if README_BEGIN not in text or README_END not in text:
        return False
    with open(md_path) as f:
        tables = f.read()
    head, rest = text.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    with open(readme, "w") as f:
        f.write(head + README_BEGIN + "\n" + tables + README_END + tail)
    return True


def write_chart(records, dbs, path):
    """Seconds relative to the fastest raw variant, per workload, one panel per database (gnuplot)."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        raise BenchError("gnuplot is not installed (bench/run installs gnuplot-nox)")
    series = [("raw (fastest variant)", lambda r: r["kind"] == "raw")] + [
        (i.name, lambda r, n=i.name: r["impl"] == n) for i in IMPLS if i.kind != "raw"]
    series = [(t, f) for t, f in series if any(f(r) for r in records)]
    panels = [db for db in dbs if any(r["db"] == db for r in records)]
    with tempfile.TemporaryDirectory() as tmp:
        script = ["set terminal pngcairo size 1400,%d font 'Liberation Sans,11'" % (420 * len(panels)),
                  "set output '%s'" % path, "set style data histogram", "set style histogram clustered gap 1",
                  "set style fill solid 0.85 border -1", "set logscale y", "set grid ytics",
                  "set datafile missing '?'", "set ylabel 'seconds / fastest raw driver (log scale)'",
                  "set key outside right top", "set xtics nomirror", "set yrange [0.5:*]",
                  "set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 linecolor 'gray40'",
                  "set multiplot layout %d,1" % len(panels)]
        for db in panels:
            data = os.path.join(tmp, db + ".dat")
            with open(data, "w") as f:
                f.write("workload\t" + "\t".join('"%s"' % t for t, _ in series) + "\n")
                for w in wl.WORKLOADS:
                    group = [r for r in records if r["db"] == db and r["workload"] == w]
                    if not group:
                        continue
                    cells = []
                    for _, match in series:
                        vals = [r["ratio_to_best_raw"] for r in group if match(r)]
                        cells.append("%.4g" % min(vals) if vals else "?")
                    f.write(w + "\t" + "\t".join(cells) + "\n")
            script.append("set title '%s'" % DB_TITLES[db])
            script.append("plot " + ", ".join("'%s' using %d:xtic(1) title columnheader(%d)" % (data, c + 2, c + 2)
                                             for c in range(len(series))))
        script.append("unset multiplot")
        sfile = os.path.join(tmp, "chart.gp")
        with open(sfile, "w") as f:
            f.write("\n".join(script) + "\n")
        res = subprocess.run([gnuplot, sfile], capture_output=True, text=True)
        if res.returncode != 0:
            raise BenchError("gnuplot failed: %s" % res.stderr)


def environment(servers):
    info = {}
    for line in open("/proc/cpuinfo"):
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    cpu = info.get("model name", "?")
    # A virtual machine's model name may be generic ("Intel(R) Xeon(R) Processor"): the family, model and stepping
    # numbers and the hypervisor flag say more.
    if "cpu family" in info and "model" in info:
        cpu += " (family %s model %s stepping %s%s)" % (info["cpu family"], info["model"], info.get("stepping", "?"),
                                                         ", virtual" if " hypervisor" in " " + info.get("flags", "") else "")
    sa = subprocess.run([PYTHON, "-c", "import sqlalchemy, psycopg2, sqlite3; print(sqlalchemy.__version__, "
                                       "psycopg2.__version__.split()[0], sqlite3.sqlite_version)"],
                        capture_output=True, text=True).stdout.split()
    parts = ["%d x %s" % (os.cpu_count(), cpu), "Debian %s" % platform.freedesktop_os_release().get("VERSION_ID", "?")]
    if len(sa) == 3:
        parts += ["SQLite %s" % sa[2], "SQLAlchemy %s" % sa[0], "psycopg2 %s" % sa[1]]
    if "postgresql" in servers:
        parts.append("PostgreSQL %s" % servers["postgresql"].version())
    if "mariadb" in servers:
        pymysql = subprocess.run([PYTHON, "-c", "import pymysql; print(pymysql.__version__)"], capture_output=True,
                                 text=True).stdout.strip()
        parts += ["MariaDB %s" % servers["mariadb"].version(), "PyMySQL %s" % (pymysql or "?")]
    return ", ".join(parts)


# ---------------------------------------------------------------- main

def parse():
    p = argparse.ArgumentParser(prog="bench/run", description="Retort's benchmark suite (issue 5).")
    p.add_argument("--quick", action="store_true", help="row counts divided by ten")
    p.add_argument("--db", choices=DATABASES, help="one database only (default: all three)")
    p.add_argument("--only", help="workloads, e.g. W1,W3,W5 (W5 is W5-eager and W5-lazy)")
    p.add_argument("--impl", help="implementations, e.g. retort-core,raw-sqlite (default: all)")
    p.add_argument("--runs", type=int, default=3, help="timed runs after the warm-up (default 3)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build", "bench"))
    p.add_argument("--pg-port", type=int, default=54339)
    p.add_argument("--timeout", type=float, default=None, help="seconds a process may take")
    p.add_argument("--cpu", type=int, default=0,
                   help="run the database servers and their clients on this CPU; -1: let the scheduler place them")
    p.add_argument("--out", default="latest",
                   help="write bench/results/OUT.json, OUT.md and OUT.png (default latest)")
    cfg = p.parse_args()
    if cfg.runs < 1:
        p.error("--runs must be at least 1")
    cfg.timeout = cfg.timeout or (600 if cfg.quick else 3600)
    workloads = list(wl.WORKLOADS)
    if cfg.only:
        wanted = [x.strip() for x in cfg.only.split(",") if x.strip()]
        for x in wanted:
            if not any(w == x or w.startswith(x + "-") for w in wl.WORKLOADS):
                p.error("unknown workload %s (known: %s)" % (x, ", ".join(wl.WORKLOADS)))
        workloads = [w for w in wl.WORKLOADS if any(w == x or w.startswith(x + "-") for x in wanted)]
    impls = [i for i in IMPLS if i.available(cfg.build_dir) or not i.optional]
    if cfg.impl:
        names = [x.strip() for x in cfg.impl.split(",") if x.strip()]
        unknown = [n for n in names if n not in {i.name for i in IMPLS}]
        if unknown:
            p.error("unknown implementation %s (known: %s)" % (", ".join(unknown), ", ".join(i.name for i in IMPLS)))
        impls = [i for i in IMPLS if i.name in names]
    dbs = [cfg.db] if cfg.db else list(DATABASES)
    for i in impls:
        if any(i.runs_on(db) for db in dbs) and not i.available(cfg.build_dir):
            p.error("%s is missing: %s (bench/run builds it)" % (i.name, i.command(cfg.build_dir)[0]))
    if not cfg.out or os.sep in cfg.out or cfg.out.startswith("."):
        p.error("--out takes a plain name, e.g. mariadb")
    return cfg, dbs, workloads, impls


def main():
    cfg, dbs, workloads, impls = parse()
    skipped = [i.name for i in IMPLS if i.optional and i not in impls and not cfg.impl]
    if skipped:
        log("==> not built yet, skipped: %s" % ", ".join(skipped))
    cfg.all_cpus = os.sched_getaffinity(0)
    if cfg.cpu >= 0 and cfg.cpu not in cfg.all_cpus:
        log("bench/run: --cpu %d is not one of this process's CPUs %s" % (cfg.cpu, sorted(cfg.all_cpus)))
        return 2
    servers = {}
    if "postgresql" in dbs:
        servers["postgresql"] = PgServer(cfg.pg_port)
    if "mariadb" in dbs:
        servers["mariadb"] = MariaServer()
    cfg.workdir = tempfile.mkdtemp(prefix="retort-bench.")

    def interrupted(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, interrupted)
    started = time.time()
    try:
        for db, server in servers.items():
            pin(cfg, db)  # the server's processes inherit it
            server.start()
        names = " and ".join({"postgresql": "PostgreSQL", "mariadb": "MariaDB"}[db] for db in servers)
        env = environment(servers) + (", %s and %s clients on CPU %d" % (names, "their" if len(servers) > 1 else "its",
                                                                          cfg.cpu) if cfg.cpu >= 0 and servers else "")
        records = run_suite(cfg, dbs, workloads, impls, servers)
    except BenchError as e:
        log("\nBENCHMARK FAILED: %s" % e)
        return 1
    except KeyboardInterrupt:
        log("\ninterrupted")
        return 130
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(cfg.workdir, ignore_errors=True)
    os.makedirs(RESULTS, exist_ok=True)
    print_table(records, dbs, cfg.quick)
    out = os.path.join(RESULTS, cfg.out)
    with open(out + ".json", "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    write_markdown(records, dbs, cfg, env, out + ".md")
    # Only a run of everything replaces the tables the README shows.
    complete = len(dbs) == len(DATABASES) and set(workloads) == ALL and not cfg.impl
    if complete and update_readme(out + ".md", os.path.join(BENCH, "README.md")):
        log("==> updated the tables in bench/README.md")
    try:
        write_chart(records, dbs, out + ".png")
    except BenchError as e:
        log("BENCHMARK FAILED: %s" % e)
        return 1
    log("\n==> %.0f s; wrote bench/results/%s.json, %s.md, %s.png" % (time.time() - started, cfg.out, cfg.out, cfg.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
