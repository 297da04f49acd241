// TextEdit: a byte-range replacement in a statement, so rewrites leave every other byte as written.

/// Replaces `range` of a statement's bytes with `replacement` (an insertion when `range` is empty).
struct TextEdit: Hashable {
    var range: Range<Int>
    var replacement: [UInt8]

    init(range: Range<Int>, replacement: [UInt8]) {
        self.range = range
        self.replacement = replacement
    }

    init(range: Range<Int>, replacement: String) {
        self.init(range: range, replacement: Array(replacement.utf8))
    }

    /// `text` with `edits` applied; edits must not overlap (insertions at one point keep their order).
    static func apply(_ edits: [TextEdit], to text: [UInt8]) -> [UInt8] {
        let ordered = edits.enumerated().sorted {
            ($0.element.range.lowerBound, $0.offset) < ($1.element.range.lowerBound, $1.offset)
        }
        var result: [UInt8] = []
        result.reserveCapacity(text.count + edits.reduce(0) { $0 + $1.replacement.count })
        var cursor = 0
        for (_, edit) in ordered {
            precondition(edit.range.lowerBound >= cursor, "text edits overlap")
            result.append(contentsOf: text[cursor..<edit.range.lowerBound])
            result.append(contentsOf: edit.replacement)
            cursor = edit.range.upperBound
        }
        result.append(contentsOf: text[cursor...])
        return result
    }
}
