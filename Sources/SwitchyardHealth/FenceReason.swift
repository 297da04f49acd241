// FenceReason: why a server that is not in recovery gets no traffic, and why it stopped being fenced.

/// Why a server that reports `pg_is_in_recovery() = false` is fenced instead of being the
/// cluster's primary (split brain: no traffic, a warning, `state = "fenced"` in stats).
///
/// The timeline reasons are sticky: the server stays fenced, even after the primary that fenced it
/// goes down, until a check shows it in recovery (a rewound standby) or on a timeline above
/// `timelineToPass`. Its history diverged from the primary's, so giving it writes would lose
/// the primary's.
package enum FenceReason: Equatable, Sendable {
    /// The configured primary `primary` has not answered a good check yet, and is the primary
    /// until it does; decided again at that check (not sticky).
    case configuredPrimaryNotChecked(primary: Int)
    /// Its `timeline` is older than `newestTimeline`, the newest timeline a primary of this cluster
    /// has served (for example an old primary returning standalone after a failover).
    case olderTimeline(timeline: Int, newestTimeline: Int)
    /// It is on the same timeline as `primary`, which won the tie: it was the primary already, or
    /// comes first in the configuration.
    case sameTimeline(timeline: Int, primary: Int)

    /// The timeline a fenced server must report more than to compete for primary again; nil when
    /// the fence is decided again at every check.
    var timelineToPass: Int? {
        switch self {
        case .configuredPrimaryNotChecked: nil
        case .olderTimeline(_, let newestTimeline): newestTimeline
        case .sameTimeline(let timeline, _): timeline
        }
    }
}

/// Why a fenced server takes traffic again.
package enum UnfenceReason: Equatable, Sendable {
    /// A check shows it in recovery (for example after `pg_rewind`): it is a normal replica.
    case inRecovery
    /// It became the primary: the configured primary it was fenced for turned out older or down,
    /// or it reports a newer timeline.
    case elected
}
