// DriverScripts: the client programs DriverCompatibilityTests runs (Python with asyncpg and
// psycopg 3, Java with the JDBC driver); each checks its own answers and prints a summary.

enum DriverScripts {
    /// asyncpg: `argv[2]` tasks, each with its own connection, run `argv[3]` queries each. asyncpg
    /// prepares every statement (named, cached per connection). Queries cycle through three
    /// parameterized reads and an INSERT-then-SELECT transaction. Prints one JSON object:
    /// `queries`, `errors`, `wrong` (answers that differ from the expected), `samples` (the first
    /// few problems), `unfinished` (tasks still running after `argv[4]` seconds, and where).
    /// `argv[5]`, when given, lists the query kinds to cycle through (digits 0-3; all by default).
    static let asyncpg = #"""
        import asyncio, json, os, sys
        import asyncpg

        dsn, tasks, per_task, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        summary = {"queries": 0, "errors": 0, "wrong": 0, "samples": [], "unfinished": []}
        progress = {}
        kinds = [int(k) for k in (sys.argv[5] if len(sys.argv) > 5 else "0123")]

        def problem(kind, text):
            summary[kind] += 1
            if len(summary["samples"]) < 10:
                summary["samples"].append(text)

        async def task(index):
            progress[index] = "login"
            conn = await asyncpg.connect(dsn)
            try:
                for i in range(per_task):
                    progress[index] = i
                    try:
                        kind = kinds[i % len(kinds)]
                        if kind == 0:
                            got, want = await conn.fetchval("SELECT $1::int * 2", i), i * 2
                        elif kind == 1:
                            got = await conn.fetchval("SELECT $1::text || '-' || $2::text", str(index), str(i))
                            want = f"{index}-{i}"
                        elif kind == 2:
                            row = await conn.fetchrow(
                                "SELECT count(*)::int AS n, sum(x)::int AS s FROM generate_series(1, $1::int) AS x", i + 1)
                            got, want = (row["n"], row["s"]), (i + 1, (i + 1) * (i + 2) // 2)
                        else:
                            async with conn.transaction():
                                new_id = await conn.fetchval(
                                    "INSERT INTO async_items (task, n) VALUES ($1, $2) RETURNING id", index, i)
                                got = await conn.fetchrow("SELECT task, n FROM async_items WHERE id = $1", new_id)
                                got, want = (got["task"], got["n"]), (index, i)
                        summary["queries"] += 1
                        if got != want:
                            problem("wrong", f"task {index} query {i}: got {got!r}, want {want!r}")
                    except Exception as error:
                        summary["queries"] += 1
                        problem("errors", f"task {index} query {i}: {type(error).__name__}: {error}")
                progress.pop(index, None)
            finally:
                await conn.close()

        async def main():
            running = [asyncio.create_task(task(index)) for index in range(tasks)]
            _, pending = await asyncio.wait(running, timeout=limit)
            if pending:
                # Stuck connections may not even close: report and leave at once.
                summary["unfinished"] = sorted(f"task {t} at query {i}" for t, i in progress.items())
                print(json.dumps(summary), flush=True)
                os._exit(0)

        asyncio.run(main())
        print(json.dumps(summary))
        """#

    /// psycopg 3 with every statement prepared (`prepare_threshold=0`): reads, a read-only
    /// pipeline, a pipeline with writes and reads, a transaction, and a pipeline that fails in a
    /// transaction. Prints one JSON object of rows (lists of strings), the last column of a row
    /// being `inet_server_port()` where there is one.
    static let psycopg = #"""
        import json, sys
        import psycopg
        from psycopg import errors

        conninfo = sys.argv[1]
        out = {}
        def rows(*values):
            return [[str(v) for v in row] for row in values]

        with psycopg.connect(conninfo, prepare_threshold=0, autocommit=True) as conn:
            out["reads"] = rows(*(conn.execute("SELECT %s::int * 3, inet_server_port()", (i,)).fetchone()
                                  for i in range(6)))
            with conn.pipeline():
                cursors = [conn.execute("SELECT %s::text, inet_server_port()", (f"r{i}",)) for i in range(4)]
            out["pipeline_read"] = rows(*(c.fetchone() for c in cursors))
            with conn.pipeline():
                first = conn.execute("INSERT INTO pg3_items VALUES (%s, %s) RETURNING inet_server_port()", (1, "one"))
                conn.execute("INSERT INTO pg3_items VALUES (%s, %s)", (2, "two"))
                third = conn.execute("SELECT note, inet_server_port() FROM pg3_items WHERE id = %s", (2,))
                fourth = conn.execute("UPDATE pg3_items SET note = note || %s WHERE id = %s RETURNING note", ("!", 1))
            out["pipeline_write"] = rows(first.fetchone(), third.fetchone(), fourth.fetchone())

        with psycopg.connect(conninfo, prepare_threshold=0) as conn:
            conn.execute("INSERT INTO pg3_items VALUES (%s, %s)", (3, "three"))
            out["transaction"] = rows(
                conn.execute("SELECT note, inet_server_port() FROM pg3_items WHERE id = %s", (3,)).fetchone())
            conn.commit()
            try:
                with conn.pipeline():
                    conn.execute("INSERT INTO pg3_items VALUES (%s, %s)", (4, "four"))
                    conn.execute("INSERT INTO pg3_items VALUES (%s, %s)", (1, "duplicate"))
            except errors.UniqueViolation as error:
                out["duplicate"] = rows([error.sqlstate])
            conn.rollback()
            out["after_rollback"] = rows(
                conn.execute("SELECT count(*) FROM pg3_items WHERE id = %s", (4,)).fetchone())
            conn.commit()
        print(json.dumps(out, sort_keys=True))
        """#

    /// A JDBC program (single-file source launch): `java -cp postgresql.jar SplitProbe.java URL
    /// USER PASSWORD MODE`. Prints `|`-separated lines; `done` at the end.
    ///
    /// - `main`: prepared reads (`read|value|port`), prepared inserts in autocommit
    ///   (`insert|id|port`), a committed transaction (`transaction|note|port|port`,
    ///   `committed|note`) and a rolled-back one (`rolled_back|count`).
    /// - `readonly`: three read-only transactions (`readonly|port|port`).
    static let jdbc = #"""
        import java.sql.*;

        public class SplitProbe {
            public static void main(String[] args) throws Exception {
                try (Connection c = DriverManager.getConnection(args[0], args[1], args[2])) {
                    if (args[3].equals("readonly")) readOnly(c); else main(c);
                }
                System.out.println("done");
            }

            static void main(Connection c) throws SQLException {
                try (PreparedStatement p = c.prepareStatement("SELECT ?::int * 2, inet_server_port()")) {
                    for (int i = 0; i < 8; i++) {
                        p.setInt(1, i);
                        try (ResultSet r = p.executeQuery()) {
                            r.next();
                            System.out.println("read|" + r.getInt(1) + "|" + r.getInt(2));
                        }
                    }
                }
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO jdbc_items (id, note) VALUES (?, ?) RETURNING id, inet_server_port()")) {
                    for (int i = 0; i < 4; i++) {
                        p.setInt(1, i);
                        p.setString(2, "n" + i);
                        try (ResultSet r = p.executeQuery()) {
                            r.next();
                            System.out.println("insert|" + r.getInt(1) + "|" + r.getInt(2));
                        }
                    }
                }
                c.setAutoCommit(false);
                try (PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO jdbc_items (id, note) VALUES (?, ?) RETURNING inet_server_port()");
                     PreparedStatement select = c.prepareStatement(
                        "SELECT note, inet_server_port() FROM jdbc_items WHERE id = ?");
                     PreparedStatement update = c.prepareStatement(
                        "UPDATE jdbc_items SET note = note || '!' WHERE id = ?")) {
                    insert.setInt(1, 100);
                    insert.setString(2, "hundred");
                    int insertPort;
                    try (ResultSet r = insert.executeQuery()) { r.next(); insertPort = r.getInt(1); }
                    select.setInt(1, 100);
                    try (ResultSet r = select.executeQuery()) {
                        r.next();
                        System.out.println("transaction|" + r.getString(1) + "|" + insertPort + "|" + r.getInt(2));
                    }
                    update.setInt(1, 100);
                    update.executeUpdate();
                    c.commit();
                    insert.setInt(1, 101);
                    insert.setString(2, "gone");
                    insert.executeQuery().close();
                    c.rollback();
                }
                c.setAutoCommit(true);
                try (PreparedStatement p = c.prepareStatement(
                        "/* switchyard: primary */ SELECT note FROM jdbc_items WHERE id = ?")) {
                    p.setInt(1, 100);
                    try (ResultSet r = p.executeQuery()) { r.next(); System.out.println("committed|" + r.getString(1)); }
                }
                try (PreparedStatement p = c.prepareStatement(
                        "/* switchyard: primary */ SELECT count(*) FROM jdbc_items WHERE id = ?")) {
                    p.setInt(1, 101);
                    try (ResultSet r = p.executeQuery()) { r.next(); System.out.println("rolled_back|" + r.getInt(1)); }
                }
            }

            static void readOnly(Connection c) throws SQLException {
                c.setReadOnly(true);
                c.setAutoCommit(false);
                try (PreparedStatement p = c.prepareStatement("SELECT inet_server_port()")) {
                    for (int t = 0; t < 3; t++) {
                        int first, second;
                        try (ResultSet r = p.executeQuery()) { r.next(); first = r.getInt(1); }
                        try (ResultSet r = p.executeQuery()) { r.next(); second = r.getInt(1); }
                        c.commit();
                        System.out.println("readonly|" + first + "|" + second);
                    }
                }
            }
        }
        """#
}
