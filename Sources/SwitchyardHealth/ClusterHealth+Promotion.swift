// ClusterHealth+Promotion: when and which replica the proxy promotes under promote = "auto".

extension ClusterHealth {
    /// Tracks how long the cluster has been without a primary and, with `promote = .auto`,
    /// asks for a promotion when it is due.
    ///
    /// The moment the primary is lost is the time of the input that lost it. Once
    /// `promoteAfterMs` has passed since then (and, after a failed promotion, `intervalMs` since
    /// the failure), with no promotion in flight, `promote` is emitted for the up replica with
    /// the highest replay position; a replica that has not reported one ranks last, and equal
    /// positions go to the lowest index. It is emitted once: the next needs `promotionFailed`,
    /// and any primary appearing ends the wait. With no replica to promote nothing is emitted,
    /// and every later input tries again.
    mutating func advancePromotion(now: UInt64) -> [HealthEvent] {
        switch self.promotion {
        case .primaryPresent:
            guard self.primary == nil else { return [] }
            self.promotion = .primaryMissing(since: now, retryAt: nil)
        case .primaryMissing, .promoting:
            guard self.primary == nil else {
                self.promotion = .primaryPresent
                return []
            }
        }
        guard case .primaryMissing(let since, let retryAt) = self.promotion, self.policy.promote == .auto else {
            return []
        }
        let (due, overflow) = since.addingReportingOverflow(self.policy.promoteAfterNanoseconds)
        guard !overflow, now >= due, now >= retryAt ?? 0, let server = self.mostAdvancedReplica() else {
            return []
        }
        self.promotion = .promoting(server: server, primaryMissingSince: since)
        return [.promote(server: server)]
    }

    /// The up replica, as a good check showed it, with the highest replay position.
    private func mostAdvancedReplica() -> Int? {
        var best: (server: Int, position: UInt64?)?
        for index in self.servers.indices {
            let server = self.servers[index]
            guard !server.isDown, server.fence == nil, case .inRecovery(let position)? = server.lastResult else {
                continue
            }
            guard let current = best else {
                best = (index, position)
                continue
            }
            // Strictly greater, so that the lowest index keeps a tie; not reported ranks last.
            let isBetter: Bool
            switch (position, current.position) {
            case (let position?, let currentPosition?): isBetter = position > currentPosition
            case (.some, nil): isBetter = true
            case (nil, _): isBetter = false
            }
            if isBetter { best = (index, position) }
        }
        return best?.server
    }
}
