#!/usr/bin/env python3
# Purpose: writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/.
#
#   python3 fuzz/seeds/make_seeds.py
#
# Sources, in this order of weight:
# - frontend/backend: the wire fixtures of Tests/SwitchyardWireTests/Fixtures (captured with
#   tcpdump between libpq clients and PostgreSQL 15), single messages and whole sessions, with
#   the target's mode byte in front;
# - frontend/backend: logins that succeed against the fixed secrets and nonces of the targets
#   (FrontendTarget.swift, BackendTarget.swift), computed here with hashlib/hmac from RFC 5802
#   and PostgreSQL's md5 formula, independently of the Swift code under test;
# - sql: pgbench's built-in scripts (`pgbench --show-script`, with :variables as literals and as
#   $n parameters) and the SQL string literals of Tests/SwitchyardSQLTests and
#   Tests/SwitchyardRoutingTests.
import base64
import hashlib
import hmac
import os
import re
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Tests/SwitchyardWireTests/Fixtures")
SEEDS = os.path.join(ROOT, "fuzz/seeds")

# Must match FrontendTarget / BackendTarget.
USER = "fuzz"
PASSWORD = "fuzz-password"
SALT = bytes(range(16))
ITERATIONS = 4096  # the frontend target's secret, as PostgreSQL derives it
BACKEND_ITERATIONS = 16  # BackendTarget.scramIterations: the backend target skips costly server-firsts
FRONTEND_SERVER_NONCE = base64.b64encode(bytes(range(100, 118)))
BACKEND_CLIENT_NONCE = base64.b64encode(bytes(range(200, 218)))
MD5_SALT = bytes([0x93, 0x0F, 0x2C, 0x71])


def read_hex(path):
    digits = []
    with open(path) as handle:
        for line in handle:
            if line.lstrip().startswith("#"):
                continue
            digits.append(re.sub(r"[^0-9a-fA-F]", "", line))
    return bytes.fromhex("".join(digits))


def write(target, name, data):
    directory = os.path.join(SEEDS, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as handle:
        handle.write(data)


# -- Wire helpers ---------------------------------------------------------------------------

def message(type_byte, body):
    return type_byte.encode() + struct.pack(">i", len(body) + 4) + body


def cstring(text):
    return (text.encode() if isinstance(text, str) else text) + b"\0"


def startup(user, database):
    body = struct.pack(">i", 196608) + cstring("user") + cstring(user) + cstring("database") + cstring(database) + b"\0"
    return struct.pack(">i", len(body) + 4) + body


def authentication(code, data=b""):
    return message("R", struct.pack(">i", code) + data)


# -- SCRAM-SHA-256 (RFC 5802 section 3), PostgreSQL dialect: empty user name, no binding ------

def scram_login(client_nonce, server_nonce, iterations):
    """Returns (client_first, server_first, client_final, server_final) for PASSWORD/SALT."""
    client_first_bare = b"n=,r=" + client_nonce
    client_first = b"n,," + client_first_bare
    server_first = b"r=" + client_nonce + server_nonce + b",s=" + base64.b64encode(SALT) + b",i=" + str(iterations).encode()
    without_proof = b"c=" + base64.b64encode(b"n,,") + b",r=" + client_nonce + server_nonce
    auth_message = client_first_bare + b"," + server_first + b"," + without_proof
    salted = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), SALT, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    client_final = without_proof + b",p=" + base64.b64encode(proof)
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    server_final = b"v=" + base64.b64encode(hmac.new(server_key, auth_message, hashlib.sha256).digest())
    return client_first, server_first, client_final, server_final


def md5_response(salt):
    inner = hashlib.md5((PASSWORD + USER).encode()).hexdigest()
    return "md5" + hashlib.md5(inner.encode() + salt).hexdigest()


# -- Targets ----------------------------------------------------------------------------------

STARTUP_PHASE = ("startup-message", "ssl-request", "gssenc-request", "cancel-request")


