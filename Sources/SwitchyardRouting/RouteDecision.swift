// RouteDecision: where a statement goes — kind, target, cluster, shards — as a keepable value.

import SwitchyardSQL

/// The router's answer for one statement or query text (SPEC §4).
package struct RouteDecision: Hashable, Sendable {
    package enum Kind: String, Hashable, Sendable {
        case read, write
        /// Transaction control, session state, proxy commands.
        case other
    }

    package enum Target: String, Hashable, Sendable {
        case primary, replica
        /// Transaction control: follows the session's transaction (its server, or none yet).
        case transaction
        /// Server session state (SET, LISTEN, cursors, PREPARE): runs on the client's current
        /// server connection, a primary when it has none.
        case session
        /// Answered by the proxy itself (`switchyard.*` commands, empty queries).
        case proxy
    }

    package var database: String
    package var kind: Kind
    package var target: Target
    /// The cluster to use; `nil` when the statement spans several shards, when its shard is
    /// known only at Bind, and for proxy commands.
    package var cluster: String?
    package var shards: ShardRoute
    /// The tables named, as written and folded (`name` or `schema.name`).
    package var tables: [String]
    /// A short human-readable reason ("plain SELECT", "hint primary", "write function nextval").
    package var reason: String

    package init(
        database: String, kind: Kind, target: Target, cluster: String?, shards: ShardRoute = .unsharded,
        tables: [String] = [], reason: String
    ) {
        self.database = database
        self.kind = kind
        self.target = target
        self.cluster = cluster
        self.shards = shards
        self.tables = tables
        self.reason = reason
    }

    /// The shard index when exactly one shard is chosen.
    package var shard: Int? {
        if case .one(let target) = self.shards { return target.index }
        return nil
    }

    /// The shard indices when several are (fan-out, multi-shard writes, DDL on every shard).
    package var shardIndices: [Int]? {
        if case .several(let targets) = self.shards { return targets.map(\.index) }
        return nil
    }
}

/// One shard of a table group and the cluster it lives on.
package struct ShardTarget: Hashable, Sendable {
    package var index: Int
    package var cluster: String

    package init(index: Int, cluster: String) {
        self.index = index
        self.cluster = cluster
    }
}

/// Which shards a statement runs on.
package enum ShardRoute: Hashable, Sendable {
    /// No sharded table is involved.
    case unsharded
    case one(ShardTarget)
    /// Several shards, in index order: a fan-out read, a write whose rows span shards, DDL.
    case several([ShardTarget])
    /// The key comes from Bind parameters: finish with `RouteDecision.resolvingShards`.
    case pending(PendingShards)
}

/// A shard choice that waits for Bind parameter values.
package struct PendingShards: Hashable, Sendable {
    package var group: ShardGroup
    /// The sharded table the key belongs to (for error messages).
    package var table: String
    /// The key values compared or inserted; at least one is a parameter. The statement runs
    /// on the union of their shards.
    package var values: [KeyValue]
    package var isWrite: Bool

    package init(group: ShardGroup, table: String, values: [KeyValue], isWrite: Bool) {
        self.group = group
        self.table = table
        self.values = values
        self.isWrite = isWrite
    }

    /// The parameter numbers (`$n`) the choice depends on.
    package var parameterNumbers: [Int] {
        self.values.compactMap { if case .parameter(let number) = $0 { return number } else { return nil } }
    }
}

extension RouteDecision {
    /// Completes a `.pending` shard choice at Bind; other decisions are returned unchanged.
    ///
    /// - Parameter parameter: the value of `$n` (1-based), `nil` if the Bind has no such
    ///   parameter. A value that cannot be a key sends a read to every shard and fails a write.
    package func resolvingShards(_ parameter: (Int) -> ParameterValue?) -> Result<RouteDecision, RoutingError> {
        guard case .pending(let pending) = self.shards else { return .success(self) }
        var indices: [Int] = []
        for value in pending.values {
            let key: ShardKey?
            if case .parameter(let number) = value {
                key = parameter(number).flatMap { pending.group.key(forParameter: $0) }
            } else {
                key = pending.group.key(for: value)
            }
            guard let key, let index = pending.group.shard(of: key) else {
                if pending.isWrite {
                    return .failure(.missingShardKey(table: pending.table, key: pending.group.key))
                }
                indices = Array(pending.group.clusters.indices)
                break
            }
            if !indices.contains(index) { indices.append(index) }
        }
        let route = ShardRoute.choosing(indices, of: pending.group)
        var resolved = self
        resolved.shards = route
        if case .one(let target) = route {
            resolved.cluster = target.cluster
        } else {
            resolved.cluster = nil
        }
        return .success(resolved)
    }
}

extension ShardRoute {
    /// `.one` or `.several` for the given shard indices of `group`.
    static func choosing(_ indices: [Int], of group: ShardGroup) -> ShardRoute {
        let sorted = indices.sorted()
        let targets = sorted.map { ShardTarget(index: $0, cluster: group.clusters[$0]) }
        return targets.count == 1 ? .one(targets[0]) : .several(targets)
    }
}
