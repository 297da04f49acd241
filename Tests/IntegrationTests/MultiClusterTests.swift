// MultiClusterTests: tables routed to another cluster (its own database and login) live there;
// a transaction writing on two clusters commits or rolls back on both; the "error" mode and a
// server without prepared transactions refuse such transactions before reaching the second
// cluster; a statement naming tables of two clusters is refused with 0A000 naming them.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

extension CrossClusterAcceptance {
    @Suite("Multi-cluster: routes, cross-cluster transactions and joins")
    struct MultiClusterTests {
        /// As the brief's Django setup: auth tables and content types live on cluster `users`.
        static let routes = [MultiClusterConfiguration.Route(tables: ["auth_*", "django_content_type"], cluster: "users")]

        static let schema = [
            "CREATE TABLE app_item (id bigint PRIMARY KEY, note text NOT NULL)",
            "CREATE TABLE auth_thing (id bigint PRIMARY KEY, note text NOT NULL)",
        ]

        /// New databases (logging their statements), a proxy in front of them, and the two tables
        /// created through it.
        func withProxy(
            databaseSettings: [String: String] = [:],
            _ body: (MultiClusterProxy, CrossClusterDatabases) throws -> Void
        ) throws {
            try CrossClusterDatabases.with { databases in
                try databases.main.logStatements()
                try databases.users.logStatements()
                let proxy = try MultiClusterProxy.start(
                    databases.configuration(routes: Self.routes, databaseSettings: databaseSettings))
                defer { proxy.stop() }
                let setup = try proxy.connect()
                defer { setup.close() }
                for statement in Self.schema { _ = try setup.exec(statement) }
                try body(proxy, databases)
            }
        }

        static func publicTables(_ place: CrossClusterDatabases.Place) throws -> [String] {
            try place.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").map { $0[0]! }
        }

        static func count(_ place: CrossClusterDatabases.Place, _ table: String, _ condition: String = "true") throws -> Int {
            Int(try place.query("SELECT count(*) FROM \(table) WHERE \(condition)")) ?? -1
        }

        // MARK: - Routes

        @Test("routed tables are created, written and read on the users cluster with its own login")
        func routedTablesLiveOnTheirCluster() throws {
            try withProxy { proxy, databases in
                #expect(try Self.publicTables(databases.main) == ["app_item"])
                #expect(try Self.publicTables(databases.users) == ["auth_thing"])
                // Cluster `users` logs in as its own role, not as the client.
                #expect(
                    try databases.users.query("SELECT tableowner FROM pg_tables WHERE tablename = 'auth_thing'")
                        == CrossClusterDatabases.usersOwner.name)

                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("INSERT INTO app_item VALUES (1, 'on main')")
                _ = try client.exec("INSERT INTO auth_thing VALUES (1, 'on users')")
                #expect(try databases.main.query("SELECT note FROM app_item") == "on main")
                #expect(try databases.users.query("SELECT note FROM auth_thing") == "on users")
                #expect(try client.exec("SELECT note FROM auth_thing WHERE id = 1").scalar == "on users")
                #expect(try client.exec("/* switchyard: primary */ SELECT note FROM app_item WHERE id = 1").scalar == "on main")
            }
        }

        // MARK: - Two-phase commit

        @Test("a transaction writing on both clusters commits on both, whichever comes first", arguments: [true, false])
        func spanningTransactionCommitsOnBoth(mainFirst: Bool) throws {
            try withProxy { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                let main = "INSERT INTO app_item VALUES (7, 'main')"
                let users = "INSERT INTO auth_thing VALUES (7, 'users')"
                _ = try client.exec("BEGIN")
                for statement in mainFirst ? [main, users] : [users, main] { _ = try client.exec(statement) }
                // Back and forth: each cluster's part sees its own writes.
                #expect(try client.exec("SELECT count(*) FROM app_item WHERE id = 7").scalar == "1")
                #expect(try client.exec("SELECT count(*) FROM auth_thing WHERE id = 7").scalar == "1")
                _ = try client.exec("UPDATE app_item SET note = note || '+' WHERE id = 7")
                _ = try client.exec("UPDATE auth_thing SET note = note || '+' WHERE id = 7")
                // Nothing is visible outside before COMMIT.
                #expect(try Self.count(databases.main, "app_item") == 0)
                #expect(try Self.count(databases.users, "auth_thing") == 0)
                let commit = try client.exec("COMMIT")
                #expect(commit.commandTag == "COMMIT")
                #expect(client.transactionStatus == .idle)
                #expect(try databases.main.query("SELECT note FROM app_item WHERE id = 7") == "main+")
                #expect(try databases.users.query("SELECT note FROM auth_thing WHERE id = 7") == "users+")
                #expect(try databases.preparedTransactions() == [])
                // The session goes on normally.
                #expect(try client.exec("SELECT note FROM auth_thing WHERE id = 7").scalar == "users+")
            }
        }

