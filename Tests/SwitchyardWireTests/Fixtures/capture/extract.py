#!/usr/bin/env python3
# Purpose: turns capture.sh's pcaps into per-connection message lists and the .hex fixtures.
#
#   extract.py list PCAP                 print every message of every connection, both directions
#   extract.py write CAPDIR FIXTUREDIR   write the fixtures named in SELECTION below
#
# TCP payloads are reassembled per direction by sequence number (loopback, so no loss). Framing
# follows the protocol documentation: a client starts with untyped packets (Int32 length, Int32
# code) until it sends a StartupMessage or CancelRequest; an SSLRequest or GSSENCRequest is
# answered by one unframed byte ('N', 'S' or 'G'); everything else is a type byte and an Int32
# length that counts itself.
import os
import struct
import sys

SSL, GSSENC, CANCEL = 80877103, 80877104, 80877102


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xA1B2C3D4, "little-endian microsecond pcap expected"
    offset, packets = 24, []
    while offset < len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + incl]
        offset += 16 + incl
        if linktype == 1:  # Ethernet (Linux loopback)
            frame = frame[14:]
        elif linktype == 113:  # Linux cooked capture
            frame = frame[16:]
        ihl = (frame[0] & 0x0F) * 4
        total = struct.unpack("!H", frame[2:4])[0]
        src, dst = frame[12:16], frame[16:20]
        tcp = frame[ihl:total]
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        flags = tcp[13]
        payload = tcp[(tcp[12] >> 4) * 4:]
        packets.append(((src, sport), (dst, dport), seq, flags, payload))
    return packets


def connections(packets, server_port):
    """[(client_port, client_bytes, server_bytes)] in order of the first SYN."""
    streams, order = {}, []
    for src, dst, seq, flags, payload in packets:
        client = src if dst[1] == server_port else dst
        direction = "c" if dst[1] == server_port else "s"
        if client not in streams:
            streams[client] = {"c": {}, "s": {}}
            order.append(client)
        if payload:
            streams[client][direction].setdefault(seq, payload)
    result = []
    for client in order:
        parts = []
        for direction in "cs":
            segments = streams[client][direction]
            parts.append(b"".join(segments[seq] for seq in sorted(segments)))
        result.append((client[1], parts[0], parts[1]))
    return result


def split_client(data):
    messages, offset, startup = [], 0, True
    while offset < len(data):
        if startup:
            length, code = struct.unpack("!II", data[offset:offset + 8])
            messages.append(("startup", code, data[offset:offset + length]))
            offset += length
            if code not in (SSL, GSSENC):
                startup = False
        else:
            length = struct.unpack("!I", data[offset + 1:offset + 5])[0]
            messages.append((chr(data[offset]), None, data[offset:offset + 1 + length]))
            offset += 1 + length
    return messages


def split_server(data, client_messages):
    messages, offset = [], 0
    # One unframed answer byte for each SSLRequest/GSSENCRequest the client sent.
    for kind, code, _ in client_messages:
        if kind == "startup" and code in (SSL, GSSENC) and offset < len(data):
            messages.append(("answer", None, data[offset:offset + 1]))
            offset += 1
    while offset < len(data):
        length = struct.unpack("!I", data[offset + 1:offset + 5])[0]
        messages.append((chr(data[offset]), None, data[offset:offset + 1 + length]))
        offset += 1 + length
    return messages


def session(path, port=21158):
    result = []
    for client_port, client, server in connections(read_pcap(path), port):
        frontend = split_client(client)
        result.append((client_port, frontend, split_server(server, frontend)))
    return result


def hexlines(data, width=16):
    return [" ".join(f"{b:02x}" for b in data[i:i + width]) for i in range(0, len(data), width)]


def list_pcap(path):
    for index, (client_port, frontend, backend) in enumerate(session(path)):
        print(f"== connection {index} (client port {client_port})")
        for name, messages in (("F", frontend), ("B", backend)):
            for number, (kind, code, raw) in enumerate(messages):
                shown = raw[:120]
                print(f"{name}{number:3} {kind:8} {code or '':10} {len(raw):5} {shown!r}")


SERVER = "PostgreSQL 15.18 (Debian 15.18-0+deb12u1), ssl off, lc_messages C"
CLIENTS = {
    "psql": "psql 15.18 (libpq 15.18)",
    "pgbench": "pgbench 15.18 (libpq 15.18)",
    "psycopg": "psycopg 3.3.9 over its bundled libpq (PQlibVersion 180006)",
    "raw": "a Python socket client (capture/scenarios.py) whose packets are built by hand from the\n"
           "#   protocol documentation; the server's replies in the same capture show it accepted them",
    "recvlogical": "pg_recvlogical 15.18 (libpq 15.18)",
}

