// SessionSettings: the run-time parameters a client has set, replayable on any server connection.

/// A client's session settings, each kept as the SQL that establishes it, so that under
/// transaction pooling the proxy can bring whatever server connection runs the client's next
/// transaction to the same state.
package struct SessionSettings: Hashable, Sendable {
    /// Parameter name (lower case) → the statement that sets it.
    package private(set) var statements: [String: String] = [:]

    package init() {}

    package var isEmpty: Bool { self.statements.isEmpty }

    /// Records a parameter from the startup packet. Startup values are parsed like
    /// postgresql.conf values, which `set_config` reproduces exactly (a `SET` would quote a list).
    package mutating func setStartupParameter(_ name: String, _ value: String) {
        let key = name.lowercased()
        self.statements[key] =
            "SELECT pg_catalog.set_config(\(Self.quoteLiteral(key)), \(Self.quoteLiteral(value)), false)"
    }

    /// Records a client's own `SET name ...` statement, replayed verbatim.
    package mutating func recordSet(_ name: String, statement: String) {
        self.statements[name.lowercased()] = statement
    }

    /// Forgets one parameter (`RESET name`): it returns to the server's default.
    package mutating func reset(_ name: String) { self.statements[name.lowercased()] = nil }

    /// Forgets every parameter (`RESET ALL`, `DISCARD ALL`).
    package mutating func resetAll() { self.statements.removeAll() }

    /// The SQL that turns a connection whose settings are `applied` into one with these settings,
    /// or `nil` when they already match: changed parameters are set, extra ones reset.
    package func replay(over applied: SessionSettings) -> String? {
        if self == applied { return nil }
        var parts: [String] = []
        for (name, _) in applied.statements where self.statements[name] == nil {
            parts.append("RESET \(Self.quoteIdentifier(name))")
        }
        for (name, statement) in self.statements.sorted(by: { $0.key < $1.key }) where applied.statements[name] != statement {
            parts.append(statement)
        }
        return parts.isEmpty ? nil : parts.joined(separator: ";")
    }

    /// A string literal with single quotes doubled; backslashes are literal under
    /// standard_conforming_strings, which the E prefix avoids depending on.
    package static func quoteLiteral(_ text: String) -> String {
        var result = "'"
        var hasBackslash = false
        for character in text {
            if character == "'" { result.append("''") } else { result.append(character) }
            if character == "\\" { hasBackslash = true }
        }
        result.append("'")
        if hasBackslash {
            return "E" + result.replacingBackslashes()
        }
        return result
    }

    /// A double-quoted identifier with quotes doubled.
    package static func quoteIdentifier(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" { result.append("\"\"") } else { result.append(character) }
        }
        result.append("\"")
        return result
    }
}

extension String {
    fileprivate func replacingBackslashes() -> String {
        var result = ""
        for character in self {
            if character == "\\" { result.append("\\\\") } else { result.append(character) }
        }
        return result
    }
}
