// Router+Sharding: picks the shards of a table group from hints, keys or the statement kind.

import SwitchyardSQL

extension Router {
    /// The shards of `group` the statement runs on (SPEC §3 "Sharding"), in this order:
    /// `shard=N` hint, `shard_key=V` hint, `all_shards` hint, `SET switchyard.shard`, DDL (every
    /// shard), the key from the statement (WHERE or INSERT VALUES; parameters wait for Bind),
    /// and with no usable key: every shard for a read, an error for a write.
    func shardRoute(
        group groupIndex: Int, table: String, statement: StatementAnalysis, hints: RoutingHints,
        context: RoutingContext, database: CompiledRules, isWrite: Bool, isSchemaChange: Bool
    ) -> Result<ShardRoute, RoutingError> {
        let group = database.routing.shardGroups[groupIndex]
        let count = group.clusters.count
        var everyShard: ShardRoute { .choosing(Array(0..<count), of: group) }
        if let shard = hints.shard {
            guard shard < count else { return .failure(.shardOutOfRange(shard, table: table, count: count)) }
            return .success(.one(ShardTarget(index: shard, cluster: group.clusters[shard])))
        }
        if let text = hints.shardKey {
            guard let key = group.key(forHint: text), let shard = group.shard(of: key) else {
                return .failure(.invalidShardKey(text, key: group.key, type: group.keyType))
            }
            return .success(.one(ShardTarget(index: shard, cluster: group.clusters[shard])))
        }
        if hints.allShards { return .success(everyShard) }
        if let shard = context.overrides.shard {
            guard shard < count else { return .failure(.shardOutOfRange(shard, table: table, count: count)) }
            return .success(.one(ShardTarget(index: shard, cluster: group.clusters[shard])))
        }
        if isSchemaChange { return .success(everyShard) }
        if isWrite, statement.shardKeys.assignedColumns.contains(group.key) {
            return .failure(.shardKeyUpdate(table: table, key: group.key))
        }
        if let values = self.keyValues(for: group, groupIndex: groupIndex, statement: statement, database: database) {
            if values.contains(where: { if case .parameter = $0 { return true } else { return false } }) {
                return .success(.pending(PendingShards(group: group, table: table, values: values, isWrite: isWrite)))
            }
            var shards: [Int] = []
            var isUsable = true
            for value in values {
                guard let key = group.key(for: value), let shard = group.shard(of: key) else {
                    isUsable = false
                    break
                }
                if !shards.contains(shard) { shards.append(shard) }
            }
            if isUsable { return .success(.choosing(shards, of: group)) }
        }
        if isWrite { return .failure(.missingShardKey(table: table, key: group.key)) }
        return .success(everyShard)
    }

    /// The key values that bound the statement's rows: every INSERT row's key, or the
    /// narrowest WHERE predicate on the key (a qualified column must name a table of the group
    /// or its alias).
    private func keyValues(
        for group: ShardGroup, groupIndex: Int, statement: StatementAnalysis, database: CompiledRules
    ) -> [KeyValue]? {
        let facts = statement.shardKeys
        if let inserted = facts.insertedColumns.first(where: { $0.column == group.key }) {
            var values: [KeyValue] = []
            for value in inserted.values {
                guard let value else { return nil }
                values.append(value)
            }
            return values.isEmpty ? nil : values
        }
        var best: [KeyValue]?
        for predicate in facts.predicates where predicate.column == group.key {
            if let qualifier = predicate.qualifier {
                let namesGroupTable = statement.tables.contains { table in
                    (table.name.name == qualifier || table.aliases.contains(qualifier))
                        && database.home(of: table) == .shardGroup(groupIndex)
                }
                guard namesGroupTable else { continue }
            }
            if best == nil || predicate.values.count < best!.count { best = predicate.values }
        }
        return best
    }
}
