// SessionStateInterleavingTests: two clients sharing one server connection per server (transaction
// mode, pool_size 1) each keep their own `search_path` and time zone across transactions, exactly
// as two direct connections do — also when their reads are spread over replicas (SPEC §3).
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Session state of two interleaving clients", .serialized)
struct SessionStateInterleavingTests {
    /// One step of the script: client `a` or `b` runs `sql`.
    struct Step: Sendable {
        var client: Character
        var sql: String
    }

    /// What a client sees: its settings, which `marker` table the search path finds, and a fixed
    /// instant printed in its time zone.
    private static let probe = """
        SELECT current_setting('search_path'), current_setting('TimeZone'), (SELECT v FROM marker),
               '2024-07-01 12:00:00+00'::timestamptz::text
        """

    private static func a(_ sql: String) -> Step { Step(client: "a", sql: sql) }
    private static func b(_ sql: String) -> Step { Step(client: "b", sql: sql) }

    /// SET, SET in committed and rolled-back transactions, SET LOCAL, a SET in a failed
    /// transaction, RESET, RESET ALL and DISCARD ALL, the two clients taking turns. The other
    /// client waits while one is in a transaction: with pool_size 1 that transaction holds the
    /// primary's only server connection.
    private static let script: [Step] = [
        a("SET search_path = s_a, public"), b("SET TIME ZONE 'Asia/Tokyo'"), a(probe), b(probe),
        a("BEGIN"), a("SET TIME ZONE 'America/New_York'"), a(probe), a("COMMIT"), b(probe), a(probe),
        b("BEGIN"), b("SET search_path = s_b"), b(probe), b("ROLLBACK"), a(probe), b(probe),
        a("BEGIN"), a("SET LOCAL search_path = s_b"), a(probe), a("COMMIT"), b(probe), a(probe),
        b("BEGIN"), b("SET TIME ZONE 'UTC'"), b("SELECT 1 / 0"), b("ROLLBACK"), a(probe), b(probe),
        a("SET search_path = s_b"), b(probe), a(probe), b("SET search_path = s_a"), a(probe), b(probe),
        a("RESET search_path"), a(probe), b(probe),
        b("RESET ALL"), b(probe), a(probe),
        a("SET TIME ZONE 'Asia/Tokyo'"), a("SET search_path = s_a"), a(probe), a("DISCARD ALL"), a(probe), b(probe),
        b("SET TIME ZONE 'America/New_York'"), a("SET TIME ZONE 'UTC'"),
    ] + Array(repeating: [a(probe), b(probe)], count: 6).flatMap { $0 }

    /// What each step answered: rows, or the SQLSTATE of its error.
    private static func transcript(_ script: [Step], a: PGConnection, b: PGConnection) -> [String] {
        script.map { step in
            let connection = step.client == "a" ? a : b
            do {
                let result = try connection.exec(step.sql)
                return "\(step.client): \(result.rows.isEmpty ? result.commandTag : "\(result.rows)")"
            } catch let error as PGError {
                return "\(step.client): error \(error.sqlState?.code ?? "?")"
            } catch {
                return "\(step.client): \(error)"
            }
        }
    }

    /// Schemas `s_a` and `s_b` and `public`, each with a one-row table `marker` naming it, made
    /// on the primary behind `fixture` and waited for on `replicas`.
    private static func makeSchemas(_ fixture: ProxyFixture, replicas: [LocalPostgres]) throws {
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec(
            """
            CREATE TABLE public.marker (v text); INSERT INTO public.marker VALUES ('public');
            CREATE SCHEMA s_a; CREATE TABLE s_a.marker (v text); INSERT INTO s_a.marker VALUES ('a');
            CREATE SCHEMA s_b; CREATE TABLE s_b.marker (v text); INSERT INTO s_b.marker VALUES ('b')
            """)
        for replica in replicas { try replica.waitUntilCaughtUp(with: fixture.primary) }
    }

    /// The oracle is PostgreSQL itself: the same script on two direct connections to the primary.
    @Test(
        "SET, SET LOCAL, rolled-back SET, RESET and DISCARD ALL behave per client as on direct connections",
        arguments: [false, true])
    func interleaving(withReplicas: Bool) throws {
        let fixture: ProxyFixture
        var replicas: [LocalPostgres] = []
        if withReplicas {
            let split = try SplitProxy.start(poolSize: 1)
            fixture = split.fixture
            replicas = split.replicas
        } else {
            fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "transaction", poolSize: 1))
        }
        defer { fixture.stop() }
        try Self.makeSchemas(fixture, replicas: replicas)

        let directA = try fixture.connectDirect()
        defer { directA.close() }
        let directB = try fixture.connectDirect()
        defer { directB.close() }
        let expected = Self.transcript(Self.script, a: directA, b: directB)
        // The script does what it is meant to: each client's own settings show, a rolled-back SET
        // does not (Asia/Tokyo is UTC+9 and New York UTC-4 in July, so the instant prints so).
        #expect(expected[2].contains("s_a, public") && expected[2].contains("\"a\""), "\(expected[2])")
        #expect(expected[3].contains("2024-07-01 21:00:00+09"), "\(expected[3])")
        #expect(expected[9].contains("2024-07-01 08:00:00-04") && expected[9].contains("\"a\""), "\(expected[9])")
        #expect(expected[15].contains("\"public\"") && expected[15].contains("Asia/Tokyo"), "\(expected[15])")

        let a = try fixture.connect()
        defer { a.close() }
        let b = try fixture.connect()
        defer { b.close() }
        let actual = Self.transcript(Self.script, a: a, b: b)
        for (index, step) in Self.script.enumerated() where actual[index] != expected[index] {
            Issue.record("step \(index) \(step.client): \(step.sql)\n  proxy:  \(actual[index])\n  direct: \(expected[index])")
        }
        #expect(actual.count == expected.count)
    }

    /// ROLLBACK TO SAVEPOINT undoes a SET made after the savepoint; RELEASE keeps it.
    @Test(
        "a SET undone by ROLLBACK TO SAVEPOINT does not persist",
        arguments: [false, true])
    func savepoints(withReplicas: Bool) throws {
        let fixture: ProxyFixture
        var replicas: [LocalPostgres] = []
        if withReplicas {
            let split = try SplitProxy.start(poolSize: 1)
            fixture = split.fixture
            replicas = split.replicas
        } else {
            fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "transaction", poolSize: 1))
        }
        defer { fixture.stop() }
        try Self.makeSchemas(fixture, replicas: replicas)
        let script: [Step] = [
            Self.a("SET TIME ZONE 'Asia/Tokyo'"), Self.a("BEGIN"), Self.a("SAVEPOINT s"), Self.a("SET TIME ZONE 'UTC'"),
            Self.a("ROLLBACK TO SAVEPOINT s"), Self.a("SET search_path = s_b"), Self.a("SAVEPOINT t"),
            Self.a("SET search_path = s_a"), Self.a("RELEASE SAVEPOINT t"), Self.a("COMMIT"), Self.b(Self.probe),
            Self.a(Self.probe),
        ]
        let directA = try fixture.connectDirect()
        defer { directA.close() }
        let directB = try fixture.connectDirect()
        defer { directB.close() }
        let expected = Self.transcript(script, a: directA, b: directB)
        #expect(expected.last?.contains("Asia/Tokyo") == true && expected.last?.contains("s_a") == true)
        let a = try fixture.connect()
        defer { a.close() }
        let b = try fixture.connect()
        defer { b.close() }
        #expect(Self.transcript(script, a: a, b: b) == expected)
    }
}
