// Router+Merge: one decision for a multi-statement simple query from its statements' decisions.

import SwitchyardSQL

extension Router {
    /// Combines the decisions of the statements of one query text. The statements run together
    /// on one server connection, so:
    /// - the text is a write if any statement is; a read only if all are; transaction control
    ///   or session statements mixed with reads make it run on a primary;
    /// - the statements that name tables must agree on one cluster (or on shards of one table
    ///   group, united); statements without tables follow them.
    func merge(
        _ decisions: [RouteDecision], of statements: [StatementAnalysis], database: CompiledRules
    ) -> Result<RouteDecision, RoutingError> {
        let first = decisions[0]
        var merged = first
        var tables: [String] = []
        for decision in decisions {
            for table in decision.tables where !tables.contains(table) { tables.append(table) }
        }
        merged.tables = tables

        if let write = decisions.first(where: { $0.kind == .write }) {
            merged.kind = .write
            merged.target = .primary
            merged.reason = write.reason
        } else if decisions.allSatisfy({ $0.kind == .read }) {
            merged.kind = .read
            merged.target = decisions.allSatisfy { $0.target == .replica } ? .replica : .primary
            merged.reason = decisions.first { $0.target == .primary }?.reason ?? first.reason
        } else if decisions.allSatisfy({ $0.kind == .other }) {
            merged.kind = .other
        } else {
            let other = decisions.first { $0.kind == .other } ?? first
            merged.kind = .other
            merged.target = .primary
            merged.reason = "\(other.reason) with reads"
        }

        // Placement: agree among the statements that name tables.
        let placed = zip(decisions, statements).filter { !$0.1.tables.isEmpty }
        guard let anchor = placed.first else { return .success(merged) }
        var cluster = anchor.0.cluster
        var shards = anchor.0.shards
        for (decision, statement) in placed.dropFirst() {
            switch (shards, decision.shards) {
            case (.unsharded, .unsharded) where decision.cluster == cluster:
                continue
            case (.one(let a), .one(let b)) where a == b:
                continue
            case (.one, .one), (.one, .several), (.several, .one), (.several, .several):
                guard let union = Self.union(shards, decision.shards) else { break }
                shards = union
                cluster = Self.singleCluster(of: union)
                continue
            default:
                break
            }
            return .failure(
                .crossCluster(
                    anchor.1.tableNames[0], Self.describe(anchor.0), statement.tableNames[0], Self.describe(decision)))
        }
        merged.cluster = cluster
        merged.shards = shards
        return .success(merged)
    }

    /// The union of two shard choices of the same table group (same cluster at each index).
    private static func union(_ lhs: ShardRoute, _ rhs: ShardRoute) -> ShardRoute? {
        var targets = Self.targets(lhs) ?? []
        for target in Self.targets(rhs) ?? [] {
            if let existing = targets.first(where: { $0.index == target.index }) {
                guard existing.cluster == target.cluster else { return nil }
            } else {
                targets.append(target)
            }
        }
        targets.sort { $0.index < $1.index }
        return targets.count == 1 ? .one(targets[0]) : .several(targets)
    }

    private static func targets(_ route: ShardRoute) -> [ShardTarget]? {
        switch route {
        case .one(let target): return [target]
        case .several(let targets): return targets
        case .unsharded, .pending: return nil
        }
    }

    private static func describe(_ decision: RouteDecision) -> String {
        if let cluster = decision.cluster { return "cluster \(cluster)" }
        switch decision.shards {
        case .several(let targets): return "clusters \(targets.map(\.cluster).joined(separator: ", "))"
        case .pending(let pending): return "clusters \(pending.group.clusters.joined(separator: ", "))"
        case .one(let target): return "cluster \(target.cluster)"
        case .unsharded: return "no cluster"
        }
    }
}
