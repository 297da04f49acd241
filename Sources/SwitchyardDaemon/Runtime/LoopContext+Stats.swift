// LoopContext+Stats: one loop's contribution to a stats snapshot, made on the loop and sent back.
import Glibc
import SwitchyardAdmin
import SwitchyardIO
import SwitchyardWire

/// What one loop reports for a snapshot: copies, safe to send to the admin side.
struct LoopReport: Sendable {
    var counters: LoopCounters
    var pools: [PoolStats]
    /// Server connections per server (`ServerKey`): leased and idle.
    var connections: [ServerKey: ConnectionCounts]
    var clients: [ClientInfo]
    var connected = 0
    var waiting = 0
    var pinned = 0
}

extension LoopContext {
    /// This loop's counters, pools and (when asked) clients.
    func report(includeClients: Bool, wallClockOffset: Int) -> LoopReport {
        var report = LoopReport(counters: self.counters, pools: [], connections: [:], clients: [])
        for pool in self.pools.values {
            let cluster = pool.origin?.cluster ?? ""
            report.pools.append(
                PoolStats(
                    cluster: cluster,
                    server: pool.key.serverName,
                    user: pool.key.user,
                    database: pool.key.database,
                    active: pool.activeCount,
                    idle: pool.idleCount,
                    waiting: pool.waiterCount,
                    maxSize: pool.budget.currentLimit
                )
            )
            let key = ServerKey(cluster: cluster, host: pool.serverHost, port: Int(pool.key.address.port))
            var counts = report.connections[key] ?? ConnectionCounts()
            counts.active += pool.activeCount
            counts.idle += pool.idleCount
            report.connections[key] = counts
        }
        for client in self.clients.values {
            guard case .ready = client.phase else { continue }
            report.connected += 1
            if client.isWaitingForLease { report.waiting += 1 }
            if client.isPinned { report.pinned += 1 }
            guard includeClients else { continue }
            let state: ClientState
            if client.isWaitingForLease {
                state = .waiting
            } else if client.transactionStatus != .idle {
                state = .inTransaction
            } else if client.link != nil {
                state = .active
            } else {
                state = .idle
            }
            report.clients.append(
                ClientInfo(
                    id: Int(truncatingIfNeeded: client.id),
                    user: client.userName,
                    database: client.databaseName,
                    applicationName: client.applicationName,
                    peer: client.peer.map(String.init(describing:)) ?? "",
                    state: state,
                    isPinned: client.isPinned,
                    connectedAt: wallClockOffset + Int(client.connectedAt / 1_000_000_000),
                    cluster: client.linkTarget?.cluster,
                    server: client.link?.serverName
                )
            )
        }
        return report
    }
}
