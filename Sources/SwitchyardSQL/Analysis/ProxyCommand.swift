// ProxyCommand: `SET`, `RESET` and `SHOW` of the proxy's own `switchyard.*` session settings.

/// A session setting of the proxy itself.
package enum ProxySetting: String, Hashable, Sendable, CaseIterable {
    /// `switchyard.target`: `primary`, `replica` or `auto`.
    case target
    /// `switchyard.cluster`: route every statement to this cluster.
    case cluster
    /// `switchyard.shard`: route every statement on a sharded table group to this shard.
    case shard
}

/// The value of `switchyard.target`.
package enum TargetPreference: String, Hashable, Sendable {
    case primary, replica, auto
}

/// A statement addressed to the proxy, or the reason it cannot be understood.
package enum ProxyCommand: Hashable, Sendable {
    case setTarget(TargetPreference)
    case setCluster(String)
    case setShard(Int)
    /// `RESET switchyard.x` or `SET switchyard.x TO DEFAULT`; `nil` for `RESET switchyard.*`.
    case reset(ProxySetting?)
    /// `SHOW switchyard.x`; `nil` for `SHOW switchyard.*`.
    case show(ProxySetting?)
    /// `switchyard.<name>` is not a setting the proxy has.
    case unknownSetting(String)
    /// The value given cannot be a value of that setting.
    case invalidValue(ProxySetting, String)

    package var reason: String {
        switch self {
        case .setTarget: return "SET switchyard.target"
        case .setCluster: return "SET switchyard.cluster"
        case .setShard: return "SET switchyard.shard"
        case .reset(let setting): return "RESET switchyard.\(setting?.rawValue ?? "*")"
        case .show(let setting): return "SHOW switchyard.\(setting?.rawValue ?? "*")"
        case .unknownSetting(let name): return "unknown setting switchyard.\(name)"
        case .invalidValue(let setting, _): return "invalid value for switchyard.\(setting.rawValue)"
        }
    }
}
