#!/usr/bin/env bash
# classifier-pghash-check.sh: checks pg_hash placement against a real PostgreSQL 15.
#
# Starts a throwaway PostgreSQL (as the postgres user when run as root) on 127.0.0.1 and a free
# port, loads ~6,000 random bigint and text keys (negative, zero, extremes, empty, non-ASCII)
# into tables PARTITION BY HASH with MODULUS 2, 3 and 7, and compares each row's partition
# (REMAINDER) with PostgresHash. Stops the server on exit, also after failures.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
WORK=$(mktemp -d /tmp/switchyard-pghash.XXXXXX)
chmod 755 "$WORK"
RUN=()
if [ "$(id -u)" = 0 ]; then
    RUN=(runuser -u postgres --)
    chown postgres "$WORK"
fi
stop() {
    if [ -f "$WORK/data/postmaster.pid" ]; then
        "${RUN[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap stop EXIT

# One module: `import SwitchyardSQL` lines are dropped.
mkdir "$WORK/src"
for file in $(find "$ROOT/Sources/SwitchyardSQL" "$ROOT/Sources/SwitchyardRouting" -name '*.swift'); do
    sed '/^import SwitchyardSQL$/d' "$file" > "$WORK/src/$(echo "${file#$ROOT/}" | tr '/' '_')"
done
swiftc -O -parse-as-library -package-name switchyard -module-name PGHashCheck \
    "$WORK"/src/*.swift "$ROOT/benchmarks/classifier-pghash-check.swift" -o "$WORK/check"
"$WORK/check" generate "$WORK"

PORT=
for _ in $(seq 1 50); do
    candidate=$((20000 + RANDOM % 10000))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$candidate) 2>/dev/null; then PORT=$candidate; break; fi
done
[ -n "$PORT" ] || { echo "no free port"; exit 1; }

"${RUN[@]}" "$PGBIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
    -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null

{
    echo "CREATE TABLE keys_bigint (k bigint); CREATE TABLE keys_text (h text);"
    echo "\\copy keys_bigint FROM '$WORK/bigint.txt'"
    echo "\\copy keys_text FROM '$WORK/text.txt'"
    bigint_union=() ; text_union=()
    for m in 2 3 7; do
        echo "CREATE TABLE hb_$m (k bigint) PARTITION BY HASH (k);"
        echo "CREATE TABLE ht_$m (k text) PARTITION BY HASH (k);"
        for r in $(seq 0 $((m - 1))); do
            echo "CREATE TABLE hb_${m}_$r PARTITION OF hb_$m FOR VALUES WITH (MODULUS $m, REMAINDER $r);"
            echo "CREATE TABLE ht_${m}_$r PARTITION OF ht_$m FOR VALUES WITH (MODULUS $m, REMAINDER $r);"
        done
        echo "INSERT INTO hb_$m SELECT k FROM keys_bigint;"
        echo "INSERT INTO ht_$m SELECT convert_from(decode(h, 'hex'), 'UTF8') FROM keys_text;"
        bigint_union+=("SELECT k, $m, split_part(tableoid::regclass::text, '_', 3) FROM hb_$m")
        text_union+=("SELECT encode(convert_to(k, 'UTF8'), 'hex'), $m, split_part(tableoid::regclass::text, '_', 3) FROM ht_$m")
    done
    joined=$(printf ' UNION ALL %s' "${bigint_union[@]}"); echo "\\copy (${joined# UNION ALL }) TO '$WORK/bigint-result.txt'"
    joined=$(printf ' UNION ALL %s' "${text_union[@]}"); echo "\\copy (${joined# UNION ALL }) TO '$WORK/text-result.txt'"
} > "$WORK/load.sql"
psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -f "$WORK/load.sql"
"$PGBIN/postgres" --version
"$WORK/check" verify "$WORK"