# name: (title, scenario, connection, direction F/B, message index, expected kind)
SELECTION = {
    "frontend-startup-message": ("StartupMessage, five parameters", "psql-simple", 0, "F", 0, "startup"),
    "frontend-startup-message-protocol-3.2": ("StartupMessage asking for protocol 3.2", "psycopg-negotiate", 0, "F", 0, "startup"),
    "frontend-startup-message-pq-option": ("StartupMessage, protocol 3.2 with a _pq_ option", "raw-negotiate-option", 0, "F", 0, "startup"),
    "frontend-ssl-request": ("SSLRequest (sslmode=prefer)", "psql-sslprefer", 0, "F", 0, "startup"),
    "frontend-gssenc-request": ("GSSENCRequest", "raw-gssenc", 0, "F", 0, "startup"),
    "frontend-cancel-request": ("CancelRequest for backend-key-data.hex's session", "psycopg-cancel", 1, "F", 0, "startup"),
    "frontend-query": ("Query", "psql-simple", 0, "F", 1, "Q"),
    "frontend-query-empty": ("Query with an empty string", "psycopg-extended", 0, "F", 22, "Q"),
    "frontend-parse": ("Parse, unnamed statement, no parameter types", "pgbench-extended", 1, "F", 2, "P"),
    "frontend-parse-named": ("Parse, named statement, one parameter type", "psycopg-extended", 0, "F", 6, "P"),
    "frontend-parse-three-types": ("Parse, unnamed statement, three parameter types", "psycopg-extended", 0, "F", 1, "P"),
    "frontend-bind": ("Bind, unnamed portal and statement, one text parameter", "pgbench-extended", 1, "F", 3, "B"),
    "frontend-bind-named-statement": ("Bind to the named statement P_0", "pgbench-prepared", 1, "F", 4, "B"),
    "frontend-bind-binary-null": ("Bind with binary parameters, a NULL and a binary result", "psycopg-extended", 0, "F", 2, "B"),
    "frontend-describe-portal": ("Describe portal", "pgbench-extended", 1, "F", 4, "D"),
    "frontend-describe-statement": ("Describe statement", "psycopg-extended", 0, "F", 8, "D"),
    "frontend-execute": ("Execute, no row limit", "pgbench-extended", 1, "F", 5, "E"),
    "frontend-execute-max-rows": ("Execute with a row limit of 2", "raw-portal-suspended", 0, "F", 4, "E"),
    "frontend-close-statement": ("Close statement", "psycopg-extended", 0, "F", 18, "C"),
    "frontend-close-portal": ("Close portal", "psycopg-extended", 0, "F", 20, "C"),
    "frontend-sync": ("Sync", "pgbench-extended", 1, "F", 6, "S"),
    "frontend-flush": ("Flush", "psycopg-extended", 0, "F", 27, "H"),
    "frontend-terminate": ("Terminate", "psql-simple", 0, "F", 10, "X"),
    "frontend-copy-data": ("CopyData (COPY FROM STDIN)", "psql-copy", 0, "F", 3, "d"),
    "frontend-copy-done": ("CopyDone", "psql-copy", 0, "F", 4, "c"),
    "frontend-copy-fail": ("CopyFail", "psycopg-extended", 0, "F", 30, "f"),
    "frontend-password-cleartext": ("PasswordMessage, cleartext (password 'clear-secret')", "psql-cleartext", 0, "F", 1, "p"),
    "frontend-password-md5": ("PasswordMessage, md5", "psql-md5", 0, "F", 1, "p"),
    "frontend-sasl-initial-response": ("SASLInitialResponse (SCRAM-SHA-256 client-first-message)", "psql-scram", 0, "F", 1, "p"),
    "frontend-sasl-response": ("SASLResponse (SCRAM-SHA-256 client-final-message)", "psql-scram", 0, "F", 2, "p"),
    "frontend-function-call": ("FunctionCall lowrite(fd, bytea) from \\lo_import", "psql-lo-import", 0, "F", 5, "F"),
    "backend-authentication-ok": ("AuthenticationOk", "psql-simple", 0, "B", 0, "R"),
    "backend-authentication-cleartext-password": ("AuthenticationCleartextPassword", "psql-cleartext", 0, "B", 0, "R"),
    "backend-authentication-md5-password": ("AuthenticationMD5Password", "psql-md5", 0, "B", 0, "R"),
    "backend-authentication-gss": ("AuthenticationGSS", "psql-gss", 0, "B", 0, "R"),
    "backend-authentication-sasl": ("AuthenticationSASL", "psql-scram", 0, "B", 0, "R"),
    "backend-authentication-sasl-continue": ("AuthenticationSASLContinue", "psql-scram", 0, "B", 1, "R"),
    "backend-authentication-sasl-final": ("AuthenticationSASLFinal", "psql-scram", 0, "B", 2, "R"),
    "backend-parameter-status": ("ParameterStatus server_version", "psql-simple", 0, "B", 10, "S"),
    "backend-key-data": ("BackendKeyData", "psycopg-cancel", 0, "B", 14, "K"),
    "backend-ready-for-query-idle": ("ReadyForQuery, idle", "psql-simple", 0, "B", 15, "Z"),
    "backend-ready-for-query-in-transaction": ("ReadyForQuery, in a transaction block", "psql-simple", 0, "B", 32, "Z"),
    "backend-ready-for-query-failed": ("ReadyForQuery, in a failed transaction block", "psql-simple", 0, "B", 38, "Z"),
    "backend-row-description": ("RowDescription, three table columns", "psql-simple", 0, "B", 16, "T"),
    "backend-row-description-binary": ("RowDescription, binary result formats", "psycopg-extended", 0, "B", 18, "T"),
    "backend-data-row": ("DataRow with a NULL", "psql-simple", 0, "B", 18, "D"),
    "backend-data-row-binary": ("DataRow, binary values and a NULL", "psycopg-extended", 0, "B", 19, "D"),
    "backend-command-complete": ("CommandComplete SELECT 2", "psql-simple", 0, "B", 19, "C"),
    "backend-command-complete-insert": ("CommandComplete INSERT 0 1", "recvlogical", 1, "B", 17, "C"),
    "backend-error-response": ("ErrorResponse, division by zero", "psql-simple", 0, "B", 21, "E"),
    "backend-error-response-fatal": ("ErrorResponse, FATAL password authentication failed", "psql-md5-wrong", 0, "B", 1, "E"),
    "backend-notice-response": ("NoticeResponse from RAISE NOTICE", "psql-simple", 0, "B", 23, "N"),
    "backend-notification-response": ("NotificationResponse from NOTIFY to the same session", "psql-simple", 0, "B", 29, "A"),
    "backend-negotiate-protocol-version": ("NegotiateProtocolVersion, no options", "psycopg-negotiate", 0, "B", 0, "v"),
    "backend-negotiate-protocol-version-option": ("NegotiateProtocolVersion, one unrecognized option", "raw-negotiate-option", 0, "B", 0, "v"),
    "backend-parameter-description": ("ParameterDescription, one int4", "psycopg-extended", 0, "B", 24, "t"),
    "backend-parameter-description-empty": ("ParameterDescription, no parameters", "psycopg-extended", 0, "B", 29, "t"),
    "backend-function-call-response": ("FunctionCallResponse of lowrite (18 bytes written)", "psql-lo-import", 0, "B", 38, "V"),
    "backend-copy-in-response": ("CopyInResponse, text, two columns", "psql-copy", 0, "B", 18, "G"),
    "backend-copy-out-response": ("CopyOutResponse, text, two columns", "psql-copy", 0, "B", 21, "H"),
    "backend-copy-out-response-binary": ("CopyOutResponse, binary, two columns", "psql-copy", 0, "B", 27, "H"),
    "backend-copy-both-response": ("CopyBothResponse (START_REPLICATION)", "recvlogical", 0, "B", 29, "W"),
    "backend-copy-data": ("CopyData (COPY TO STDOUT)", "psql-copy", 0, "B", 22, "d"),
    "backend-copy-done": ("CopyDone", "psql-copy", 0, "B", 24, "c"),
    "backend-parse-complete": ("ParseComplete", "pgbench-extended", 1, "B", 17, "1"),
    "backend-bind-complete": ("BindComplete", "pgbench-extended", 1, "B", 18, "2"),
    "backend-close-complete": ("CloseComplete", "psycopg-extended", 0, "B", 37, "3"),
    "backend-no-data": ("NoData", "psycopg-extended", 0, "B", 30, "n"),
    "backend-empty-query-response": ("EmptyQueryResponse", "psycopg-extended", 0, "B", 41, "I"),
    "backend-portal-suspended": ("PortalSuspended", "raw-portal-suspended", 0, "B", 21, "s"),
}

