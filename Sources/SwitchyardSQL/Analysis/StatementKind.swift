// StatementKind: what a statement is — read, write, transaction control, session state, proxy command.

/// The classification of one statement.
package enum StatementKind: Hashable, Sendable {
    /// Provably read-only: may run on a replica (unless a configured write function is called).
    case read(ReadForm)
    /// Writes, or is not understood: runs on a primary.
    case write(WriteCause)
    /// BEGIN, COMMIT, SAVEPOINT and the other transaction-control statements.
    case transaction(TransactionCommand)
    /// Statements about the server session: SET, RESET, DISCARD, LISTEN, PREPARE, cursors...
    case session(SessionCommand)
    /// `SET`/`RESET`/`SHOW switchyard.*`: answered by the proxy, never sent to a server.
    case proxy(ProxyCommand)
    /// Nothing but comments and semicolons.
    case empty

    /// Whether the statement must run on a primary.
    /// Whether the statement is a read.
    package var isRead: Bool {
        if case .read = self { return true }
        return false
    }

    package var isWrite: Bool {
        if case .write = self { return true }
        return false
    }
}

/// The shape of a read.
package enum ReadForm: Hashable, Sendable {
    case select
    case values
    case table
    case show
    /// EXPLAIN without ANALYZE (of anything), or EXPLAIN ANALYZE of a read.
    case explain
    /// `COPY table TO STDOUT` or `COPY (read-only query) TO STDOUT`.
    case copyTo
}

/// Why a statement is a write.
package indirect enum WriteCause: Hashable, Sendable {
    /// A statement that changes rows (INSERT, UPDATE, DELETE, MERGE, COPY, CALL, ...), named by its
    /// command tag. On a sharded table it needs the shard key.
    case modification(String)
    /// DDL and maintenance (CREATE TABLE, TRUNCATE, VACUUM, ...): on a sharded table it runs on
    /// every shard.
    case schemaChange(String)
    /// `FOR UPDATE`, `FOR NO KEY UPDATE`, `FOR SHARE` or `FOR KEY SHARE`.
    case lockingClause
    /// `WITH x AS (INSERT/UPDATE/DELETE/MERGE ...)`.
    case dataModifyingCTE
    /// `SELECT ... INTO new_table`.
    case selectInto
    /// A call to a function that writes (`nextval`, advisory locks, ...), by name.
    case writeFunction(String)
    /// EXPLAIN ANALYZE executes its statement, which writes for this cause.
    case explainAnalyze(WriteCause)
    /// The analyzer does not know this statement, so it must be assumed to write.
    case unrecognized

    /// Whether the write changes schema on every shard rather than rows on keyed shards.
    package var isSchemaChange: Bool {
        switch self {
        case .schemaChange: return true
        case .explainAnalyze(let inner): return inner.isSchemaChange
        case .modification, .lockingClause, .dataModifyingCTE, .selectInto, .writeFunction, .unrecognized: return false
        }
    }

    /// A short human-readable reason ("INSERT", "locking clause", "write function nextval").
    package var reason: String {
        switch self {
        case .modification(let tag), .schemaChange(let tag): return tag
        case .lockingClause: return "locking clause"
        case .dataModifyingCTE: return "data-modifying CTE"
        case .selectInto: return "SELECT INTO"
        case .writeFunction(let name): return "write function \(name)"
        case .explainAnalyze(let inner): return "EXPLAIN ANALYZE \(inner.reason)"
        case .unrecognized: return "unrecognized statement"
        }
    }
}

/// A transaction-control statement.
package enum TransactionCommand: Hashable, Sendable {
    /// `BEGIN` / `START TRANSACTION`; `readOnly` is the access mode given, if any.
    case begin(readOnly: Bool?)
    /// `COMMIT` / `END` (with `AND CHAIN` or not).
    case commit(chain: Bool)
    /// `ROLLBACK` / `ABORT`.
    case rollback(chain: Bool)
    case savepoint(String)
    case releaseSavepoint(String)
    case rollbackToSavepoint(String)
    /// `PREPARE TRANSACTION 'gid'`.
    case prepareTransaction(String)
    case commitPrepared(String)
    case rollbackPrepared(String)
    /// `SET TRANSACTION ...`; `readOnly` is the access mode given, if any.
    case setTransaction(readOnly: Bool?)

    package var reason: String {
        switch self {
        case .begin(readOnly: true): return "BEGIN READ ONLY"
        case .begin: return "BEGIN"
        case .commit: return "COMMIT"
        case .rollback: return "ROLLBACK"
        case .savepoint: return "SAVEPOINT"
        case .releaseSavepoint: return "RELEASE SAVEPOINT"
        case .rollbackToSavepoint: return "ROLLBACK TO SAVEPOINT"
        case .prepareTransaction: return "PREPARE TRANSACTION"
        case .commitPrepared: return "COMMIT PREPARED"
        case .rollbackPrepared: return "ROLLBACK PREPARED"
        case .setTransaction(readOnly: true): return "SET TRANSACTION READ ONLY"
        case .setTransaction: return "SET TRANSACTION"
        }
    }
}

/// What `DISCARD` discards.
package enum DiscardTarget: Hashable, Sendable {
    case all, plans, sequences, temporary
}

/// A statement about server session state.
package enum SessionCommand: Hashable, Sendable {
    /// `SET [SESSION | LOCAL] name ...`; `name` is the folded parameter (`timezone` for
    /// `SET TIME ZONE`, `client_encoding` for `SET NAMES`, ...).
    case set(name: String, isLocal: Bool)
    /// `RESET name`; `nil` for `RESET ALL`.
    case reset(name: String?)
    case discard(DiscardTarget)
    case listen(channel: String)
    /// `UNLISTEN channel`; `nil` for `UNLISTEN *`.
    case unlisten(channel: String?)
    /// SQL-level `PREPARE name AS ...`.
    case prepare(name: String)
    case execute(name: String)
    /// `DEALLOCATE [PREPARE] name`; `nil` for `ALL`.
    case deallocate(name: String?)
    case declareCursor(name: String, withHold: Bool)
    /// `CLOSE name`; `nil` for `CLOSE ALL`.
    case closeCursor(name: String?)
    /// `FETCH` or `MOVE` on a cursor.
    case fetch

    package var reason: String {
        switch self {
        case .set(_, isLocal: true): return "SET LOCAL"
        case .set: return "SET"
        case .reset: return "RESET"
        case .discard(.all): return "DISCARD ALL"
        case .discard(.plans): return "DISCARD PLANS"
        case .discard(.sequences): return "DISCARD SEQUENCES"
        case .discard(.temporary): return "DISCARD TEMP"
        case .listen: return "LISTEN"
        case .unlisten: return "UNLISTEN"
        case .prepare: return "PREPARE"
        case .execute: return "EXECUTE"
        case .deallocate: return "DEALLOCATE"
        case .declareCursor(_, withHold: true): return "DECLARE CURSOR WITH HOLD"
        case .declareCursor: return "DECLARE CURSOR"
        case .closeCursor: return "CLOSE"
        case .fetch: return "FETCH"
        }
    }
}
