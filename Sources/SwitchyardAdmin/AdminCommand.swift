// AdminCommand: the statements the admin console (database "switchyard") understands.

/// A console statement, parsed from the text of a simple Query.
package enum AdminCommand: Sendable, Equatable {
    /// What a SHOW statement lists.
    package enum ShowTarget: String, Sendable, Equatable, CaseIterable {
        case clusters
        case servers
        case pools
        case clients
        case stats
        case config
        case version
    }

    case show(ShowTarget)
    /// Read the configuration file again.
    case reload
    /// Hold new transactions of one cluster, or of every cluster when `nil`.
    case pause(cluster: String?)
    /// Let paused transactions go.
    case resume(cluster: String?)

    /// The CommandComplete tag PostgreSQL clients expect for the statement.
    package var tag: String {
        switch self {
        case .show: return "SHOW"
        case .reload: return "RELOAD"
        case .pause: return "PAUSE"
        case .resume: return "RESUME"
        }
    }

    /// Parses one statement: keywords in any case, surrounding whitespace and one trailing
    /// semicolon allowed. A cluster name is a bare word (letters, digits, `_`, `-`, `.`; taken as
    /// written, since cluster names are TOML keys and case-sensitive) or a double-quoted identifier
    /// (`""` inside stands for `"`).
    ///
    /// - Returns: `nil` for anything else; the daemon answers that with a syntax error.
    package static func parse(_ sql: String) -> AdminCommand? {
        var text = Substring(sql).trimmingASCIIWhitespace()
        if text.hasSuffix(";") { text = text.dropLast().trimmingASCIIWhitespace() }
        guard let words = Self.words(text) else { return nil }
        guard let first = words.first?.lowercased() else { return nil }
        switch (first, words.count) {
        case ("show", 2):
            return ShowTarget(rawValue: words[1].lowercased()).map { .show($0) }
        case ("reload", 1):
            return .reload
        case ("pause", 1):
            return .pause(cluster: nil)
        case ("resume", 1):
            return .resume(cluster: nil)
        case ("pause", 2):
            return Self.name(words[1]).map { .pause(cluster: $0) }
        case ("resume", 2):
            return Self.name(words[1]).map { .resume(cluster: $0) }
        default:
            return nil
        }
    }

    /// Splits on whitespace, keeping a double-quoted identifier (which may hold spaces) as one word
    /// with its quotes. `nil` when a quote is left open.
    private static func words(_ text: Substring) -> [Substring]? {
        var words: [Substring] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index].isASCIIWhitespace {
                index = text.index(after: index)
                continue
            }
            let start = index
            if text[index] == "\"" {
                index = text.index(after: index)
                while true {
                    guard index < text.endIndex else { return nil }
                    if text[index] == "\"" {
                        let next = text.index(after: index)
                        if next < text.endIndex && text[next] == "\"" {
                            index = text.index(after: next)
                            continue
                        }
                        index = next
                        break
                    }
                    index = text.index(after: index)
                }
            } else {
                while index < text.endIndex && !text[index].isASCIIWhitespace && text[index] != "\"" {
                    index = text.index(after: index)
                }
            }
            words.append(text[start..<index])
        }
        return words
    }

    /// A cluster name from a bare or quoted word; `nil` when it is neither or is empty.
    private static func name(_ word: Substring) -> String? {
        if word.first == "\"" {
            guard word.count >= 3, word.last == "\"" else { return nil }
            return String(word.dropFirst().dropLast()).replacingDoubledQuotes()
        }
        let allowed = word.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".": return true
            default: return false
            }
        }
        return allowed && !word.isEmpty ? String(word) : nil
    }
}

extension Character {
    /// Space, tab, line feed, carriage return (alone or as the one Character "\r\n"), form feed.
    fileprivate var isASCIIWhitespace: Bool {
        switch self {
        case " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}": return true
        default: return false
        }
    }
}

extension Substring {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        var result = self
        while let first = result.first, first.isASCIIWhitespace { result = result.dropFirst() }
        while let last = result.last, last.isASCIIWhitespace { result = result.dropLast() }
        return result
    }
}

extension String {
    /// `""` inside a quoted identifier stands for one `"`.
    fileprivate func replacingDoubledQuotes() -> String {
        var result = ""
        var previousWasQuote = false
        for character in self {
            if character == "\"" && previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = character == "\""
            result.append(character)
        }
        return result
    }
}