# name: (title, scenario, connection); both directions are written.
STREAMS = {
    "session-psql-simple": ("psql: trust, simple queries, an error, a notice, LISTEN/NOTIFY, a failed transaction", "psql-simple", 0),
    "session-psql-scram": ("psql: SCRAM-SHA-256 authentication and one query", "psql-scram", 0),
    "session-psql-copy": ("psql: COPY FROM STDIN, COPY TO STDOUT text and binary", "psql-copy", 0),
    "session-psql-lo-import": ("psql: \\lo_import, fast-path FunctionCall", "psql-lo-import", 0),
    "session-pgbench-prepared": ("pgbench -M prepared -S -t 2, after an SSLRequest", "pgbench-prepared", 1),
    "session-psycopg-extended": ("psycopg: extended protocol, pipeline with Flush, CopyFail", "psycopg-extended", 0),
    "session-recvlogical": ("pg_recvlogical: replication connection, CopyBoth", "recvlogical", 0),
}


def client_of(scenario, connection):
    if scenario == "recvlogical" and connection == 1:
        return CLIENTS["psql"]
    return CLIENTS[scenario.split("-")[0]]


def header(title, scenario, connection, where):
    return [
        f"# {title}",
        f"# Captured with tcpdump on 127.0.0.1 from {SERVER}.",
        f"# Client: {client_of(scenario, connection)}.",
        f"# Scenario {scenario} (capture/capture.sh), connection {connection}, {where}.",
        "# Hex, whitespace-insensitive; lines starting with # are comments.",
    ]


