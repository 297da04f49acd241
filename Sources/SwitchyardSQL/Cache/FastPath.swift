// FastPath: answers the bare transaction-control texts (`BEGIN`, `COMMIT;` ...) without lexing.

/// Texts that are exactly one of a few key words, in any case, followed by nothing but spaces
/// and semicolons. Anything else, however close (`BEGIN READ ONLY`, a comment, a leading
/// space), goes to the cache and the full analysis, so this path cannot misclassify.
enum FastPath {
    private struct Shortcut {
        let word: StaticString
        let analysis: SQLAnalysis
    }

    private static let shortcuts: [Shortcut] = [
        Shortcut(word: "begin", analysis: Self.make(.begin(readOnly: nil), length: 5)),
        Shortcut(word: "commit", analysis: Self.make(.commit(chain: false), length: 6)),
        Shortcut(word: "rollback", analysis: Self.make(.rollback(chain: false), length: 8)),
        Shortcut(word: "end", analysis: Self.make(.commit(chain: false), length: 3)),
        Shortcut(word: "abort", analysis: Self.make(.rollback(chain: false), length: 5)),
    ]

    private static func make(_ command: TransactionCommand, length: Int) -> SQLAnalysis {
        SQLAnalysis(statements: [StatementAnalysis(kind: .transaction(command), range: 0..<length)])
    }

    static func analysis(of text: UnsafeBufferPointer<UInt8>) -> SQLAnalysis? {
        guard text.count >= 3, text.count <= 16 else { return nil }
        var wordEnd = 0
        while wordEnd < text.count, (text[wordEnd] | 0x20) &- UInt8(ascii: "a") < 26 { wordEnd += 1 }
        for index in wordEnd..<text.count {
            switch text[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ";"):
                continue
            default: return nil
            }
        }
        for shortcut in Self.shortcuts where shortcut.word.utf8CodeUnitCount == wordEnd {
            let matches = shortcut.word.withUTF8Buffer { word in
                for index in 0..<wordEnd where text[index] | 0x20 != word[index] { return false }
                return true
            }
            if matches { return shortcut.analysis }
        }
        return nil
    }
}
