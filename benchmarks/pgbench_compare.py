#!/usr/bin/env python3
"""pgbench side by side: a direct connection, PgBouncer and Switchyard, interleaved.

Starts a throwaway PostgreSQL 15 server (as the postgres user when run as root), PgBouncer and
Switchyard (release build) on free loopback ports, runs `pgbench -S` rounds against each in
shuffled order, and prints median TPS, ratios and latencies, plus the proxies' CPU time per
transaction. Everything it starts is stopped on exit. Not a test: numbers go to BENCHMARKS.md.

    benchmarks/pgbench_compare.py [--duration 30] [--clients 32] [--rounds 3] [--modes simple,prepared]
"""
import argparse, os, random, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pg_bindir():
    for candidate in sorted(os.listdir("/usr/lib/postgresql"), reverse=True):
        path = f"/usr/lib/postgresql/{candidate}/bin"
        if os.path.exists(f"{path}/initdb"):
            return path
    sys.exit("PostgreSQL server binaries not found")


def free_port():
    """A port in 20000-29999 that a socket can bind now (the kernel's ephemeral range is avoided:
    outgoing connections take ports from it, so one found free there can be gone a moment later)."""
    for _ in range(500):
        port = random.randint(20000, 29999)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    sys.exit("no free port in 20000-29999")


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} did not open")


