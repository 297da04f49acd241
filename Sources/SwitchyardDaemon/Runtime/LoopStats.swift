// LoopStats: one loop's traffic counters, plain integers on the loop's own thread, merged on request.

/// Counters a loop keeps for stats; never shared, never locked.
struct LoopStats {
    var queries = 0
    var reads = 0
    var writes = 0
    var errors = 0
    var routingErrors = 0
    /// Reads that went to a primary, by reason.
    var primaryReads: [PrimaryReadReason: Int] = [:]
}
