// RoutingError: why a statement cannot be routed, as a SQLSTATE and a PostgreSQL-style message.

/// A statement the router refuses. The session reports it to the client as an ERROR (the
/// session stays usable); messages follow PostgreSQL's style: lower case, no final period,
/// naming the tables, clusters and keys involved.
package struct RoutingError: Error, Hashable, Sendable {
    package var sqlState: String
    package var message: String

    package init(sqlState: String, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    /// The SQLSTATE codes routing uses; no other file spells one.
    package enum Code {
        /// 0A000 feature_not_supported: cross-cluster statements, keyless sharded writes.
        package static let featureNotSupported = "0A000"
        /// 22023 invalid_parameter_value: a bad hint or `SET switchyard.*` value.
        package static let invalidParameterValue = "22023"
        /// 3D000 invalid_catalog_name: the database has no `[databases.X]`.
        package static let invalidCatalogName = "3D000"
        /// 42704 undefined_object: `switchyard.<name>` is not a setting.
        package static let undefinedObject = "42704"
    }

    // MARK: - Constructors

    /// Two tables of one statement live on different clusters.
    static func crossCluster(
        _ first: String, _ firstPlace: String, _ second: String, _ secondPlace: String
    ) -> RoutingError {
        RoutingError(
            sqlState: Code.featureNotSupported,
            message: "cannot join \(Self.quoted(first)) (\(firstPlace)) with \(Self.quoted(second)) (\(secondPlace))")
    }

    static func missingShardKey(table: String, key: String) -> RoutingError {
        RoutingError(
            sqlState: Code.featureNotSupported,
            message: "sharded write on \(Self.quoted(table)) needs the shard key \(Self.quoted(key))")
    }

    static func shardKeyUpdate(table: String, key: String) -> RoutingError {
        RoutingError(
            sqlState: Code.featureNotSupported,
            message: "cannot update the shard key \(Self.quoted(key)) of sharded table \(Self.quoted(table))")
    }

    static let proxyCommandInMultiStatement = RoutingError(
        sqlState: Code.featureNotSupported,
        message: "switchyard commands cannot be combined with other statements in one query")

    static func unknownCluster(_ name: String) -> RoutingError {
        RoutingError(sqlState: Code.invalidParameterValue, message: "cluster \(Self.quoted(name)) does not exist")
    }

    static func shardOutOfRange(_ shard: Int, table: String, count: Int) -> RoutingError {
        RoutingError(
            sqlState: Code.invalidParameterValue,
            message: "shard \(shard) does not exist: \(Self.quoted(table)) has \(count) shards")
    }

    static func invalidShardKey(_ value: String, key: String, type: ShardKeyType) -> RoutingError {
        RoutingError(
            sqlState: Code.invalidParameterValue,
            message: "invalid shard_key \(Self.quoted(value)) for \(type.rawValue) shard key \(Self.quoted(key))")
    }

    static func invalidHint(_ item: String) -> RoutingError {
        RoutingError(sqlState: Code.invalidParameterValue, message: "invalid switchyard hint \(Self.quoted(item))")
    }

    static func unknownSetting(_ name: String) -> RoutingError {
        RoutingError(
            sqlState: Code.undefinedObject,
            message: "unrecognized configuration parameter \(Self.quoted("switchyard.\(name)"))")
    }

    static func invalidSettingValue(_ name: String, _ value: String) -> RoutingError {
        RoutingError(
            sqlState: Code.invalidParameterValue,
            message: "invalid value for parameter \(Self.quoted("switchyard.\(name)")): \(Self.quoted(value))")
    }

    static func unknownDatabase(_ name: String) -> RoutingError {
        RoutingError(sqlState: Code.invalidCatalogName, message: "database \(Self.quoted(name)) does not exist")
    }

    private static func quoted(_ name: String) -> String { "\"\(name)\"" }
}