def frontend():
    for name in sorted(os.listdir(FIXTURES)):
        if not name.endswith(".hex"):
            continue
        stem = name[:-4]
        data = read_hex(os.path.join(FIXTURES, name))
        if stem.startswith("session-") and stem.endswith(".frontend"):
            write("frontend", stem, b"\x00" + data)
        elif stem.startswith("frontend-"):
            if any(stem.startswith("frontend-" + prefix) for prefix in STARTUP_PHASE):
                write("frontend", stem, b"\x00" + data)
            elif stem == "frontend-password-md5":
                write("frontend", stem, bytes([1 | 2 << 2]) + data)
                write("frontend", stem + ".body", b"\x03" + data[5:])
            else:
                write("frontend", stem, b"\x01" + data)

    client_nonce = b"rOprNGfwEbeRWgbNEkqO"
    client_first, _, client_final, _ = scram_login(client_nonce, FRONTEND_SERVER_NONCE, ITERATIONS)
    stream = (startup(USER, "app")
              + message("p", cstring("SCRAM-SHA-256") + struct.pack(">i", len(client_first)) + client_first)
              + message("p", client_final)
              + message("Q", cstring("SELECT 1")) + message("X", b""))
    # Known user (login 0), unknown user (login 1: the mock fails the same proof).
    write("frontend", "login-scram-known", b"\x00" + stream)
    write("frontend", "login-scram-unknown", bytes([0 | 1 << 2]) + stream)
    write("frontend", "scram-known", b"\x02" + client_first + b"\0" + client_final)
    write("frontend", "scram-unknown", bytes([2 | 1 << 2]) + client_first + b"\0" + client_final)
    ssl_then_login = struct.pack(">ii", 8, 80877103) + stream
    write("frontend", "login-ssl-then-scram", b"\x00" + ssl_then_login)
    password = message("p", cstring(md5_response(MD5_SALT)))
    write("frontend", "login-md5", bytes([0 | 2 << 2]) + startup(USER, "app") + password + message("X", b""))
    write("frontend", "md5-body", b"\x03" + cstring(md5_response(MD5_SALT)))


def backend():
    for name in sorted(os.listdir(FIXTURES)):
        if not name.endswith(".hex"):
            continue
        stem = name[:-4]
        data = read_hex(os.path.join(FIXTURES, name))
        if stem.startswith("backend-") or (stem.startswith("session-") and stem.endswith(".backend")):
            write("backend", stem, b"\x00" + data)

    server_nonce = b"3rfcNHYJY1ZVvWVs7j"
    _, server_first, _, server_final = scram_login(BACKEND_CLIENT_NONCE, server_nonce, BACKEND_ITERATIONS)
    after_login = (authentication(0) + message("S", cstring("server_version") + cstring("15.18"))
                   + message("S", cstring("client_encoding") + cstring("UTF8"))
                   + message("K", struct.pack(">ii", 4242, 0x5EC2E7)) + message("Z", b"I"))
    scram = (authentication(10, cstring("SCRAM-SHA-256-PLUS") + cstring("SCRAM-SHA-256") + b"\0")
             + authentication(11, server_first) + authentication(12, server_final) + after_login)
    # Credentials 0 (plaintext) and 2 (SCRAM secret with the recovered ClientKey).
    write("backend", "login-scram-password", b"\x00" + scram)
    write("backend", "login-scram-client-key", bytes([2 << 1]) + scram)
    write("backend", "login-scram-no-credentials", bytes([3 << 1]) + scram)
    write("backend", "scram-password", b"\x01" + server_first + b"\0" + server_final)
    write("backend", "scram-client-key", bytes([1 | 2 << 1]) + server_first + b"\0" + server_final)
    md5 = authentication(5, MD5_SALT) + after_login
    write("backend", "login-md5-password", b"\x00" + md5)
    write("backend", "login-md5-secret", bytes([1 << 1]) + md5)
    write("backend", "login-cleartext", b"\x00" + authentication(3) + after_login)
    write("backend", "login-trust", b"\x00" + after_login)
    refused = authentication(5, MD5_SALT) + message(
        "E", b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"fuzz\"\0\0")
    write("backend", "login-refused", b"\x00" + refused)


