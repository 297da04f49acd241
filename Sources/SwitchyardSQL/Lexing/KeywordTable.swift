// KeywordTable: maps the lower-cased bytes of an unquoted word to its `Keyword` without allocating.

/// Up to 24 lower-cased bytes of a word packed into three integers; longer words are never
/// key words, so they pack as `tooLong`.
struct PackedWord: Hashable {
    var a: UInt64 = 0
    var b: UInt64 = 0
    var c: UInt64 = 0

    static let maximumLength = 24
    static let tooLong = PackedWord(a: .max, b: .max, c: .max)

    /// Adds the byte at `position` (0-based, below `maximumLength`), already lower-cased.
    @inline(__always)
    mutating func set(_ byte: UInt8, at position: Int) {
        let shift = UInt64((position & 7) << 3)
        switch position >> 3 {
        case 0: self.a |= UInt64(byte) << shift
        case 1: self.b |= UInt64(byte) << shift
        default: self.c |= UInt64(byte) << shift
        }
    }

    init(a: UInt64, b: UInt64, c: UInt64) {
        self.a = a
        self.b = b
        self.c = c
    }

    init() {}

    /// Packs an ASCII spelling (used to build the table).
    init(spelling: String) {
        for (position, byte) in spelling.utf8.enumerated() where position < Self.maximumLength {
            self.set(byte, at: position)
        }
    }
}

/// An open-addressing table from packed spellings to key words, built once.
struct KeywordTable: Sendable {
    private static let slotBits = 10
    private var keys: [PackedWord]
    private var values: [Keyword]

    static let shared = KeywordTable()

    private init() {
        let size = 1 << Self.slotBits
        self.keys = Array(repeating: PackedWord(), count: size)
        self.values = Array(repeating: .none, count: size)
        for keyword in Keyword.allCases where keyword != .none {
            let packed = PackedWord(spelling: String(describing: keyword))
            var slot = Self.slot(of: packed)
            while self.values[slot] != .none {
                slot = (slot + 1) & (size - 1)
            }
            self.keys[slot] = packed
            self.values[slot] = keyword
        }
    }

    @inline(__always)
    private static func slot(of word: PackedWord) -> Int {
        let mixed =
            (word.a &* 0x9E37_79B9_7F4A_7C15) ^ (word.b &* 0xC2B2_AE3D_27D4_EB4F) ^ (word.c &* 0x1656_67B1_9E37_79F9)
        return Int(truncatingIfNeeded: mixed >> UInt64(64 - Self.slotBits))
    }

    /// The key word spelled by `word`, or `.none`.
    @inline(__always)
    func keyword(for word: PackedWord) -> Keyword {
        var slot = Self.slot(of: word)
        let mask = (1 << Self.slotBits) - 1
        while true {
            let value = self.values[slot]
            if value == .none { return .none }
            if self.keys[slot] == word { return value }
            slot = (slot + 1) & mask
        }
    }
}
