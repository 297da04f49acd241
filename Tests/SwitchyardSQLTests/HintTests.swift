// HintTests: `/* switchyard: ... */` comments — grammar, and which statement they belong to.

import SwitchyardSQL
import Testing

/// The hint grammar of SPEC §3: comma-separated `primary`, `replica`, `cluster=NAME`, `shard=N`,
/// `shard_key=VALUE`, `all_shards`, in a comment whose body starts with `switchyard:`.
@Suite struct HintTests {
    private static func hints(
        target: RoutingHints.Target? = nil, cluster: String? = nil, shard: Int? = nil, shardKey: String? = nil,
        allShards: Bool = false, invalid: [String] = []
    ) -> RoutingHints {
        var hints = RoutingHints()
        hints.target = target
        hints.cluster = cluster
        hints.shard = shard
        hints.shardKey = shardKey
        hints.allShards = allShards
        hints.invalidItems = invalid
        return hints
    }

    static let bodies: [(String, RoutingHints)] = [
        ("primary", hints(target: .primary)),
        (" Replica ", hints(target: .replica)),
        ("cluster=users", hints(cluster: "users")),
        ("cluster = users , primary", hints(target: .primary, cluster: "users")),
        ("shard=3", hints(shard: 3)),
        ("shard_key=42", hints(shardKey: "42")),
        ("shard_key='a b'", hints(shardKey: "a b")),
        ("all_shards", hints(allShards: true)),
        ("ALL_SHARDS, PRIMARY", hints(target: .primary, allShards: true)),
        ("primary, replica", hints(target: .replica)),
        ("", hints()),
        ("shard=-1", hints(invalid: ["shard=-1"])),
        ("shard=x", hints(invalid: ["shard=x"])),
        ("cluster=", hints(invalid: ["cluster="])),
        ("bogus, primary", hints(target: .primary, invalid: ["bogus"])),
        ("colour=red", hints(invalid: ["colour=red"])),
    ]

    @Test(arguments: bodies)
    func grammar(_ body: String, _ expected: RoutingHints) {
        var hints = RoutingHints()
        hints.parse(body)
        #expect(hints == expected)
    }

    static let placements: [(String, [RoutingHints])] = [
        ("/* switchyard: primary */ SELECT 1", [hints(target: .primary)]),
        ("SELECT /* switchyard: replica */ 1", [hints(target: .replica)]),
        ("SELECT 1 -- switchyard: primary", [hints(target: .primary)]),
        ("/*switchyard:primary*/SELECT 1", [hints(target: .primary)]),
        ("/* Switchyard: Primary */ SELECT 1", [hints(target: .primary)]),
        ("/* switchyard: cluster=main */ /* switchyard: shard=1 */ SELECT 1", [hints(cluster: "main", shard: 1)]),
        ("/* switchyard: primary */ SELECT 1; SELECT 2", [hints(target: .primary), hints()]),
        ("SELECT 1; /* switchyard: primary */ SELECT 2", [hints(), hints(target: .primary)]),
        ("SELECT 1 /* switchyard: primary */; SELECT 2", [hints(target: .primary), hints()]),
        ("SELECT 1; SELECT 2; /* switchyard: all_shards */", [hints(), hints(allShards: true)]),
        ("/* not a hint: switchyard: primary */ SELECT 1", [hints()]),
        ("SELECT '/* switchyard: primary */'", [hints()]),
        ("SELECT $$ -- switchyard: primary $$", [hints()]),
        ("/* switchyard primary */ SELECT 1", [hints()]),
    ]

    @Test(arguments: placements)
    func commentsBelongToTheirStatement(_ sql: String, _ expected: [RoutingHints]) {
        #expect(analyze(sql).statements.map(\.hints) == expected)
    }

    @Test func mergeKeepsLaterValuesAndAllProblems() {
        var first = Self.hints(target: .primary, cluster: "a", invalid: ["x"])
        first.merge(Self.hints(target: .replica, shard: 2, invalid: ["y"]))
        #expect(first == Self.hints(target: .replica, cluster: "a", shard: 2, invalid: ["x", "y"]))
    }
}
