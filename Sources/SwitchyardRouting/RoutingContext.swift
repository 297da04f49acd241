// RoutingContext: what the router needs to know about the client's session besides the SQL.

import SwitchyardSQL

/// The session facts a routing decision depends on.
package struct RoutingContext: Hashable, Sendable {
    /// The client's transaction, as far as routing is concerned.
    package enum TransactionState: Hashable, Sendable {
        /// Autocommit: each statement goes where it belongs.
        case none
        /// Inside `BEGIN ... READ ONLY` (or after `SET TRANSACTION READ ONLY`): reads stay on a
        /// replica.
        case readOnly
        /// Inside any other explicit transaction: reads run on the primary with the writes.
        case readWrite
    }

    /// The database the client connected to (a `[databases.X]` name).
    package var database: String
    /// The session's `SET switchyard.*` values.
    package var overrides: SessionOverrides
    package var transaction: TransactionState

    package init(
        database: String, overrides: SessionOverrides = SessionOverrides(), transaction: TransactionState = .none
    ) {
        self.database = database
        self.overrides = overrides
        self.transaction = transaction
    }
}

/// The session-level `SET switchyard.*` values (`RESET` restores these defaults).
package struct SessionOverrides: Hashable, Sendable {
    package var target: TargetPreference = .auto
    package var cluster: String?
    package var shard: Int?

    package init(target: TargetPreference = .auto, cluster: String? = nil, shard: Int? = nil) {
        self.target = target
        self.cluster = cluster
        self.shard = shard
    }

    /// Applies a proxy command (`SET`/`RESET switchyard.*`); `SHOW` and invalid commands change
    /// nothing.
    package mutating func apply(_ command: ProxyCommand) {
        switch command {
        case .setTarget(let target): self.target = target
        case .setCluster(let cluster): self.cluster = cluster
        case .setShard(let shard): self.shard = shard
        case .reset(nil): self = SessionOverrides()
        case .reset(.target): self.target = .auto
        case .reset(.cluster): self.cluster = nil
        case .reset(.shard): self.shard = nil
        case .show, .unknownSetting, .invalidValue: break
        }
    }

    /// The current value of a setting as `SHOW switchyard.x` reports it.
    package func value(of setting: ProxySetting) -> String {
        switch setting {
        case .target: return self.target.rawValue
        case .cluster: return self.cluster ?? ""
        case .shard: return self.shard.map(String.init) ?? ""
        }
    }
}