def swift_string_literals(path):
    text = open(path, encoding="utf-8").read()
    for match in re.finditer(r'(?<![\\#])"((?:[^"\\\n]|\\.)*)"', text):
        raw = match.group(1)
        if "\\(" in raw:
            continue
        value = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), raw)
        value = value.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").replace("\\0", "\0")
        value = value.replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")
        yield value


SQL_START = re.compile(r"^\s*(/\*|--|\(|[A-Za-z]+\b)")
SQL_WORDS = re.compile(
    r"\b(select|insert|update|delete|with|begin|commit|rollback|set|show|reset|create|alter|drop|copy|explain|"
    r"values|table|prepare|execute|declare|listen|notify|merge|lock|vacuum|analyze|truncate|call|do|grant|"
    r"discard|fetch|close|savepoint|release|start|end|abort|deallocate|unlisten|cluster|reindex|refresh|"
    r"comment|security|import|load|checkpoint|move|revoke)\b", re.IGNORECASE)


def sql():
    statements = []
    scripts = ["tpcb-like", "simple-update", "select-only"]
    pgbench_literals = {":aid": "48213", ":bid": "1", ":tid": "7", ":delta": "-2471", ":scale": "1"}
    pgbench_parameters = {":tid": "$1", ":bid": "$2", ":aid": "$3", ":delta": "$4"}
    # `pgbench --show-script=tpcb-like`, PostgreSQL 15 (simple-update and select-only are subsets).
    tpcb = [
        "BEGIN;",
        "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;",
        "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;",
        "UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;",
        "UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);",
        "END;",
    ]
    for line in tpcb:
        literal = line
        for variable, value in pgbench_literals.items():
            literal = literal.replace(variable, value)
        parameterized = line
        for variable, value in pgbench_parameters.items():
            parameterized = parameterized.replace(variable, value)
        statements.append(("pgbench", literal.rstrip(";"), b""))
        statements.append(("pgbench", parameterized.rstrip(";"), b"\0\x00\x01" + b"7" + b"\x00\x01" + b"1"
                           + b"\x00\x05" + b"48213" + b"\x00\x05" + b"-2471"))
    statements.append(("pgbench", " ; ".join(line.rstrip(";") for line in tpcb), b""))

    seen = set()
    for directory in ("Tests/SwitchyardSQLTests", "Tests/SwitchyardRoutingTests"):
        for name in sorted(os.listdir(os.path.join(ROOT, directory))):
            if not name.endswith(".swift"):
                continue
            for value in swift_string_literals(os.path.join(ROOT, directory, name)):
                if len(value) < 4 or value in seen or not SQL_START.match(value) or not SQL_WORDS.search(value):
                    continue
                seen.add(value)
                statements.append((name[:-6], value, b""))

    # Parameters for texts with $n: an int8 in binary, a text number, a text tenant, a NULL.
    parameters = (b"\0" + bytes([1 | 1 << 2, 8]) + struct.pack(">q", 123456789) + bytes([0, 2]) + b"42"
                  + bytes([0, 4]) + b"acme" + bytes([2, 0]))
    for index, (source, text, extra) in enumerate(statements):
        encoded = text.encode("utf-8")
        if not extra and "$" in text:
            extra = parameters
        # Mostly plain sessions; a spread of flags so each context has seeds.
        flags = [0x00, 0x00, 0x00, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x01][index % 10]
        write("sql", "%04d-%s" % (index, source), bytes([flags, index % 8]) + encoded + extra)


def main():
    for target in ("frontend", "backend", "sql"):
        shutil.rmtree(os.path.join(SEEDS, target), ignore_errors=True)
    frontend()
    backend()
    sql()
    for target in ("frontend", "backend", "sql"):
        print("%s: %d seeds" % (target, len(os.listdir(os.path.join(SEEDS, target)))), file=sys.stderr)


if __name__ == "__main__":
    main()