        @Test("ROLLBACK, and a failed statement then COMMIT, leave nothing on either cluster")
        func spanningTransactionRollsBackOnBoth() throws {
            try withProxy { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("INSERT INTO auth_thing VALUES (99, 'taken')")

                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO app_item VALUES (1, 'x')")
                _ = try client.exec("INSERT INTO auth_thing VALUES (1, 'x')")
                #expect(try client.exec("ROLLBACK").commandTag == "ROLLBACK")
                #expect(client.transactionStatus == .idle)

                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO app_item VALUES (2, 'x')")
                let duplicate = try pgError { _ = try client.exec("INSERT INTO auth_thing VALUES (99, 'again')") }
                #expect(duplicate?.sqlState?.code == "23505", "\(duplicate?.summary ?? "no error")")
                #expect(client.transactionStatus == .inFailedTransaction)
                let aborted = try pgError { _ = try client.exec("SELECT count(*) FROM auth_thing") }
                #expect(aborted?.sqlState == .inFailedSQLTransaction, "\(aborted?.summary ?? "no error")")
                // COMMIT of a failed transaction rolls back, as PostgreSQL answers it.
                #expect(try client.exec("COMMIT").commandTag == "ROLLBACK")
                #expect(client.transactionStatus == .idle)

                #expect(try Self.count(databases.main, "app_item") == 0)
                #expect(try databases.users.query("SELECT string_agg(id::text, ',') FROM auth_thing") == "99")
                #expect(try databases.preparedTransactions() == [])
            }
        }

        @Test("after an error on one cluster, statements for the other cluster get 25P02 too")
        func failedSpanningTransactionRefusesEveryCluster() throws {
            try withProxy { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("INSERT INTO auth_thing VALUES (99, 'taken')")
                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO app_item VALUES (1, 'x')")
                _ = try pgError { _ = try client.exec("INSERT INTO auth_thing VALUES (99, 'again')") }
                #expect(client.transactionStatus == .inFailedTransaction)
                let aborted = try pgError { _ = try client.exec("INSERT INTO app_item VALUES (2, 'x')") }
                #expect(aborted?.sqlState == .inFailedSQLTransaction, "\(aborted?.summary ?? "no error")")
                #expect(client.transactionStatus == .inFailedTransaction)
                #expect(try client.exec("COMMIT").commandTag == "ROLLBACK")
                #expect(try Self.count(databases.main, "app_item") == 0)
            }
        }

        /// Statements that name no table, as frameworks send them inside transactions.
        static let tableLessStatements = [
            "SAVEPOINT s1",
            "SELECT now() IS NOT NULL",
            "SET LOCAL statement_timeout = '10s'",
            "SET CONSTRAINTS ALL IMMEDIATE",
        ]

