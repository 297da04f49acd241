// WriteFunctions: the built-in functions whose call makes a SELECT a write, and which ones pin.

/// Functions that write or take session state, so a statement calling them cannot run on a
/// replica (SPEC §3 "Read or write"). Names compare with the folded last component of the call,
/// whatever its schema (`pg_catalog.nextval` is `nextval`).
package enum WriteFunctions {
    private static let exact: Set<String> = [
        "nextval", "setval", "lastval", "currval",
        "pg_notify", "set_config", "txid_current", "pg_current_xact_id",
        "pg_promote", "dblink_exec",
    ]

    /// Whether calling `name` writes: the exact names above, the advisory-lock family
    /// (`pg_advisory_*`, `pg_try_advisory_*`) and large objects (`lo_*`).
    package static func isBuiltIn(_ name: String) -> Bool {
        if Self.exact.contains(name) { return true }
        return name.hasPrefix("pg_advisory_") || name.hasPrefix("pg_try_advisory_") || name.hasPrefix("lo_")
    }

    /// Session-level advisory locks outlive the transaction, so their caller is pinned; the
    /// `_xact_` variants end with the transaction and do not pin.
    package static func takesSessionAdvisoryLock(_ name: String) -> Bool {
        switch name {
        case "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared":
            return true
        default:
            return false
        }
    }
}

/// Settings of statement analysis that the analysed text does not carry.
package struct AnalyzerOptions: Hashable, Sendable {
    /// The server's `standard_conforming_strings` (on by default since PostgreSQL 9.1). Off, a
    /// backslash escapes in plain `'...'` strings, which moves where statements end.
    package var standardConformingStrings: Bool
    /// Folded names of every shard-key column in the routing table. Only these columns are
    /// looked for in WHERE clauses and INSERT column lists; empty skips that work entirely.
    package var shardKeyColumns: Set<String>

    package init(standardConformingStrings: Bool = true, shardKeyColumns: Set<String> = []) {
        self.standardConformingStrings = standardConformingStrings
        self.shardKeyColumns = shardKeyColumns
    }
}
