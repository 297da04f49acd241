// RoutingTable: the routing rules of every client-facing database, built once from the config.

import SwitchyardSQL

/// Everything the router needs to know about the configured databases. Built by the daemon
/// from `Config` (this module does not know the config schema) and handed to each event loop
/// as an immutable snapshot.
package struct RoutingTable: Hashable, Sendable {
    package var databases: [String: DatabaseRouting]
    /// Every cluster that exists (for validating `cluster=` hints and `SET switchyard.cluster`).
    package var clusters: Set<String>

    /// - Parameter clusters: clusters that exist besides those the databases mention.
    package init(databases: [DatabaseRouting], clusters: Set<String> = []) {
        var byName: [String: DatabaseRouting] = [:]
        var known = clusters
        for database in databases {
            byName[database.name] = database
            known.insert(database.defaultCluster)
            for route in database.routes { known.insert(route.cluster) }
            for group in database.shardGroups { known.formUnion(group.clusters) }
        }
        self.databases = byName
        self.clusters = known
    }

    /// Folded names of every shard-key column, for `AnalyzerOptions.shardKeyColumns`.
    package var shardKeyColumns: Set<String> {
        Set(self.databases.values.flatMap { $0.shardGroups.map(\.key) })
    }

    /// The analyzer settings this table needs (pass the server's `standard_conforming_strings`).
    package func analyzerOptions(standardConformingStrings: Bool = true) -> AnalyzerOptions {
        AnalyzerOptions(standardConformingStrings: standardConformingStrings, shardKeyColumns: self.shardKeyColumns)
    }
}

/// The rules of one `[databases.X]`.
package struct DatabaseRouting: Hashable, Sendable {
    package var name: String
    /// The cluster of tables no rule names.
    package var defaultCluster: String
    /// Whether reads may go to replicas.
    package var readWriteSplit: Bool
    /// Functions whose call makes a statement a write, besides the built-in ones.
    package var writeFunctions: [NamePattern]
    /// Tried first, in order.
    package var shardGroups: [ShardGroup]
    /// Tried after the shard groups, in order.
    package var routes: [TableRoute]

    package init(
        name: String, defaultCluster: String, readWriteSplit: Bool = true, writeFunctions: [NamePattern] = [],
        shardGroups: [ShardGroup] = [], routes: [TableRoute] = []
    ) {
        self.name = name
        self.defaultCluster = defaultCluster
        self.readWriteSplit = readWriteSplit
        self.writeFunctions = writeFunctions
        self.shardGroups = shardGroups
        self.routes = routes
    }
}

/// `[[databases.X.routes]]`: tables that live on another cluster.
package struct TableRoute: Hashable, Sendable {
    package var tables: [NamePattern]
    package var cluster: String

    package init(tables: [NamePattern], cluster: String) {
        self.tables = tables
        self.cluster = cluster
    }
}

/// The type of a shard-key column.
package enum ShardKeyType: String, Hashable, Sendable {
    case bigint, text
}

/// How a key value becomes a shard index.
package enum ShardFunction: String, Hashable, Sendable {
    /// Where PostgreSQL's `PARTITION BY HASH (key)` with `MODULUS n` puts the row.
    case pgHash = "pg_hash"
    /// `key mod n`, the non-negative remainder (integers only).
    case modulo
}

/// `[[databases.X.shards]]`: a table group sharded by one key; shard `i` lives on `clusters[i]`.
package struct ShardGroup: Hashable, Sendable {
    package var tables: [NamePattern]
    /// The folded key column name.
    package var key: String
    package var keyType: ShardKeyType
    package var function: ShardFunction
    package var clusters: [String]

    /// - Parameter key: the column as written in the config; folded like an SQL identifier
    ///   (lower-cased unless double-quoted).
    package init(tables: [NamePattern], key: String, keyType: ShardKeyType, function: ShardFunction, clusters: [String])
    {
        precondition(!clusters.isEmpty, "a shard group has at least one cluster")
        self.tables = tables
        if key.count >= 2, key.hasPrefix("\""), key.hasSuffix("\"") {
            var unquoted = ""
            var previousWasQuote = false
            for character in key.dropFirst().dropLast() {
                if character == "\"", previousWasQuote {
                    previousWasQuote = false
                    continue
                }
                previousWasQuote = character == "\""
                unquoted.append(character)
            }
            self.key = unquoted
        } else {
            self.key = String(decoding: key.utf8.map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        self.keyType = keyType
        self.function = function
        self.clusters = clusters
    }

    /// The shard holding `key`. A NULL key lands where PostgreSQL puts NULLs: the partition
    /// with remainder 0 (its hash is 0). `nil` when `modulo` is given a non-integer.
    package func shard(of key: ShardKey) -> Int? {
        let count = self.clusters.count
        switch (self.function, key) {
        case (_, .null):
            return 0
        case (.pgHash, .integer(let value)):
            return PostgresHash.remainder(ofPartitionHash: PostgresHash.partitionHash(ofInt64: value), modulus: count)
        case (.pgHash, .text(let bytes)):
            let hash = bytes.withUnsafeBufferPointer { PostgresHash.partitionHash(ofText: $0) }
            return PostgresHash.remainder(ofPartitionHash: hash, modulus: count)
        case (.modulo, .integer(let value)):
            let remainder = value % Int64(count)
            return Int(remainder < 0 ? remainder + Int64(count) : remainder)
        case (.modulo, .text(let bytes)):
            // A text key configured with modulo: only integer texts have a remainder.
            guard let value = bytes.withUnsafeBufferPointer({ PostgresInteger.parseInt64($0) }) else { return nil }
            return self.shard(of: .integer(value))
        }
    }
}

/// A shard-key value ready for the shard function.
package enum ShardKey: Hashable, Sendable {
    case null
    case integer(Int64)
    /// The UTF-8 bytes of a text key.
    case text([UInt8])
}