class Bench:
    def __init__(self, args, prefix="switchyard-bench-"):
        self.args = args
        self.bin = pg_bindir()
        self.dir = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.dir, 0o755)
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.procs = []
        self.pg_port = free_port()
        self.env = dict(os.environ, PGPASSWORD="bench", PGSSLMODE="disable", PGGSSENCMODE="disable")

    def run(self, cmd, **kw):
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)

    def chown(self, path):
        if self.as_postgres:
            shutil.chown(path, "postgres", "postgres")

    def start_postgres(self, max_connections=300, settings="shared_buffers = 256MB\n", pgbench_scale=10):
        """Starts the server with role and database `bench`; `pgbench -i` at `pgbench_scale` unless None."""
        data = os.path.join(self.dir, "pg")
        os.mkdir(data)
        self.chown(data)
        self.chown(self.dir)
        self.run(self.as_postgres + [f"{self.bin}/initdb", "-D", data, "-U", "postgres",
                                     "--auth-local=trust", "--auth-host=scram-sha-256"])
        with open(os.path.join(data, "postgresql.conf"), "a") as conf:
            conf.write(f"port = {self.pg_port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nmax_connections = {max_connections}\n"
                       f"{settings}fsync = off\nsynchronous_commit = off\n")
        self.run(self.as_postgres + [f"{self.bin}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "pg.log"), "-w", "start"])
        self.pg_data = data
        self.psql("CREATE ROLE bench LOGIN PASSWORD 'bench'")
        self.psql("CREATE DATABASE bench OWNER bench")
        if pgbench_scale is not None:
            self.run([f"{self.bin}/pgbench", "-i", "-s", str(pgbench_scale), "-h", "127.0.0.1", "-p", str(self.pg_port),
                      "-U", "bench", "bench"], env=self.env)

    def psql(self, sql):
        """Runs `sql` as the superuser over the server's socket; its unaligned output."""
        return self.run([f"{self.bin}/psql", "-X", "-q", "-A", "-t", "-h", self.dir, "-p", str(self.pg_port),
                         "-U", "postgres", "-c", sql]).stdout.strip()

    def spawn(self, name, cmd, port):
        log = open(os.path.join(self.dir, f"{name}.log"), "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        wait_port(port)
        return proc

    def start_pgbouncer(self, mode, pool_size):
        if shutil.which("pgbouncer") is None:
            raise SystemExit("pgbouncer is not installed: apt-get install pgbouncer")
        port = free_port()
        conf_dir = os.path.join(self.dir, f"pgbouncer-{mode}")
        os.mkdir(conf_dir)
        with open(os.path.join(conf_dir, "users.txt"), "w") as f:
            f.write('"bench" "bench"\n')
        ini = os.path.join(conf_dir, "pgbouncer.ini")
        with open(ini, "w") as f:
            f.write(f"[databases]\nbench = host=127.0.0.1 port={self.pg_port} dbname=bench\n"
                    f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = scram-sha-256\n"
                    f"auth_file = {conf_dir}/users.txt\npool_mode = {mode}\ndefault_pool_size = {pool_size}\n"
                    f"max_client_conn = 20000\nunix_socket_dir =\nlogfile = {conf_dir}/pgbouncer.log\n")
        for path in [conf_dir, ini, os.path.join(conf_dir, "users.txt")]:
            self.chown(path)
        proc = self.spawn(f"pgbouncer-{mode}", self.as_postgres + ["pgbouncer", ini], port)
        return port, proc

    def start_switchyard(self, mode, pool_size, workers):
        port = free_port()
        config = os.path.join(self.dir, f"switchyard-{mode}-{workers}.toml")
        with open(config, "w") as f:
            f.write(f'[proxy]\nlisten = "127.0.0.1:{port}"\nadmin_listen = ""\nworkers = {workers}\n'
                    f'pool_mode = "{mode}"\nlog_level = "warning"\n\n[health]\nuser = "bench"\npassword = "bench"\n\n'
                    f'[[users]]\nname = "bench"\npassword = "bench"\n\n[clusters.main]\ndatabase = "bench"\n'
                    f'pool_size = {pool_size}\n\n[[clusters.main.servers]]\nhost = "127.0.0.1"\nport = {self.pg_port}\n'
                    f'role = "primary"\n\n[databases.bench]\ncluster = "main"\n')
        binary = os.path.join(ROOT, ".build", "release", "switchyard")
        proc = self.spawn(f"switchyard-{mode}-{workers}", [binary, "run", "--config", config], port)
        return port, proc

    @staticmethod
    def server_pid(proc):
        """The process doing the work: `proc` itself, or the child runuser started."""
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == proc.pid:
                            return int(entry)
                except (OSError, IndexError, ValueError):
                    continue
        return proc.pid

    def cpu_seconds(self, proc):
        if proc is None:
            return 0.0
        with open(f"/proc/{self.server_pid(proc)}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def pgbench(self, port, mode, proc):
        cpu_before = self.cpu_seconds(proc)
        out = subprocess.run([f"{self.bin}/pgbench", "-S", "-n", "-M", mode, "-c", str(self.args.clients), "-j", "2",
                              "-T", str(self.args.duration), "-h", "127.0.0.1", "-p", str(port), "-U", "bench", "bench"],
                             capture_output=True, text=True, env=self.env)
        cpu = self.cpu_seconds(proc) - cpu_before
        text = out.stdout + out.stderr
        tps = float(re.search(r"tps = ([\d.]+)", text).group(1))
        latency = float(re.search(r"latency average = ([\d.]+) ms", text).group(1))
        failed = int(re.search(r"number of failed transactions: (\d+)", text).group(1))
        processed = int(re.search(r"number of transactions actually processed: (\d+)", text).group(1))
        return tps, latency, failed, (cpu / processed * 1e6) if processed and proc else None

    def cleanup(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if hasattr(self, "pg_data"):
            subprocess.run(self.as_postgres + [f"{self.bin}/pg_ctl", "-D", self.pg_data, "-m", "fast", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--workers", default="0", help="Switchyard workers values to compare, e.g. 1,2 (0 = cores)")
    parser.add_argument("--modes", default="simple,prepared")
    args = parser.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "switchyard"], cwd=ROOT, check=True)
    bench = Bench(args)
    try:
        bench.start_postgres()
        pgb_txn = bench.start_pgbouncer("transaction", args.pool_size)
        pgb_session = bench.start_pgbouncer("session", args.clients)
        systems = {}
        for workers in [int(w) for w in args.workers.split(",")]:
            suffix = f" w{workers}" if "," in args.workers else ""
            systems[f"switchyard txn{suffix}"] = bench.start_switchyard("transaction", args.pool_size, workers)
        for mode in args.modes.split(","):
            # PgBouncer 1.18 has no protocol-level prepared statements in transaction mode.
            runs = {"direct": (bench.pg_port, None),
                    "pgbouncer": pgb_txn if mode == "simple" else pgb_session}
            runs.update(systems)
            results = {name: [] for name in runs}
            for round_number in range(args.rounds):
                order = list(runs)
                random.shuffle(order)
                for name in order:
                    port, proc = runs[name]
                    results[name].append(bench.pgbench(port, mode, proc))
                    print(f"  {mode} round {round_number + 1} {name}: {results[name][-1][0]:.0f} tps", flush=True)
            pgb_name = "pgbouncer (txn)" if mode == "simple" else "pgbouncer (session)"
            base = statistics.median(r[0] for r in results["pgbouncer"])
            direct = statistics.median(r[0] for r in results["direct"])
            print(f"\n-M {mode}, -S -c {args.clients} -j 2 -T {args.duration}, {args.rounds} rounds, pool_size {args.pool_size}")
            print(f"{'system':24} {'median tps':>11} {'vs pgbouncer':>13} {'vs direct':>10} {'latency ms':>11} {'cpu us/txn':>11} {'failed':>7}")
            for name, rows in results.items():
                tps = statistics.median(r[0] for r in rows)
                lat = statistics.median(r[1] for r in rows)
                cpu = [r[3] for r in rows if r[3] is not None]
                label = pgb_name if name == "pgbouncer" else name
                cpu_text = f"{statistics.median(cpu):.1f}" if cpu else "-"
                print(f"{label:24} {tps:11.0f} {tps / base:13.2f} {tps / direct:10.2f} {lat:11.3f} {cpu_text:>11} {sum(r[2] for r in rows):7d}")
            print()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
