// ServerStatementCache: which of the proxy's prepared statements exist on one server connection.

/// A bounded set of statement IDs prepared on one server connection, least recently used first out.
///
/// The proxy names every client statement `sy_<id>` on servers, with one ID per distinct
/// (query, parameter types); a client's Bind on a connection lacking the ID makes the proxy
/// prepare it first. When the cache is full the least recently used statement is closed.
package struct ServerStatementCache: Sendable {
    private var lastUse: [UInt64: UInt64] = [:]
    private var clock: UInt64 = 0
    /// Most statements kept per connection.
    package let capacity: Int

    package init(capacity: Int) { self.capacity = max(1, capacity) }

    package var count: Int { self.lastUse.count }

    /// Whether the statement is prepared here; marks it used.
    package mutating func contains(_ id: UInt64) -> Bool {
        guard self.lastUse[id] != nil else { return false }
        self.clock &+= 1
        self.lastUse[id] = self.clock
        return true
    }

    /// Records that `id` is being prepared; returns the ID to close first when the cache is full.
    package mutating func insert(_ id: UInt64) -> UInt64? {
        var evicted: UInt64?
        if self.lastUse[id] == nil && self.lastUse.count >= self.capacity {
            // A linear scan, but only when full, and bounded by `capacity`.
            if let oldest = self.lastUse.min(by: { $0.value < $1.value })?.key {
                self.lastUse[oldest] = nil
                evicted = oldest
            }
        }
        self.clock &+= 1
        self.lastUse[id] = self.clock
        return evicted
    }

    /// Forgets a statement that failed to prepare or was closed.
    package mutating func remove(_ id: UInt64) { self.lastUse[id] = nil }

    /// Forgets everything (after DISCARD ALL or DEALLOCATE ALL on the server).
    package mutating func removeAll() { self.lastUse.removeAll(keepingCapacity: true) }
}
