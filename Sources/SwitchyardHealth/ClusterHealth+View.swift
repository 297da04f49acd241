// ClusterHealth+View: builds the published ClusterView and turns the difference between two into events.

extension ClusterHealth {
    /// The decision as it stands: the elected primary, and per server its state, role, lag and
    /// whether it may take reads and writes.
    func makeView() -> ClusterView {
        let primaryPosition = self.primary.flatMap { self.servers[$0].lastResult?.walPosition }
        let servers = self.servers.indices.map { index in
            let server = self.servers[index]
            let state: ClusterView.ServerState
            if server.isDown {
                state = .down
            } else if let fence = server.fence {
                state = .fenced(fence)
            } else {
                state = .up
            }
            let role: ReplicationRole
            if index == self.primary {
                role = .primary
            } else if let result = server.lastResult {
                role = result.isInRecovery ? .replica : .primary
            } else {
                role = server.configuredRole
            }
            var lag: UInt64?
            if state == .up, role == .replica, let primaryPosition, let position = server.lastResult?.walPosition {
                lag = LSN.lag(primary: primaryPosition, replica: position)
            }
            let isLagTolerable = lag.map { $0 <= self.policy.maxReplicaLagBytes } ?? true
            return ClusterView.Server(
                state: state,
                role: role,
                walPosition: server.lastResult?.walPosition,
                lagBytes: lag,
                isReadable: state == .up && role == .replica && isLagTolerable,
                isWritable: index == self.primary
            )
        }
        return ClusterView(primary: self.primary, servers: servers)
    }

    /// The state and primary events between two views of the same cluster.
    static func changes(from before: ClusterView, to after: ClusterView) -> [HealthEvent] {
        var events: [HealthEvent] = []
        for index in after.servers.indices {
            let was = before.servers[index].state
            let now = after.servers[index].state
            switch (was, now) {
            case (.up, .up), (.down, .down):
                break
            case (.up, .down), (.fenced, .down):
                events.append(.serverDown(server: index))
            case (.down, .up):
                events.append(.serverUp(server: index))
            case (.down, .fenced(let reason)):
                events.append(.serverUp(server: index))
                events.append(.serverFenced(server: index, reason: reason))
            case (.up, .fenced(let reason)):
                events.append(.serverFenced(server: index, reason: reason))
            case (.fenced(let old), .fenced(let new)):
                if old != new { events.append(.serverFenced(server: index, reason: new)) }
            case (.fenced, .up):
                // Up and not the primary means in recovery: elect() fences every other server
                // that is not.
                let reason: UnfenceReason = after.primary == index ? .elected : .inRecovery
                events.append(.serverUnfenced(server: index, reason: reason))
            }
        }
        if before.primary != after.primary {
            events.append(.primaryChanged(old: before.primary, new: after.primary))
        }
        return events
    }

    /// Records which replicas are over the lag limit, for those whose lag is known, and reports
    /// the crossings. `lagBytes > maxReplicaLagBytes` is over; equal is within.
    mutating func updateLagLimitFlags(_ view: ClusterView) -> [HealthEvent] {
        var events: [HealthEvent] = []
        for index in view.servers.indices {
            guard let lag = view.servers[index].lagBytes else { continue }
            let isOver = lag > self.policy.maxReplicaLagBytes
            guard isOver != self.servers[index].isOverLagLimit else { continue }
            self.servers[index].isOverLagLimit = isOver
            events.append(
                isOver ? .lagExceeded(server: index, lagBytes: lag) : .lagRecovered(server: index, lagBytes: lag)
            )
        }
        return events
    }
}
