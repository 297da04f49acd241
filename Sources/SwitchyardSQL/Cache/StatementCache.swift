// StatementCache: a bounded map from statement text bytes to their analysis, with no work on a hit.

/// An 8-way set-associative cache from query text to `SQLAnalysis`.
///
/// - A lookup hashes the bytes, scans the eight hashes of one set and compares the bytes of a
///   matching entry with the stored copy: no `String`, no allocation.
/// - Admission: a text is stored only the second time it misses (a "doorkeeper" bit set of
///   recently missed hashes), so a stream of one-off texts (literals that change every time)
///   neither evicts the statements that repeat nor allocates a copy for each.
/// - Eviction: the least recently used entry of the set.
/// - Bounded: `capacity` entries of at most `maximumTextLength` bytes each; longer texts are
///   never stored.
///
/// Belongs to one event loop: not thread-safe and not `Sendable`.
package final class StatementCache {
    private static let ways = 8

    /// Entry hashes; 0 marks an empty slot (stored hashes always have their low bit set).
    private var hashes: [UInt64]
    private var lastUse: [UInt64]
    private var texts: [[UInt8]]
    private var analyses: [SQLAnalysis?]
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
    ///   - capacity: the number of entries (rounded up to a power of two, at least 8).
    ///   - maximumTextLength: texts longer than this are analysed every time.
    ///   - seed: a per-process random value makes the slot of a text unpredictable to clients.
    package init(capacity: Int = 1024, maximumTextLength: Int = 4096, seed: UInt64 = 0) {
        var size = Self.ways
        while size < capacity { size <<= 1 }
        self.hashes = Array(repeating: 0, count: size)
        self.lastUse = Array(repeating: 0, count: size)
        self.texts = Array(repeating: [], count: size)
        self.analyses = Array(repeating: nil, count: size)
        self.setMask = size / Self.ways - 1
        self.maximumTextLength = maximumTextLength
        self.seed = seed
        self.doorkeeper = Array(repeating: 0, count: max(64, size * 4) / 64)
    }

    package var capacity: Int { self.hashes.count }

    package var count: Int { self.hashes.reduce(0) { $0 + ($1 == 0 ? 0 : 1) } }

    @inline(__always)
    private func hash(of text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        ByteHash.hash(text, seed: self.seed) | 1
    }

    /// The cached analysis of `text`, if any.
    package func lookup(_ text: UnsafeBufferPointer<UInt8>) -> SQLAnalysis? {
        guard text.count <= self.maximumTextLength else {
            self.misses += 1
            return nil
        }
        let hash = self.hash(of: text)
        let first = (Int(truncatingIfNeeded: hash >> 1) & self.setMask) &* Self.ways
        for slot in first..<(first + Self.ways) where self.hashes[slot] == hash {
            let matches = self.texts[slot].withUnsafeBufferPointer { ByteHash.equal($0, text) }
            if matches, let analysis = self.analyses[slot] {
                self.clock &+= 1
                self.lastUse[slot] = self.clock
                self.hits += 1
                return analysis
            }
        }
        self.misses += 1
        return nil
    }

    /// Offers the analysis of a text that just missed; stored if the text missed recently too.
    package func offer(_ text: UnsafeBufferPointer<UInt8>, analysis: SQLAnalysis) {
        guard text.count <= self.maximumTextLength else { return }
        let hash = self.hash(of: text)
        guard self.admit(hash) else { return }
        let first = (Int(truncatingIfNeeded: hash >> 1) & self.setMask) &* Self.ways
        var victim = first
        for slot in first..<(first + Self.ways) {
            if self.hashes[slot] == 0 {
                victim = slot
                break
            }
            if self.lastUse[slot] < self.lastUse[victim] { victim = slot }
        }
        self.clock &+= 1
        self.hashes[victim] = hash
        self.lastUse[victim] = self.clock
        self.texts[victim] = Array(text)
        self.analyses[victim] = analysis
    }

    /// Empties the cache (after a reload changes what analysis depends on).
    package func removeAll() {
        for slot in self.hashes.indices {
            self.hashes[slot] = 0
            self.texts[slot] = []
            self.analyses[slot] = nil
        }
        for index in self.doorkeeper.indices { self.doorkeeper[index] = 0 }
    }

    private func admit(_ hash: UInt64) -> Bool {
        self.missesSinceReset += 1
        if self.missesSinceReset >= Self.doorkeeperResetInterval {
            self.missesSinceReset = 0
            for index in self.doorkeeper.indices { self.doorkeeper[index] = 0 }
        }
        let bit = Int(truncatingIfNeeded: hash >> 40) & (self.doorkeeper.count * 64 - 1)
        let word = bit >> 6
        let mask: UInt64 = 1 << UInt64(bit & 63)
        if self.doorkeeper[word] & mask != 0 { return true }
        self.doorkeeper[word] |= mask
        return false
    }
}
