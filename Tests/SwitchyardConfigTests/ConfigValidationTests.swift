// ConfigValidationTests: invalid files give exactly the expected `FILE:LINE: message` lines.
import SwitchyardConfig
import Testing

/// One invalid file and the exact lines `switchyard check` must print for it. Line numbers are
/// counted by hand from the fixture text (line 1 is the first line of the literal).
struct InvalidConfigCase: CustomTestStringConvertible, Sendable {
    var name: String
    var text: String
    var expected: [String]

    var testDescription: String { self.name }
}

@Suite struct ConfigValidationTests {
    static let cases: [InvalidConfigCase] = [
        InvalidConfigCase(
            name: "unknown key written as a dotted key",
            text: """
                proxy.pool_sise = 3
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "main"
                """,
            expected: [#"t.toml:1: unknown key "pool_sise" in [proxy]"#]
        ),
        InvalidConfigCase(
            name: "unknown key in the second element of an array of tables",
            text: """
                [health]
                user = "m"

                [clusters.main]
                [[clusters.main.servers]]
                host = "a"
                [[clusters.main.servers]]
                host = "b"
                prot = 5432

                [databases.app]
                cluster = "main"
                """,
            expected: [#"t.toml:9: unknown key "prot" in [[clusters.main.servers]]"#]
        ),
        InvalidConfigCase(
            name: "unknown keys at the top, in a sub-table and in inline tables",
            text: """
                colour = "blue"
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }, { host = "h2", prot = 1 }]
                [clusters.main.extra]
                x = 1
                [databases.app]
                cluster = "main"
                routes = [
                  { tables = ["a"], cluster = "main" },
                  { tables = ["b"], clusterr = "main" },
                ]
                """,
            expected: [
                #"t.toml:1: unknown key "colour""#,
                #"t.toml:5: unknown key "prot" in [[clusters.main.servers]]"#,
                #"t.toml:6: unknown key "extra" in [clusters.main]"#,
                #"t.toml:12: missing key "cluster" in [[databases.app.routes]]"#,
                #"t.toml:12: unknown key "clusterr" in [[databases.app.routes]]"#,
            ]
        ),
        InvalidConfigCase(
            name: "values of the wrong type",
            text: """
                [proxy]
                workers = "4"
                max_message_bytes = 1.5
                [health]
                user = "m"
                interval_ms = true
                [clusters.main]
                servers = [{ host = "h", port = "5432" }]
                [databases.app]
                cluster = "main"
                write_functions = ["f", 2]
                """,
            expected: [
                #"t.toml:2: "workers" must be an integer, not a string"#,
                #"t.toml:3: "max_message_bytes" must be an integer, not a float"#,
                #"t.toml:6: "interval_ms" must be an integer, not a boolean"#,
                #"t.toml:8: "port" must be an integer, not a string"#,
                #"t.toml:11: "write_functions[1]" must be a string, not an integer"#,
            ]
        ),
        InvalidConfigCase(
            name: "tables and arrays of the wrong type",
            text: """
                users = "app"
                [health]
                user = "m"
                [clusters]
                main = 5
                [databases.app]
                cluster = "main"
                """,
            expected: [
                #"t.toml:1: "users" must be an array, not a string"#,
                #"t.toml:5: "main" must be a table, not an integer"#,
                #"t.toml:7: unknown cluster "main""#,
            ]
        ),
        InvalidConfigCase(
            name: "string choices",
            text: """
                [proxy]
                pool_mode = "sesion"
                server_tls = "verify-full"
                log_level = "warn"
                client_tls = "prefer"
                [health]
                user = "m"
                promote = "manual"
                [clusters.main]
                servers = [{ host = "h", role = "master" }]
                [databases.app]
                cluster = "main"
                load_balance = "roundrobin"
                primary_reads = "sometimes"
                read_after_write = "session"
                cross_cluster_transactions = "2pc"
                """,
            expected: [
                #"t.toml:2: invalid value "sesion" for "pool_mode": expected "transaction" or "session""#,
                #"t.toml:3: invalid value "verify-full" for "server_tls": expected one of "disable", "prefer", "require""#,
                #"t.toml:4: invalid value "warn" for "log_level": expected one of "debug", "info", "warning", "error""#,
                #"t.toml:5: invalid value "prefer" for "client_tls": expected one of "disable", "allow", "require""#,
                #"t.toml:8: invalid value "manual" for "promote": expected "external" or "auto""#,
                #"t.toml:10: invalid value "master" for "role": expected "primary" or "replica""#,
                #"t.toml:13: invalid value "roundrobin" for "load_balance": expected one of "round_robin", "least_connections", "random""#,
                #"t.toml:14: invalid value "sometimes" for "primary_reads": expected one of "never", "fallback", "always""#,
                #"t.toml:15: invalid value "session" for "read_after_write": expected one of "none", "window", "lsn""#,
                #"t.toml:16: invalid value "2pc" for "cross_cluster_transactions": expected "two_phase" or "error""#,
            ]
        ),
        InvalidConfigCase(
            name: "numbers out of range",
            text: """
                [proxy]
                workers = -1
                max_client_connections = 0
                query_wait_timeout_ms = -5
                max_message_bytes = 100
                [health]
                user = "m"
                failure_threshold = 0
                [clusters.main]
                pool_size = 0
                [[clusters.main.servers]]
                host = "h"
                port = 70000
                weight = -1
                [databases.app]
                cluster = "main"
                read_after_write_window_ms = -1
                """,
            expected: [
                #"t.toml:2: "workers" must be between 0 and 1024, not -1"#,
                #"t.toml:3: "max_client_connections" must be between 1 and 2147483647, not 0"#,
                #"t.toml:4: "query_wait_timeout_ms" must be between 0 and 2147483647, not -5"#,
                #"t.toml:5: "max_message_bytes" must be between 10000 and 1073741823, not 100"#,
                #"t.toml:8: "failure_threshold" must be between 1 and 2147483647, not 0"#,
                #"t.toml:10: "pool_size" must be between 1 and 262143, not 0"#,
                #"t.toml:13: "port" must be between 1 and 65535, not 70000"#,
                #"t.toml:14: "weight" must be between 0 and 2147483647, not -1"#,
                #"t.toml:17: "read_after_write_window_ms" must be between 0 and 2147483647, not -1"#,
            ]
        ),
        InvalidConfigCase(
            name: "min_pool_size above pool_size",
            text: """
                [health]
                user = "m"
                [clusters.main]
                pool_size = 5
                min_pool_size = 6
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "main"
                """,
            expected: [#"t.toml:5: "min_pool_size" (6) must not exceed "pool_size" (5)"#]
        ),
        InvalidConfigCase(
            name: "listen addresses",
            text: """
                [proxy]
                listen = "localhost:6432"
                admin_listen = "[::1]:99999"
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "main"
                """,
            expected: [
                #"t.toml:2: invalid address "localhost:6432" for "listen": expected "IPV4:PORT" or "[IPV6]:PORT""#,
                #"t.toml:3: invalid address "[::1]:99999" for "admin_listen": expected "IPV4:PORT" or "[IPV6]:PORT""#,
            ]
        ),
        InvalidConfigCase(
            name: "admin port on the client port",
            text: """
                [proxy]
                listen = "[::1]:6432"
                admin_listen = "[::1]:6432"
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "main"
                """,
            expected: [#"t.toml:3: "admin_listen" must differ from "listen" (both are "[::1]:6432")"#]
        ),
        InvalidConfigCase(
            name: "TLS files and modes",
            text: """
                [proxy]
                tls_cert_file = "/etc/cert.pem"
                client_tls = "require"
                [health]
                password = "orphan"
                [clusters.main]
                user = "svc"
                servers = [{ host = "h" }]
                [clusters.other]
                password = "x"
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "main"
                """,
            expected: [
                #"t.toml:2: "tls_cert_file" is set but "tls_key_file" is not: set both or neither"#,
                #"t.toml:3: client_tls = "require" needs "tls_cert_file" and "tls_key_file""#,
                #"t.toml:5: "password" is set but "user" is empty in [health]"#,
                #"t.toml:9: cluster "other" has no user for health checks: set "user" in [clusters.other] or in [health]"#,
                #"t.toml:10: "password" is set but "user" is empty in [clusters.other]"#,
            ]
        ),
        InvalidConfigCase(
            name: "users",
            text: """
                [[users]]
                name = "app"
                password = "md5abc"

                [[users]]
                name = "app"
                password = "x"

                [[users]]
                name = "bob"
                password = "SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB"

                [[users]]
                name = "carol"

                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "main"
                """,
            expected: [
                #"t.toml:3: invalid password for user "app": an md5 secret must be "md5" followed by 32 lower-case hexadecimal digits"#,
                #"t.toml:6: duplicate user "app""#,
                #"t.toml:11: invalid password for user "bob": malformed SCRAM-SHA-256 secret: StoredKey must be 32 bytes of base64"#,
                #"t.toml:13: missing key "password" in [[users]]"#,
            ]
        ),
        InvalidConfigCase(
            name: "servers of a cluster",
            text: """
                [clusters.main]
                user = "svc"
                [[clusters.main.servers]]
                host = "127.0.0.1"
                role = "primary"
                [[clusters.main.servers]]
                host = "127.0.0.1"
                port = 5432
                role = "primary"

                [clusters.empty]
                user = "svc"

                [clusters.nouser]
                servers = [{ host = "h" }]

                [clusters.emptylist]
                user = "svc"
                servers = []

                [databases.app]
                cluster = "main"
                """,
            expected: [
                #"t.toml:6: duplicate server "127.0.0.1:5432" in cluster "main""#,
                #"t.toml:9: cluster "main" has more than one server with role "primary""#,
                #"t.toml:11: cluster "empty" has no servers"#,
                #"t.toml:14: cluster "nouser" has no user for health checks: set "user" in [clusters.nouser] or in [health]"#,
                #"t.toml:19: cluster "emptylist" has no servers"#,
            ]
        ),
        InvalidConfigCase(
            name: "references to clusters that do not exist",
            text: """
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "mian"
                [[databases.app.routes]]
                tables = ["auth_*"]
                cluster = "users"
                [[databases.app.shards]]
                tables = ["orders"]
                key = "customer_id"
                clusters = [
                  "main",   # shard 0
                  "shard1", # shard 1
                ]
                """,
            expected: [
                #"t.toml:6: unknown cluster "mian""#,
                #"t.toml:9: unknown cluster "users""#,
                #"t.toml:15: unknown cluster "shard1""#,
            ]
        ),
        InvalidConfigCase(
            name: "routes and shard groups",
            text: """
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases.app]
                cluster = "main"
                [[databases.app.routes]]
                tables = []
                cluster = "main"
                [[databases.app.routes]]
                cluster = "main"
                [[databases.app.shards]]
                tables = ["orders", ""]
                key = ""
                key_type = "uuid"
                clusters = []
                [[databases.app.shards]]
                tables = ["items"]
                key = "id"
                key_type = "text"
                function = "modulo"
                clusters = ["main"]
                """,
            expected: [
                #"t.toml:8: "tables" must not be empty"#,
                #"t.toml:10: missing key "tables" in [[databases.app.routes]]"#,
                #"t.toml:13: "tables[1]" must not be empty"#,
                #"t.toml:14: "key" must not be empty"#,
                #"t.toml:15: invalid value "uuid" for "key_type": expected "bigint" or "text""#,
                #"t.toml:16: "clusters" must not be empty"#,
                #"t.toml:21: function "modulo" needs key_type "bigint""#,
            ]
        ),
        InvalidConfigCase(
            name: "reserved database name and missing default cluster",
            text: """
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases.switchyard]
                cluster = "main"
                [databases.other]
                read_write_split = false
                """,
            expected: [
                #"t.toml:5: database name "switchyard" is reserved for the admin console"#,
                #"t.toml:7: missing key "cluster" in [databases.other]"#,
            ]
        ),
        InvalidConfigCase(
            name: "no database at all: no line to point at",
            text: """
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                """,
            expected: [#"t.toml: databases: no databases defined: add at least one [databases.NAME]"#]
        ),
        InvalidConfigCase(
            name: "databases of the wrong type is not also reported missing",
            text: """
                databases = ["app"]
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "H" }, { host = "h" }]
                """,
            expected: [
                #"t.toml:1: "databases" must be a table, not an array"#,
                #"t.toml:5: duplicate server "h:5432" in cluster "main""#,
            ]
        ),
        InvalidConfigCase(
            name: "an empty [databases] table",
            text: """
                [health]
                user = "m"
                [clusters.main]
                servers = [{ host = "h" }]
                [databases]
                """,
            expected: [#"t.toml:5: no databases defined: add at least one [databases.NAME]"#]
        ),
        InvalidConfigCase(
            name: "an empty file",
            text: "",
            expected: [#"t.toml: databases: no databases defined: add at least one [databases.NAME]"#]
        ),
    ]

    @Test(arguments: Self.cases)
    func invalidConfigReportsEveryProblem(_ testCase: InvalidConfigCase) {
        #expect(throws: ConfigErrors.self) { try Config.load(contents: testCase.text, path: "t.toml") }
        do {
            _ = try Config.load(contents: testCase.text, path: "t.toml")
        } catch {
            #expect(error.lines == testCase.expected)
        }
    }

    /// Decoding visits [health], then [clusters], then [databases]; the output must still be in
    /// line order, with every problem of every section.
    @Test func problemsFromAllSectionsAreCollectedInLineOrder() {
        let text = """
            [databases.app]
            cluster = "nope"
            pool_mode = "session"

            [clusters.main]
            pool_size = 0
            servers = [{ host = "h" }]

            [health]
            user = "m"
            interval_ms = 0
            """
        do {
            _ = try Config.load(contents: text, path: "t.toml")
            Issue.record("an invalid file loaded")
        } catch {
            #expect(error.lines == [
                #"t.toml:2: unknown cluster "nope""#,
                #"t.toml:3: unknown key "pool_mode" in [databases.app]"#,
                #"t.toml:6: "pool_size" must be between 1 and 262143, not 0"#,
                #"t.toml:11: "interval_ms" must be between 1 and 2147483647, not 0"#,
            ])
            #expect(error.description == error.lines.joined(separator: "\n"))
        }
    }

    /// The TOML library finds syntax errors; one is reported, at the line where it starts.
    @Test func syntaxErrorIsReportedAtItsLine() {
        let text = """
            [proxy]
            workers = 4
            listen = "127.0.0.1:6432
            [health]
            """
        do {
            _ = try Config.load(contents: text, path: "t.toml")
            Issue.record("an invalid file loaded")
        } catch {
            #expect(error.errors.count == 1)
            #expect(error.lines.first?.hasPrefix("t.toml:3: ") == true)
        }
    }

    @Test func duplicateKeyIsASyntaxError() {
        do {
            _ = try Config.load(contents: "[proxy]\nworkers = 1\nworkers = 2\n", path: "t.toml")
            Issue.record("an invalid file loaded")
        } catch {
            #expect(error.errors.map(\.line) == [3])
        }
    }

    /// Without a line, the key path says where: `FILE: key.path: message`.
    @Test func problemWithoutLineNamesItsKeyPath() {
        let error = ConfigError(
            file: "f.toml", line: nil,
            keyPath: [.key("databases"), .key("my.db"), .key("routes"), .index(1), .key("cluster")],
            problem: .unknownCluster("x"))
        #expect(error.description == #"f.toml: databases."my.db".routes[1].cluster: unknown cluster "x""#)
    }
}
