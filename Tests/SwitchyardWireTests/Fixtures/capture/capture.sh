#!/usr/bin/env bash
# Purpose: records real PostgreSQL 15 / libpq traffic on loopback into one pcap per scenario.
#
# Usage (as root, Debian with postgresql-15, psql, pgbench, tcpdump and `pip install psycopg[binary]`):
#   capture.sh OUTDIR [PORT]
# Starts a throwaway PostgreSQL 15 server as the postgres user (ssl off, wal_level logical),
# runs each client scenario under its own tcpdump, then stops tcpdump and the server.
# extract.py turns the pcaps into the .hex fixtures.
set -euo pipefail
OUT=$(realpath "$1"); PORT=${2:-21158}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=/usr/lib/postgresql/15/bin
PGROOT=$(mktemp -d /tmp/switchyard-capture.XXXXXX)
mkdir -p "$OUT"; chown postgres:postgres "$PGROOT"
TCPDUMP_PID=""

cleanup() {
    if [ -n "$TCPDUMP_PID" ]; then kill -INT "$TCPDUMP_PID" 2>/dev/null || true; wait "$TCPDUMP_PID" 2>/dev/null || true; fi
    runuser -u postgres -- "$BIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PGROOT"
}
trap cleanup EXIT

runuser -u postgres -- "$BIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> "$PGROOT/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGROOT'
ssl = off
wal_level = logical
max_replication_slots = 4
max_wal_senders = 4
lc_messages = 'C'
CONF
cat > "$PGROOT/data/pg_hba.conf" <<HBA
host all scram_user 127.0.0.1/32 scram-sha-256
host all md5_user 127.0.0.1/32 md5
host all clear_user 127.0.0.1/32 password
host all gss_user 127.0.0.1/32 gss
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
local all all trust
HBA
runuser -u postgres -- "$BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w start >/dev/null

PSQL="psql -X -q"
CONN="host=127.0.0.1 port=$PORT dbname=wire sslmode=disable gssencmode=disable"
$PSQL "host=127.0.0.1 port=$PORT dbname=postgres user=postgres" -v ON_ERROR_STOP=1 <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE scram_user LOGIN PASSWORD 'scram-secret';
SET password_encryption = 'md5';
CREATE ROLE md5_user LOGIN PASSWORD 'md5-secret';
CREATE ROLE clear_user LOGIN PASSWORD 'clear-secret';
CREATE ROLE gss_user LOGIN;
CREATE DATABASE wire;
SQL
$PSQL "$CONN user=postgres" -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, name text, price numeric);
INSERT INTO items VALUES (1, 'apple', 1.25), (2, 'pear', NULL);
GRANT ALL ON items TO scram_user, md5_user, clear_user;
SQL
pgbench -h 127.0.0.1 -p "$PORT" -U postgres -i -s 1 -q wire >/dev/null 2>&1
printf 'large object body\n' > "$OUT/lo.txt"

# record NAME COMMAND...: run one scenario under its own tcpdump.
record() {
    local name=$1; shift
    tcpdump -i lo --immediate-mode -U -s 0 -w "$OUT/$name.pcap" "tcp port $PORT" 2>"$OUT/$name.tcpdump.log" &
    TCPDUMP_PID=$!
    until grep -qs "listening on" "$OUT/$name.tcpdump.log"; do sleep 0.1; done
    sleep 1  # the filter is attached a moment after tcpdump reports it is listening
    "$@" >"$OUT/$name.out" 2>&1 || echo "scenario $name exited with $?" >>"$OUT/$name.out"
    sleep 0.5
    kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=""
}

record psql-simple env PGOPTIONS="-c search_path=public" \
    $PSQL "$CONN user=postgres application_name=fixtures client_encoding=UTF8" <<'SQL'
SELECT id, name, price FROM items ORDER BY id;
SELECT 1/0;
DO $$ BEGIN RAISE NOTICE 'x'; END $$;
LISTEN wire_channel;
NOTIFY wire_channel, 'hello';
BEGIN;
SELECT 1 AS one;
SELECT 1/0;
ROLLBACK;
SQL
record psql-copy $PSQL "$CONN user=postgres" <<'SQL'
CREATE TEMP TABLE t (a int, b text);
COPY t FROM STDIN;
1	one
2	\N
\.
COPY t TO STDOUT;
COPY t TO STDOUT (FORMAT binary);
SQL
record psql-lo-import $PSQL "$CONN user=postgres" -c "\\lo_import $OUT/lo.txt"
record psql-scram env PGPASSWORD=scram-secret $PSQL "$CONN user=scram_user" -c "SELECT current_user"
record psql-md5 env PGPASSWORD=md5-secret $PSQL "$CONN user=md5_user" -c "SELECT current_user"
record psql-cleartext env PGPASSWORD=clear-secret $PSQL "$CONN user=clear_user" -c "SELECT current_user"
record psql-md5-wrong env PGPASSWORD=wrong $PSQL "$CONN user=md5_user" -c "SELECT 1"
record psql-gss $PSQL "$CONN user=gss_user" -c "SELECT 1"
record psql-sslprefer $PSQL "host=127.0.0.1 port=$PORT dbname=wire user=postgres sslmode=prefer gssencmode=disable" -c "SELECT 1"
record pgbench-extended pgbench -h 127.0.0.1 -p "$PORT" -U postgres -n -S -M extended -t 2 -c 1 wire
record pgbench-prepared pgbench -h 127.0.0.1 -p "$PORT" -U postgres -n -S -M prepared -t 2 -c 1 wire
for scenario in psycopg-extended psycopg-cancel psycopg-negotiate psycopg-many-parameters raw-gssenc raw-negotiate-option raw-portal-suspended; do
    record "$scenario" python3 "$HERE/scenarios.py" "$scenario" "$PORT"
done
pg_recvlogical -h 127.0.0.1 -p "$PORT" -U postgres -d wire --slot wire_slot --create-slot -P test_decoding
record recvlogical bash -c "
    pg_recvlogical -h 127.0.0.1 -p $PORT -U postgres -d wire --slot wire_slot --start -f - -s 1 &
    pid=\$!; sleep 1
    psql -X -q 'host=127.0.0.1 port=$PORT dbname=wire user=postgres' -c \"INSERT INTO items VALUES (3, 'fig', 2)\"
    sleep 2; kill -INT \$pid; wait \$pid"
pg_recvlogical -h 127.0.0.1 -p "$PORT" -U postgres -d wire --slot wire_slot --drop-slot
echo "captured into $OUT"