def check_many_parameters(capdir):
    """The 32768-parameter messages are too large to keep as hex; check they match the pattern
    the Swift tests rebuild (ProtocolCountTests)."""
    _, frontend, backend = session(os.path.join(capdir, "psycopg-many-parameters.pcap"))[0]
    bind = frontend[2][2]
    expected = (b"B" + struct.pack("!I", 4 + 2 + 2 + 2 + 32768 * 5 + 4) + b"\0\0" + struct.pack("!hH", 0, 32768)
                + (struct.pack("!i", 1) + b"1") * 32768 + struct.pack("!hh", 1, 0))
    assert bind == expected, "Bind with 32768 parameters differs from the documented pattern"
    description = backend[24][2]
    expected = b"t" + struct.pack("!IH", 4 + 2 + 32768 * 4, 32768) + struct.pack("!I", 23) * 32768
    assert description == expected, "ParameterDescription with 32768 types differs from the pattern"
    return backend[16:22]


def write_fixtures(capdir, outdir):
    cache = {}

    def load(scenario):
        if scenario not in cache:
            cache[scenario] = session(os.path.join(capdir, scenario + ".pcap"))
        return cache[scenario]

    for name, (title, scenario, connection, direction, index, kind) in SELECTION.items():
        _, frontend, backend = load(scenario)[connection]
        got_kind, _, raw = (frontend if direction == "F" else backend)[index]
        assert got_kind == kind, f"{name}: expected {kind}, found {got_kind}"
        where = ("frontend" if direction == "F" else "backend") + f" message {index}"
        lines = header(title, scenario, connection, where) + hexlines(raw)
        with open(os.path.join(outdir, name + ".hex"), "w") as f:
            f.write("\n".join(lines) + "\n")

    for name, (title, scenario, connection) in STREAMS.items():
        _, frontend, backend = load(scenario)[connection]
        for suffix, direction, messages in ((".frontend", "frontend", frontend), (".backend", "backend", backend)):
            lines = header(title, scenario, connection, f"every {direction} message in order")
            answers = [raw for kind, _, raw in messages if kind == "answer"]
            if answers:
                lines.append("# The unframed one-byte answer to the SSLRequest ("
                             + ", ".join(repr(a.decode()) for a in answers) + ") is left out.")
            for number, (kind, _, raw) in enumerate(messages):
                if kind == "answer":
                    continue
                lines.append(f"# {direction[0].upper()}{number} {kind}")
                lines.extend(hexlines(raw))
            with open(os.path.join(outdir, name + suffix + ".hex"), "w") as f:
                f.write("\n".join(lines) + "\n")

    reply = check_many_parameters(capdir)
    lines = header("Reply to a Parse/Bind/Describe/Execute/Sync with 32768 parameters",
                   "psycopg-many-parameters", 0, "backend messages 16-21")
    lines.insert(1, "# The Bind's parameter count was 0x8000; PostgreSQL accepted it (counts are unsigned).")
    for number, (kind, _, raw) in enumerate(reply, start=16):
        lines.append(f"# B{number} {kind}")
        lines.extend(hexlines(raw))
    with open(os.path.join(outdir, "backend-many-parameters-reply.hex"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "list":
        list_pcap(sys.argv[2])
    else:
        write_fixtures(sys.argv[2], sys.argv[3])
