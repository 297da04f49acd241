// RouteDecisionJSONTests: the exact `switchyard route` JSON of SPEC §4, escaping included.

import SwitchyardRouting
import SwitchyardSQL
import Testing

@Suite struct RouteDecisionJSONTests {
    /// The example of SPEC §4, key order included.
    @Test func specExample() {
        let json = Fixtures.router.decide(sql: "SELECT * FROM blog_entry", database: "app").json
        #expect(
            json
                == #"{"database":"app","kind":"read","target":"replica","cluster":"main","shard":null,"shards":null,"tables":["blog_entry"],"reason":"plain SELECT"}"#
        )
    }

    static let cases: [(String, String)] = [
        (
            "DELETE FROM orders WHERE customer_id = 3",
            #"{"database":"app","kind":"write","target":"primary","cluster":"shard1","shard":1,"shards":null,"tables":["orders"],"reason":"DELETE"}"#
        ),
        (
            "SELECT * FROM orders",
            #"{"database":"app","kind":"read","target":"replica","cluster":null,"shard":null,"shards":[0,1],"tables":["orders"],"reason":"plain SELECT"}"#
        ),
        (
            "SELECT * FROM orders WHERE customer_id = $1",
            #"{"database":"app","kind":"read","target":"replica","cluster":null,"shard":null,"shards":null,"tables":["orders"],"reason":"plain SELECT"}"#
        ),
        (
            "BEGIN",
            #"{"database":"app","kind":"other","target":"transaction","cluster":"main","shard":null,"shards":null,"tables":[],"reason":"BEGIN"}"#
        ),
        (
            "SET switchyard.target = primary",
            #"{"database":"app","kind":"other","target":"proxy","cluster":null,"shard":null,"shards":null,"tables":[],"reason":"SET switchyard.target"}"#
        ),
        (
            "SELECT * FROM orders JOIN auth_user ON true WHERE customer_id = 1",
            #"{"error":{"sqlstate":"0A000","message":"cannot join \"orders\" (cluster shard0) with \"auth_user\" (cluster users)"}}"#
        ),
        (
            "SELECT * FROM \"we\"\"ird\\\"",
            #"{"database":"app","kind":"read","target":"replica","cluster":"main","shard":null,"shards":null,"tables":["we\"ird\\"],"reason":"plain SELECT"}"#
        ),
    ]

    @Test(arguments: cases)
    func decisionsRenderExactly(_ sql: String, _ json: String) {
        #expect(Fixtures.router.decide(sql: sql, database: "app").json == json)
    }

    /// RFC 8259 §7: quote, reverse solidus and control characters must be escaped; other
    /// characters may appear as they are.
    @Test func stringsAreEscaped() {
        let decision = RouteDecision(
            database: "d\"b", kind: .read, target: .replica, cluster: "c\\1",
            tables: ["a\nb", "t\tab", "\u{01}\u{1F}", "é日", "\u{08}\u{0C}\r", "/"], reason: "why \"not\"")
        #expect(
            decision.json
                == #"{"database":"d\"b","kind":"read","target":"replica","cluster":"c\\1","shard":null,"shards":null,"tables":["a\nb","t\tab","\u0001\u001f","é日","\b\f\r","/"],"reason":"why \"not\""}"#
        )
    }

    @Test func errorsRender() {
        let error = RoutingError(sqlState: "0A000", message: "bad \"x\"\n")
        #expect(error.json == #"{"error":{"sqlstate":"0A000","message":"bad \"x\"\n"}}"#)
        #expect(Result<RouteDecision, RoutingError>.failure(error).json == error.json)
    }
}
