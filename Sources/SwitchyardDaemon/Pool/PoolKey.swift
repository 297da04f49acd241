// PoolKey: what makes two server connections interchangeable.
import SwitchyardIO

/// Server connections are pooled per server, database and login user.
package struct PoolKey: Hashable, Sendable, CustomStringConvertible {
    package var address: SocketAddress
    /// `host:port` as configured, for logs and stats.
    package var serverName: String
    package var database: String
    package var user: String

    package init(address: SocketAddress, serverName: String, database: String, user: String) {
        self.address = address
        self.serverName = serverName
        self.database = database
        self.user = user
    }

    package var description: String { "\(self.user)@\(self.serverName)/\(self.database)" }
}