        @Test("statements naming no table stay on the cluster of the transaction (savepoints work on users)",
              arguments: ["two_phase", "error"])
        func tableLessStatementsStayOnTheTransactionsCluster(mode: String) throws {
            try withProxy(databaseSettings: ["cross_cluster_transactions": "\"\(mode)\""]) { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO auth_thing VALUES (1, 'a')")
                for statement in Self.tableLessStatements { _ = try client.exec(statement) }
                let duplicate = try pgError { _ = try client.exec("INSERT INTO auth_thing VALUES (1, 'again')") }
                #expect(duplicate?.sqlState?.code == "23505", "\(duplicate?.summary ?? "no error")")
                // The savepoint undoes the failure on users, where it was taken.
                _ = try client.exec("ROLLBACK TO SAVEPOINT s1")
                #expect(client.transactionStatus == .inTransaction)
                _ = try client.exec("INSERT INTO auth_thing VALUES (2, 'b')")
                _ = try client.exec("RELEASE SAVEPOINT s1")
                #expect(try client.exec("COMMIT").commandTag == "COMMIT")
                #expect(try databases.users.query("SELECT string_agg(id::text, ',' ORDER BY id) FROM auth_thing") == "1,2")
                // Nothing ran on main: no transaction there to commit with two-phase commit.
                #expect(Self.clientWork(databases.main, table: "auth_thing") == [], "the transaction reached main")

                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO auth_thing VALUES (3, 'c')")
                #expect(try client.exec("ROLLBACK").commandTag == "ROLLBACK")
                #expect(try Self.count(databases.users, "auth_thing") == 2)
            }
        }

        // MARK: - Refusing transactions that would span clusters

        /// What the proxy sent in `place`'s database that belongs to a client transaction on
        /// `table`: statements naming it, and BEGINs (health checks, recovery and logins send
        /// neither), leaving out the test's own as the superuser. Needs `logStatements()` first.
        static func clientWork(_ place: CrossClusterDatabases.Place, table: String) -> [String] {
            place.loggedStatements().filter {
                !$0.hasPrefix("\(LocalPostgres.superuser):") && ($0.contains(table) || $0.contains(": BEGIN"))
            }
        }

        /// Checks that the client's transaction (`first`, then `second` for the other cluster)
        /// failed with 0A000 exactly as if a server had raised it: `followUp` (which names
        /// `first`'s table) gets 25P02, then ROLLBACK ends it when `rollBack`.
        static func expectRefusedAndAborted(
            _ client: PGConnection, first: String, second: String, followUp: String, rollBack: Bool,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> PGError? {
            _ = try client.exec("BEGIN")
            _ = try client.exec(first)
            let refused = try pgError { _ = try client.exec(second) }
            #expect(refused?.sqlState == .featureNotSupported, "\(refused?.summary ?? "no error")", sourceLocation: sourceLocation)
            #expect(client.transactionStatus == .inFailedTransaction, sourceLocation: sourceLocation)
            let aborted = try pgError { _ = try client.exec(followUp) }
            #expect(aborted?.sqlState == .inFailedSQLTransaction, "\(aborted?.summary ?? "no error")", sourceLocation: sourceLocation)
            if rollBack {
                #expect(try client.exec("ROLLBACK").commandTag == "ROLLBACK", sourceLocation: sourceLocation)
                #expect(client.transactionStatus == .idle, sourceLocation: sourceLocation)
                #expect(try client.exec("SELECT count(*) FROM app_item").scalar == "0", sourceLocation: sourceLocation)
            }
            return refused
        }

        /// Creates the two tables straight on the servers (owned by each cluster's login), and
        /// has both servers log the statements run in the test's databases from now on.
        static func createTablesDirectly(main: CrossClusterDatabases.Place, users: CrossClusterDatabases.Place) throws {
            try main.logStatements()
            try users.logStatements()
            try main.query(Self.schema[0] + "; ALTER TABLE app_item OWNER TO \(TestUser.app.name);")
            try users.query(Self.schema[1] + "; ALTER TABLE auth_thing OWNER TO \(CrossClusterDatabases.usersOwner.name);")
        }

        static let mainInsert = "INSERT INTO app_item VALUES (1, 'x')"
        static let usersInsert = "INSERT INTO auth_thing VALUES (1, 'x')"

        /// A transaction that began on `users` cannot yet be ended with ROLLBACK (see
        /// `tableLessStatementsStayOnTheTransactionsCluster`): such cases end by disconnecting,
        /// which rolls back just the same.
        @Test("cross_cluster_transactions = \"error\": 0A000 before the second cluster is reached, transaction aborted",
              arguments: [true, false])
        func errorModeRefusesSpanningTransactions(mainFirst: Bool) throws {
            try CrossClusterDatabases.with { databases in
                try Self.createTablesDirectly(main: databases.main, users: databases.users)
                let configuration = databases.configuration(
                    routes: Self.routes, databaseSettings: ["cross_cluster_transactions": "\"error\""])
                let proxy = try MultiClusterProxy.start(configuration)
                defer { proxy.stop() }
                let client = try proxy.connect()
                defer { client.close() }
                let refused = try Self.expectRefusedAndAborted(
                    client,
                    first: mainFirst ? Self.mainInsert : Self.usersInsert,
                    second: mainFirst ? Self.usersInsert : Self.mainInsert,
                    followUp: mainFirst ? "SELECT count(*) FROM app_item" : "SELECT count(*) FROM auth_thing",
                    rollBack: mainFirst)
                #expect(refused?.message.contains("main") == true && refused?.message.contains("users") == true,
                        "the message names both clusters: \(refused?.summary ?? "")")
                let (secondPlace, secondTable) = mainFirst ? (databases.users, "auth_thing") : (databases.main, "app_item")
                #expect(Self.clientWork(secondPlace, table: secondTable) == [], "the transaction reached \(secondPlace)")
                if !mainFirst { client.close() }
                #expect(try Self.count(databases.main, "app_item") == 0)
                #expect(try Self.count(databases.users, "auth_thing") == 0)

                // Autocommit writes on both clusters, and transactions on main alone, still work.
                let other = try proxy.connect()
                defer { other.close() }
                _ = try other.exec("BEGIN")
                _ = try other.exec(Self.mainInsert)
                #expect(try other.exec("COMMIT").commandTag == "COMMIT")
                _ = try other.exec(Self.usersInsert)
                #expect(try Self.count(databases.main, "app_item") == 1)
                #expect(try Self.count(databases.users, "auth_thing") == 1)
                #expect(try databases.preparedTransactions() == [])
            }
        }

