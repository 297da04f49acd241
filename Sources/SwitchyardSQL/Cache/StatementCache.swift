// StatementCache: a bounded map from statement text bytes to their analysis, with no work on a hit.

/// A two-way set-associative cache from query text to `SQLAnalysis`.
///
/// - A lookup hashes the bytes and compares them with the stored copy: no `String`, no
///   allocation.
/// - Admission: a text is stored only the second time it misses (a "doorkeeper" bit set of
///   recently missed hashes), so a stream of one-off texts (literals that change every time)
///   neither evicts the statements that repeat nor allocates a copy for each.
/// - Bounded: `capacity` entries of at most `maximumTextLength` bytes each; longer texts are
///   never stored.
///
/// Belongs to one event loop: not thread-safe and not `Sendable`.
package final class StatementCache {
    private struct Entry {
        var hash: UInt64
        var text: [UInt8]
        var analysis: SQLAnalysis
        var lastUse: UInt64
    }

    private var entries: [Entry?]
    private let setMask: Int
    package let maximumTextLength: Int
    private let seed: UInt64
    private var clock: UInt64 = 0
    /// Doorkeeper bits of recently missed hashes; cleared every `doorkeeperResetInterval` misses.
    private var doorkeeper: [UInt64]
    private var missesSinceReset = 0
    private static let doorkeeperResetInterval = 65_536

    package private(set) var hits = 0
    package private(set) var misses = 0

    /// - Parameters:
    ///   - capacity: the number of entries (rounded up to a power of two, at least 2).
    ///   - maximumTextLength: texts longer than this are analysed every time.
    ///   - seed: a per-process random value makes the slot of a text unpredictable to clients.
    package init(capacity: Int = 1024, maximumTextLength: Int = 4096, seed: UInt64 = 0) {
        var size = 2
        while size < capacity { size <<= 1 }
        self.entries = Array(repeating: nil, count: size)
        self.setMask = size / 2 - 1
        self.maximumTextLength = maximumTextLength
        self.seed = seed
        self.doorkeeper = Array(repeating: 0, count: max(64, size * 4) / 64)
    }

    package var count: Int { self.entries.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// The cached analysis of `text`, if any.
    package func lookup(_ text: UnsafeBufferPointer<UInt8>) -> SQLAnalysis? {
        guard text.count <= self.maximumTextLength else { return nil }
        let hash = ByteHash.hash(text, seed: self.seed)
        let first = Int(truncatingIfNeeded: hash) & self.setMask &* 2
        for slot in first...(first + 1) {
            guard let entry = self.entries[slot], entry.hash == hash else { continue }
            let matches = entry.text.withUnsafeBufferPointer { ByteHash.equal($0, text) }
            if matches {
                self.clock &+= 1
                self.entries[slot]!.lastUse = self.clock
                self.hits += 1
                return entry.analysis
            }
        }
        self.misses += 1
        return nil
    }

    /// Offers the analysis of a text that just missed; stored if the text missed recently too.
    package func offer(_ text: UnsafeBufferPointer<UInt8>, analysis: SQLAnalysis) {
        guard text.count <= self.maximumTextLength else { return }
        let hash = ByteHash.hash(text, seed: self.seed)
        guard self.admit(hash) else { return }
        let first = Int(truncatingIfNeeded: hash) & self.setMask &* 2
        let victim: Int
        switch (self.entries[first], self.entries[first + 1]) {
        case (nil, _): victim = first
        case (_, nil): victim = first + 1
        case (let a?, let b?): victim = a.lastUse <= b.lastUse ? first : first + 1
        }
        self.clock &+= 1
        self.entries[victim] = Entry(hash: hash, text: Array(text), analysis: analysis, lastUse: self.clock)
    }

    /// Empties the cache (after a reload changes what analysis depends on).
    package func removeAll() {
        for index in self.entries.indices { self.entries[index] = nil }
        for index in self.doorkeeper.indices { self.doorkeeper[index] = 0 }
    }

    private func admit(_ hash: UInt64) -> Bool {
        self.missesSinceReset += 1
        if self.missesSinceReset >= Self.doorkeeperResetInterval {
            self.missesSinceReset = 0
            for index in self.doorkeeper.indices { self.doorkeeper[index] = 0 }
        }
        let bit = Int(truncatingIfNeeded: hash >> 32) & (self.doorkeeper.count * 64 - 1)
        let word = bit >> 6
        let mask: UInt64 = 1 << UInt64(bit & 63)
        if self.doorkeeper[word] & mask != 0 { return true }
        self.doorkeeper[word] |= mask
        return false
    }
}
