#!/usr/bin/env python3
"""Memory per idle client: Switchyard and PgBouncer side by side, holding N idle clients each.

Starts a throwaway PostgreSQL 15 server (as the postgres user when run as root), PgBouncer
(transaction mode) and Switchyard (release build, transaction mode) with the same pool size on
free loopback ports in 20000-29999. For each proxy in turn it opens N client connections (default
10,000), each logging in with SCRAM-SHA-256 and running SELECT 1 before it goes idle, holds them,
and reports the growth of the proxy's VmRSS (/proc/PID/status) and Pss (/proc/PID/smaps_rollup)
divided by N, plus the latency of SELECT 1 on an active client before and while the idle clients
are held. Everything it starts is stopped on exit. Not a test: numbers go to BENCHMARKS.md.

Both proxies hold the role's SCRAM secret as PostgreSQL stores it (pg_authid), so a login costs
them a few HMACs and log into the server with the client's proof; the benchmark's client derives
the salted password once and speaks the protocol itself (no driver), so that N connections cost
it little.

    benchmarks/idle_clients.py [--clients 10000] [--pool-size 20] [--queries 2000] [--no-build]
"""
import argparse, base64, hashlib, hmac, os, random, resource, signal, socket, statistics, struct
import subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgbench_compare import Bench, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- A minimal protocol 3.0 client -------------------------------------------------------------

def message(kind, body=b""):
    return kind + struct.pack("!i", 4 + len(body)) + body


class Client:
    """One client connection speaking just enough of the protocol: SCRAM login and simple queries."""
    salted = {}  # (password, salt, iterations) -> SaltedPassword, shared by every client

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def frames(self, until):
        """Reads frames until one of the types in `until` (returned last)."""
        out = []
        while True:
            while len(self.buffer) >= 5:
                (length,) = struct.unpack("!i", self.buffer[1:5])
                if len(self.buffer) < 1 + length:
                    break
                kind, body = self.buffer[0:1], self.buffer[5:1 + length]
                self.buffer = self.buffer[1 + length:]
                out.append((kind, body))
                if kind in until:
                    return out
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"closed after {[k for k, _ in out]}")
            self.buffer += data

    def expect(self, until):
        frames = self.frames(until + b"E")
        kind, body = frames[-1]
        if kind == b"E":
            fields = {chr(part[0]): part[1:].decode(errors="replace") for part in body.split(b"\0") if part}
            raise RuntimeError(f"{fields.get('C')} {fields.get('M')}")
        return frames

    def login(self, user, password, database):
        params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
        self.sock.sendall(struct.pack("!ii", 8 + len(params), 196608) + params)
        kind, body = self.expect(b"R")[-1]
        if struct.unpack("!i", body[:4])[0] != 10:
            raise RuntimeError(f"authentication request {struct.unpack('!i', body[:4])[0]}, not SASL")
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n=,r={nonce}"
        initial = ("n,," + first_bare).encode()
        self.sock.sendall(message(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(initial)) + initial))
        server_first = self.expect(b"R")[-1][1][4:].decode()
        attributes = dict(item.split("=", 1) for item in server_first.split(","))
        salt, iterations = base64.b64decode(attributes["s"]), int(attributes["i"])
        key = (password, salt, iterations)
        if key not in Client.salted:
            Client.salted[key] = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
        client_key = hmac.new(Client.salted[key], b"Client Key", hashlib.sha256).digest()
        without_proof = "c=biws,r=" + attributes["r"]
        auth_message = f"{first_bare},{server_first},{without_proof}".encode()
        signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, hashlib.sha256).digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
        self.sock.sendall(message(b"p", f"{without_proof},p={proof}".encode()))
        self.expect(b"Z")

    def query(self, sql):
        self.sock.sendall(message(b"Q", sql.encode() + b"\0"))
        return self.expect(b"Z")

    def close(self):
        try:
            self.sock.sendall(message(b"X"))
        except OSError:
            pass
        self.sock.close()


# --- Measuring ----------------------------------------------------------------------------------

