// ClusterHealth+Election: picks the cluster's primary among servers not in recovery, and fences the rest.

extension ClusterHealth {
    /// Picks the primary and decides every fence, from the servers' last good checks.
    ///
    /// 1. While the configured primary is not down and has not answered a good check, it is the
    ///    primary (the start-up belief). Other servers whose checks say not in recovery are
    ///    fenced with `.configuredPrimaryNotChecked`, decided again at its first good check.
    /// 2. Otherwise the candidates are the servers not down whose last good check says not in
    ///    recovery, on a timeline at least `newestTimeline` and, if fenced, above the fence's
    ///    `timelineToPass`. The highest timeline wins: a promotion always moves to a new
    ///    timeline, so that is the newest history. A tie goes to the current primary if it is a
    ///    candidate (no flapping), else to the lowest configured index (deterministic).
    /// 3. Every other server not down that is not in recovery is fenced: `.olderTimeline` below
    ///    the winner's (or the newest) timeline, `.sameTimeline` on it. These fences are sticky:
    ///    a server that diverged does not get writes when the primary it lost to goes down.
    /// 4. A server whose check says in recovery is never fenced. A server that is down keeps
    ///    its fence, to be judged again at its next good check.
    mutating func elect() {
        if let believed = self.believedPrimary() {
            self.primary = believed
            self.fenceAll(except: believed) { _ in .configuredPrimaryNotChecked(primary: believed) }
            return
        }
        var winner: (server: Int, timeline: Int)?
        for index in self.servers.indices {
            guard let timeline = self.candidateTimeline(index) else { continue }
            if let best = winner {
                let isBetter = timeline > best.timeline
                    || (timeline == best.timeline && index == self.primary && best.server != self.primary)
                if isBetter { winner = (index, timeline) }
            } else {
                winner = (index, timeline)
            }
        }
        self.primary = winner?.server
        if let winner {
            self.newestTimeline = max(self.newestTimeline, winner.timeline)
            self.servers[winner.server].fence = nil
        }
        let newest = self.newestTimeline
        self.fenceAll(except: winner?.server) { timeline in
            if let winner, timeline == winner.timeline {
                return .sameTimeline(timeline: timeline, primary: winner.server)
            }
            // Not a candidate and not the winner's timeline: below the newest one (a candidate
            // on a higher timeline would have won).
            return .olderTimeline(timeline: timeline, newestTimeline: newest)
        }
    }

    /// The configured primary while it is not down and has not answered a good check.
    private func believedPrimary() -> Int? {
        self.servers.indices.first { index in
            let server = self.servers[index]
            return server.configuredRole == .primary && server.lastResult == nil && !server.isDown
        }
    }

    /// The timeline of a server that may be elected, nil for one that may not.
    private func candidateTimeline(_ index: Int) -> Int? {
        let server = self.servers[index]
        guard !server.isDown, case .notInRecovery(_, let timeline)? = server.lastResult,
              timeline >= self.newestTimeline
        else { return nil }
        if let toPass = server.fence?.timelineToPass, timeline <= toPass { return nil }
        return timeline
    }

    /// Sets the fence of every server not down except `primary`: none when in recovery or not
    /// checked yet; when not in recovery, the sticky fence it has if that still holds, else
    /// `reason(timeline)`.
    private mutating func fenceAll(except primary: Int?, reason: (Int) -> FenceReason) {
        for index in self.servers.indices where index != primary && !self.servers[index].isDown {
            switch self.servers[index].lastResult {
            case nil, .inRecovery?:
                self.servers[index].fence = nil
            case .notInRecovery(_, let timeline)?:
                if let toPass = self.servers[index].fence?.timelineToPass, timeline <= toPass { continue }
                self.servers[index].fence = reason(timeline)
            }
        }
    }
}