        @Test("max_prepared_transactions = 0 on the server the transaction began on: 0A000 before the other cluster is reached")
        func serverWithoutTwoPhaseCommitFirst() throws {
            try withServerWithoutPreparedTransactions(startingThere: true)
        }

        @Test("max_prepared_transactions = 0 on the server the transaction turns to: 0A000 before it is reached")
        func serverWithoutTwoPhaseCommitSecond() throws {
            try withServerWithoutPreparedTransactions(startingThere: false)
        }

        /// Cluster `users` on a throwaway server with `max_prepared_transactions = 0`; a
        /// transaction begins on it (`startingThere`) or on `main`, then names the other cluster.
        func withServerWithoutPreparedTransactions(startingThere: Bool) throws {
            let (topology, server) = try TestCluster.shared.startThrowawayServer(name: "no2pc") {
                $0.maxPreparedTransactions = 0
            }
            defer { topology.stop() }
            try server.createRole(name: CrossClusterDatabases.usersOwner.name, password: CrossClusterDatabases.usersOwner.password)
            try server.createDatabase(name: "users_no2pc", owner: CrossClusterDatabases.usersOwner.name)
            #expect(try server.query("SHOW max_prepared_transactions") == "0")
            try CrossClusterDatabases.with { databases in
                let users = CrossClusterDatabases.Place(cluster: "users", server: server, database: "users_no2pc")
                try Self.createTablesDirectly(main: databases.main, users: users)
                var configuration = databases.configuration(routes: Self.routes)
                configuration.healthSettings["interval_ms"] = "200"
                let index = try #require(configuration.clusters.firstIndex { $0.name == "users" })
                configuration.clusters[index].database = users.database
                configuration.clusters[index].servers = [.primary(server)]
                let proxy = try MultiClusterProxy.start(configuration)
                defer { proxy.stop() }
                // The proxy reads max_prepared_transactions after its first check of each server.
                Thread.sleep(forTimeInterval: 1)
                let client = try proxy.connect()
                defer { client.close() }
                let refused = try Self.expectRefusedAndAborted(
                    client,
                    first: startingThere ? Self.usersInsert : Self.mainInsert,
                    second: startingThere ? Self.mainInsert : Self.usersInsert,
                    followUp: startingThere ? "SELECT count(*) FROM auth_thing" : "SELECT count(*) FROM app_item",
                    rollBack: !startingThere)
                #expect(refused?.message.contains("max_prepared_transactions") == true, "\(refused?.summary ?? "")")
                let (secondPlace, secondTable) = startingThere ? (databases.main, "app_item") : (users, "auth_thing")
                #expect(Self.clientWork(secondPlace, table: secondTable) == [], "the transaction reached \(secondPlace)")
                client.close()
                #expect(try Self.count(databases.main, "app_item") == 0)
                #expect(try Self.count(users, "auth_thing") == 0)
                // Each cluster alone still works.
                let other = try proxy.connect()
                defer { other.close() }
                _ = try other.exec(Self.mainInsert)
                _ = try other.exec(Self.usersInsert)
                #expect(try Self.count(databases.main, "app_item") == 1)
                #expect(try Self.count(users, "auth_thing") == 1)
            }
        }