def memory(pid):
    """(VmRSS, Pss) of `pid` in kB."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/smaps_rollup") as f:
        pss = next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    return rss, pss


def latencies(client, count):
    """Milliseconds of `count` SELECT 1 round trips, sorted."""
    result = []
    for _ in range(count):
        started = time.perf_counter()
        client.query("SELECT 1")
        result.append((time.perf_counter() - started) * 1000)
    return sorted(result)


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def measure(name, port, pid, args):
    """Opens args.clients idle clients on `port`; returns the row of the report."""
    active = Client(port)
    active.login("bench", "bench", "bench")
    latencies(active, 200)
    alone = latencies(active, args.queries)
    time.sleep(1)
    before = memory(pid)
    idle = []
    started = time.time()
    try:
        for index in range(args.clients):
            client = Client(port)
            client.login("bench", "bench", "bench")
            client.query("SELECT 1")
            idle.append(client)
            if (index + 1) % 2000 == 0:
                print(f"  {name}: {index + 1} idle clients ({time.time() - started:.0f} s)", flush=True)
        opened = time.time() - started
        time.sleep(2)
        held = memory(pid)
        beside = latencies(active, args.queries)
        # Every idle client is still there and served.
        for client in random.sample(idle, min(50, len(idle))):
            client.query("SELECT 2")
    finally:
        for client in idle:
            client.close()
        active.close()
    time.sleep(2)
    after = memory(pid)
    n = args.clients
    return {
        "name": name, "opened": opened, "before": before, "held": held, "after": after,
        "rss_per_client": (held[0] - before[0]) * 1024 / n, "pss_per_client": (held[1] - before[1]) * 1024 / n,
        "alone": (statistics.median(alone), percentile(alone, 0.99)),
        "beside": (statistics.median(beside), percentile(beside, 0.99)),
    }


# --- The servers --------------------------------------------------------------------------------

class Setup(Bench):
    """The server and the two proxies (process handling, cleanup: `Bench`)."""

    def __init__(self, args):
        super().__init__(args, prefix="switchyard-idle-")

    def start_postgres(self):
        super().start_postgres(max_connections=2 * self.args.pool_size + 50, settings="", pgbench_scale=None)
        self.secret = self.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'bench'")

    def start_pgbouncer(self):
        port = free_port()
        conf_dir = os.path.join(self.dir, "pgbouncer")
        os.mkdir(conf_dir)
        users = os.path.join(conf_dir, "users.txt")
        with open(users, "w") as f:
            f.write(f'"bench" "{self.secret}"\n')
        ini = os.path.join(conf_dir, "pgbouncer.ini")
        with open(ini, "w") as f:
            f.write(f"[databases]\nbench = host=127.0.0.1 port={self.pg_port} dbname=bench\n"
                    f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = scram-sha-256\n"
                    f"auth_file = {users}\npool_mode = transaction\ndefault_pool_size = {self.args.pool_size}\n"
                    f"max_client_conn = {self.args.clients + 100}\nunix_socket_dir =\n"
                    f"logfile = {conf_dir}/pgbouncer.log\nlog_connections = 0\nlog_disconnections = 0\n")
        for path in [conf_dir, ini, users]:
            self.chown(path)
        # runuser resets the soft open-file limit to 1024 (PAM); PgBouncer needs one per client.
        files = self.args.clients + 1000
        proc = self.spawn("pgbouncer", self.as_postgres + ["prlimit", f"--nofile={files}:{files}", "pgbouncer", ini], port)
        return port, Bench.server_pid(proc)

    def start_switchyard(self, binary):
        port = free_port()
        config = os.path.join(self.dir, "switchyard.toml")
        with open(config, "w") as f:
            f.write(f'[proxy]\nlisten = "127.0.0.1:{port}"\nadmin_listen = ""\npool_mode = "transaction"\n'
                    f'max_client_connections = {self.args.clients + 100}\nlog_level = "warning"\n\n'
                    f'[health]\nuser = "bench"\npassword = "bench"\n\n'
                    f'[[users]]\nname = "bench"\npassword = "{self.secret}"\n\n'
                    f'[clusters.main]\ndatabase = "bench"\nuser = "bench"\npassword = "bench"\n'
                    f'pool_size = {self.args.pool_size}\n\n'
                    f'[[clusters.main.servers]]\nhost = "127.0.0.1"\nport = {self.pg_port}\nrole = "primary"\n\n'
                    f'[databases.bench]\ncluster = "main"\n')
        proc = self.spawn("switchyard", [binary, "run", "--config", config], port)
        return port, proc.pid


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000, help="idle clients per proxy")
    parser.add_argument("--pool-size", type=int, default=20, help="server connections per pool, both proxies")
    parser.add_argument("--queries", type=int, default=2000, help="SELECT 1 round trips timed per phase")
    parser.add_argument("--no-build", action="store_true", help="use the existing .build/release/switchyard")
    args = parser.parse_args()

    # Each idle client is a socket here and one in the proxy; both inherit this limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.clients + 1000
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            sys.exit(f"RLIMIT_NOFILE hard limit {hard} is below {wanted}; lower --clients or raise it")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "switchyard"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, ".build", "release", "switchyard")

    setup = Setup(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        setup.start_postgres()
        results = []
        sy_port, sy_pid = setup.start_switchyard(binary)
        pgb_port, pgb_pid = setup.start_pgbouncer()
        version = subprocess.run(["pgbouncer", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        for name, port, pid in [("switchyard", sy_port, sy_pid), ("pgbouncer", pgb_port, pgb_pid)]:
            print(f"{name}: opening {args.clients} idle clients", flush=True)
            results.append(measure(name, port, pid, args))
        print(f"\n{args.clients} idle clients (SCRAM login + SELECT 1, then idle), pool_size {args.pool_size}, "
              f"transaction mode; {version}; SELECT 1 latency over {args.queries} round trips")
        print(f"{'proxy':11} {'opened s':>8} {'RSS kB before/held/after':>26} {'RSS B/client':>12} "
              f"{'Pss kB before/held':>19} {'Pss B/client':>12} {'p50/p99 ms alone':>17} {'p50/p99 ms beside':>18}")
        for r in results:
            print(f"{r['name']:11} {r['opened']:8.1f} {r['before'][0]:>8}/{r['held'][0]}/{r['after'][0]:<7} "
                  f"{r['rss_per_client']:12.0f} {r['before'][1]:>9}/{r['held'][1]:<9} {r['pss_per_client']:12.0f} "
                  f"{r['alone'][0]:8.3f}/{r['alone'][1]:<8.3f} {r['beside'][0]:9.3f}/{r['beside'][1]:<8.3f}")
    finally:
        setup.cleanup()


if __name__ == "__main__":
    main()
