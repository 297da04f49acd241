// Router+Placement: the cluster and shards of a statement, from its tables, keys and hints.

import SwitchyardSQL

/// The cluster and shards a statement runs on.
struct Placement {
    var cluster: String?
    var shards: ShardRoute
}

extension Router {
    /// Where one table lives: the first matching shard group, else the first matching route,
    /// else the database's default cluster.
    enum TableHome: Hashable {
        case cluster(String)
        case shardGroup(Int)
    }

    func home(of table: TableReference, in database: DatabaseRouting) -> TableHome {
        let schema = table.name.schema
        let name = table.name.name
        for (index, group) in database.shardGroups.enumerated()
        where group.tables.contains(where: { $0.matches(schema: schema, name: name) }) {
            return .shardGroup(index)
        }
        for route in database.routes where route.tables.contains(where: { $0.matches(schema: schema, name: name) }) {
            return .cluster(route.cluster)
        }
        return .cluster(database.defaultCluster)
    }

    func place(
        _ statement: StatementAnalysis, hints: RoutingHints, database: DatabaseRouting, context: RoutingContext,
        isWrite: Bool, isSchemaChange: Bool
    ) -> Result<Placement, RoutingError> {
        let homes = statement.tables.map { self.home(of: $0, in: database) }

        // A cluster named by a hint or `SET switchyard.cluster` wins over the tables.
        if let forced = hints.cluster ?? context.overrides.cluster {
            for home in homes {
                guard case .shardGroup(let index) = home,
                    let shard = database.shardGroups[index].clusters.firstIndex(of: forced)
                else { continue }
                return .success(Placement(cluster: forced, shards: .one(ShardTarget(index: shard, cluster: forced))))
            }
            return .success(Placement(cluster: forced, shards: .unsharded))
        }

        // Shard routes of every table group involved (a shard hint without a sharded table
        // addresses the database's first group).
        var routes: [Int: ShardRoute] = [:]
        var groupIndices = homes.compactMap { home -> Int? in
            if case .shardGroup(let index) = home { return index } else { return nil }
        }
        if groupIndices.isEmpty, hints.shard != nil || hints.shardKey != nil || context.overrides.shard != nil,
            !database.shardGroups.isEmpty
        {
            groupIndices = [0]
        }
        for index in groupIndices where routes[index] == nil {
            let group = database.shardGroups[index]
            let table = zip(statement.tables, homes).first { $0.1 == .shardGroup(index) }?.0.name.description
            switch self.shardRoute(
                group: group, groupIndex: index, table: table ?? group.tables.first?.description ?? "", statement: statement,
                hints: hints, context: context, database: database, isWrite: isWrite, isSchemaChange: isSchemaChange)
            {
            case .success(let route): routes[index] = route
            case .failure(let error): return .failure(error)
            }
        }

        guard !homes.isEmpty else {
            if let index = groupIndices.first, let route = routes[index] {
                return .success(Placement(cluster: Self.singleCluster(of: route), shards: route))
            }
            return .success(Placement(cluster: database.defaultCluster, shards: .unsharded))
        }

        // Every table must end up on the same single cluster, or all in one table group.
        let firstHome = homes[0]
        let allSameHome = homes.allSatisfy { $0 == firstHome }
        if allSameHome {
            switch firstHome {
            case .cluster(let cluster):
                return .success(Placement(cluster: cluster, shards: .unsharded))
            case .shardGroup(let index):
                let route = routes[index]!
                return .success(Placement(cluster: Self.singleCluster(of: route), shards: route))
            }
        }
        var commonCluster: String?
        var chosenShard: ShardTarget?
        for (position, home) in homes.enumerated() {
            let cluster: String?
            switch home {
            case .cluster(let name):
                cluster = name
            case .shardGroup(let index):
                if case .one(let target) = routes[index]! {
                    cluster = target.cluster
                    chosenShard = target
                } else {
                    cluster = nil
                }
            }
            if position == 0 {
                commonCluster = cluster
                if cluster != nil { continue }
            }
            guard let cluster, position > 0, cluster == commonCluster else {
                // Name the first table and the first one that cannot join it.
                let other = position > 0 ? position : (homes.firstIndex { $0 != firstHome } ?? 0)
                return .failure(.crossCluster(
                    statement.tableNames[0], self.describe(homes[0], routes: routes, database: database),
                    statement.tableNames[other], self.describe(homes[other], routes: routes, database: database)))
            }
        }
        return .success(Placement(cluster: commonCluster, shards: chosenShard.map(ShardRoute.one) ?? .unsharded))
    }

    static func singleCluster(of route: ShardRoute) -> String? {
        if case .one(let target) = route { return target.cluster }
        return nil
    }

    /// "cluster users", "cluster shard0", or "clusters shard0, shard1" for an unresolved group.
    private func describe(_ home: TableHome, routes: [Int: ShardRoute], database: DatabaseRouting) -> String {
        switch home {
        case .cluster(let name):
            return "cluster \(name)"
        case .shardGroup(let index):
            switch routes[index] {
            case .one(let target)?: return "cluster \(target.cluster)"
            case .several(let targets)?: return "clusters \(targets.map(\.cluster).joined(separator: ", "))"
            case .pending?, .unsharded?, nil: return "clusters \(database.shardGroups[index].clusters.joined(separator: ", "))"
            }
        }
    }
}
