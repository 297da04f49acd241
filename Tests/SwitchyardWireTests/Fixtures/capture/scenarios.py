#!/usr/bin/env python3
# Purpose: client sessions whose traffic becomes the golden wire fixtures (run by capture.sh).
#
# Real libpq clients where libpq can produce the message (psycopg 3 over its bundled libpq);
# a raw socket only for packets libpq cannot be asked to send (GSSENCRequest without Kerberos
# credentials, a `_pq_.` protocol option, Execute with a row limit). Every raw packet is spelled
# out below from the protocol documentation; the server's replies are what the fixtures keep.
import socket
import struct
import sys
import threading
import time

import psycopg

HOST, PORT = "127.0.0.1", int(sys.argv[2])
BASE = f"host={HOST} port={PORT} dbname=wire sslmode=disable gssencmode=disable"


def psycopg_extended():
    with psycopg.connect(BASE + " user=postgres application_name=fixtures") as conn:
        conn.autocommit = True
        # Bind with binary parameters, a NULL and binary results (PQsendQueryParams).
        conn.execute("SELECT %b::int4 + 1 AS n, %b::text AS t, %b::int4 AS z", (41, "hi", None), binary=True)
        pg = conn.pgconn
        # Named Parse with a declared parameter type, then Describe statement.
        pg.prepare(b"stmt1", b"SELECT name FROM items WHERE id = $1", [23])
        pg.describe_prepared(b"stmt1")
        # A statement that returns no rows describes as NoData.
        pg.prepare(b"stmt2", b"SET search_path = public")
        pg.describe_prepared(b"stmt2")
        pg.exec_prepared(b"stmt1", [b"1"])
        # Close statement (PQclosePrepared sends Close 'S' + Sync).
        pg.close_prepared(b"stmt1")
        # Close portal: the unnamed portal.
        pg.close_portal(b"")
        # Empty query string: EmptyQueryResponse.
        pg.exec_(b"")
        # Pipeline mode with a Flush request instead of Sync.
        pg.enter_pipeline_mode()
        pg.send_query_params(b"SELECT 2", None)
        pg.send_flush_request()
        pg.flush()
        time.sleep(0.2)
        pg.consume_input()
        while pg.get_result() is not None:
            pass
        pg.pipeline_sync()
        pg.flush()
        time.sleep(0.2)
        while True:
            pg.consume_input()
            result = pg.get_result()
            if result is None:
                continue
            if result.status == psycopg.pq.ExecStatus.PIPELINE_SYNC:
                break
        pg.exit_pipeline_mode()
        # CopyFail: abandon a COPY FROM STDIN.
        try:
            with conn.cursor() as cur:
                with cur.copy("COPY items (id, name) FROM STDIN") as copy:
                    copy.write_row((10, "ten"))
                    raise RuntimeError("abandoned by client")
        except RuntimeError:
            pass


def psycopg_cancel():
    conn = psycopg.connect(BASE + " user=postgres application_name=fixtures")
    conn.autocommit = True

    def cancel_later():
        time.sleep(0.5)
        conn.cancel()

    thread = threading.Thread(target=cancel_later)
    thread.start()
    try:
        conn.execute("SELECT pg_sleep(5)")
    except psycopg.errors.QueryCanceled:
        pass
    thread.join()
    conn.close()


def psycopg_negotiate():
    # libpq 18 asks for protocol 3.2; PostgreSQL 15 answers with NegotiateProtocolVersion.
    with psycopg.connect(BASE + " user=postgres max_protocol_version=3.2") as conn:
        conn.execute("SELECT 1")


def psycopg_many_parameters():
    # 32768 parameters: one more than a signed Int16 holds. libpq allows up to 65535 and
    # PostgreSQL reads the counts as unsigned, so this Bind and this ParameterDescription are valid.
    count = 32768
    query = ("SELECT cardinality(ARRAY[" + ", ".join(f"${i}" for i in range(1, count + 1)) + "]::int[])").encode()
    with psycopg.connect(BASE + " user=postgres") as conn:
        pg = conn.pgconn
        pg.exec_params(query, [b"1"] * count)
        pg.prepare(b"many", query)
        pg.describe_prepared(b"many")


def send_all(sock, data):
    sock.sendall(data)


def read_until_ready(sock):
    data = b""
    while not data.endswith(b"Z\x00\x00\x00\x05I") and not data.endswith(b"Z\x00\x00\x00\x05T"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def message(type_byte, body):
    # Regular message: type byte, Int32 length counting itself and the body.
    return type_byte + struct.pack("!I", 4 + len(body)) + body


def startup(version, params):
    body = struct.pack("!I", version) + b"".join(k + b"\0" + v + b"\0" for k, v in params) + b"\0"
    return struct.pack("!I", 4 + len(body)) + body


def raw_gssenc():
    sock = socket.create_connection((HOST, PORT))
    # GSSENCRequest: Int32 8, Int32 80877104 (1234 << 16 | 5680).
    send_all(sock, struct.pack("!II", 8, 80877104))
    answer = sock.recv(1)
    if answer == b"N":
        send_all(sock, startup(196608, [(b"user", b"postgres"), (b"database", b"wire")]))
        read_until_ready(sock)
        send_all(sock, message(b"X", b""))
    # 'G' (a server built with GSSAPI accepts on TCP): a GSSAPI handshake would follow; hang up.
    sock.close()


def raw_negotiate_option():
    sock = socket.create_connection((HOST, PORT))
    # StartupMessage for protocol 3.2 (196610) with an unknown protocol option `_pq_.`.
    send_all(sock, startup(196610, [(b"user", b"postgres"), (b"database", b"wire"), (b"_pq_.switchyard_probe", b"on")]))
    read_until_ready(sock)
    send_all(sock, message(b"X", b""))
    sock.close()


def raw_portal_suspended():
    sock = socket.create_connection((HOST, PORT))
    send_all(sock, startup(196608, [(b"user", b"postgres"), (b"database", b"wire")]))
    read_until_ready(sock)
    parse = message(b"P", b"\0" + b"SELECT generate_series(1, 3) AS g\0" + struct.pack("!h", 0))
    bind = message(b"B", b"\0\0" + struct.pack("!hhh", 0, 0, 0))
    describe = message(b"D", b"P\0")
    execute_two = message(b"E", b"\0" + struct.pack("!i", 2))
    execute_rest = message(b"E", b"\0" + struct.pack("!i", 0))
    sync = message(b"S", b"")
    send_all(sock, parse + bind + describe + execute_two + execute_rest + sync)
    read_until_ready(sock)
    send_all(sock, message(b"X", b""))
    sock.close()


SCENARIOS = {
    "psycopg-extended": psycopg_extended,
    "psycopg-cancel": psycopg_cancel,
    "psycopg-negotiate": psycopg_negotiate,
    "psycopg-many-parameters": psycopg_many_parameters,
    "raw-gssenc": raw_gssenc,
    "raw-negotiate-option": raw_negotiate_option,
    "raw-portal-suspended": raw_portal_suspended,
}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]]()