        // MARK: - Statements naming tables of two clusters

        /// Statements naming `app_item` (main) or `app_copy` (a new table, so main) together with
        /// `auth_thing` (users), and the main-side table each must be named with.
        static let crossClusterStatements: [(sql: String, mainTable: String)] = [
            ("SELECT * FROM app_item JOIN auth_thing USING (id)", "app_item"),
            ("SELECT a.note, b.note FROM app_item a, auth_thing b WHERE a.id = b.id", "app_item"),
            ("SELECT * FROM app_item WHERE id IN (SELECT id FROM auth_thing)", "app_item"),
            ("SELECT * FROM app_item WHERE EXISTS (SELECT 1 FROM auth_thing t WHERE t.id = app_item.id)", "app_item"),
            ("WITH t AS (SELECT id FROM auth_thing) SELECT * FROM app_item JOIN t USING (id)", "app_item"),
            ("INSERT INTO app_item SELECT id, note FROM auth_thing", "app_item"),
            ("UPDATE app_item SET note = t.note FROM auth_thing t WHERE t.id = app_item.id", "app_item"),
            ("DELETE FROM auth_thing USING app_item WHERE app_item.id = auth_thing.id", "app_item"),
            ("CREATE TABLE app_copy AS SELECT * FROM auth_thing", "app_copy"),
        ]

        @Test("a statement naming tables of two clusters: 0A000 naming each table and its cluster")
        func crossClusterStatementsAreRefused() throws {
            try withProxy { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("INSERT INTO app_item VALUES (1, 'm')")
                _ = try client.exec("INSERT INTO auth_thing VALUES (1, 'u')")
                for (statement, mainTable) in Self.crossClusterStatements {
                    let error = try pgError { _ = try client.exec(statement) }
                    #expect(error?.sqlState == .featureNotSupported, "\(statement): \(error?.summary ?? "no error")")
                    let message = error?.message ?? ""
                    for name in [mainTable, "auth_thing", "main", "users"] {
                        #expect(message.contains(name), "\(statement): the message lacks \(name): \(message)")
                    }
                    // The session stays usable and nothing changed.
                    #expect(client.transactionStatus == .idle)
                    #expect(try client.exec("SELECT 1").scalar == "1")
                }
                #expect(try databases.main.query("SELECT note FROM app_item") == "m")
                #expect(try databases.users.query("SELECT note FROM auth_thing") == "u")
                #expect(try Self.publicTables(databases.main) == ["app_item"])
            }
        }

        @Test("inside a transaction, a statement naming tables of two clusters: 0A000 and the transaction aborted",
              arguments: [true, false])
        func crossClusterStatementInTransaction(afterWrite: Bool) throws {
            try withProxy { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("BEGIN")
                if afterWrite { _ = try client.exec("INSERT INTO app_item VALUES (1, 'm')") }
                let error = try pgError { _ = try client.exec(Self.crossClusterStatements[0].sql) }
                #expect(error?.sqlState == .featureNotSupported, "\(error?.summary ?? "no error")")
                #expect(client.transactionStatus == .inFailedTransaction)
                let aborted = try pgError { _ = try client.exec("INSERT INTO app_item VALUES (2, 'm')") }
                #expect(aborted?.sqlState == .inFailedSQLTransaction, "\(aborted?.summary ?? "no error")")
                #expect(try client.exec("COMMIT").commandTag == "ROLLBACK")
                #expect(try Self.count(databases.main, "app_item") == 0)
            }
        }
    }
}
