// Keyword: the PostgreSQL key words the analyzer looks at, with their grammar categories.

/// A PostgreSQL key word that statement analysis cares about.
///
/// The case name is the word's spelling. Words missing from this list lex as `.none` and are
/// treated as plain names, which is what PostgreSQL does with its unreserved key words in every
/// position the analyzer inspects. Categories follow `src/include/parser/kwlist.h` of
/// PostgreSQL 15 (https://github.com/postgres/postgres/blob/REL_15_STABLE/src/include/parser/kwlist.h).
package enum Keyword: UInt8, CaseIterable, Hashable, Sendable {
    case none
    case abort, all, alter, analyse, analyze, and, any, array, `as`, asc, asensitive, asymmetric, atomic
    case attach, authorization
    case begin, between, bigint, binary, bit, both, by
    case call, `case`, cast, chain, char, character, characteristics, check, checkpoint, close, cluster
    case collate, collation, column, comment, commit, concurrently, conflict, constraint, constraints
    case copy, create, cross, cube, current, current_catalog, current_date, current_role, current_schema
    case current_time, current_timestamp, current_user, cursor, cycle
    case deallocate, dec, decimal, declare, `default`, deferrable, delete, desc, detach, discard, distinct
    case `do`, drop
    case `else`, end, except, exclude, execute, exists, explain
    case `false`, fetch, filter, float, `for`, foreign, freeze, from, full, function
    case global, grant, group
    case having, hold
    case `if`, ilike, `in`, include, index, inherits, initially, inner, insert, insensitive, int, int2, int4
    case int8, integer, intersect, interval, into, `is`, isnull, isolation
    case join
    case key
    case lateral, leading, left, level, like, limit, listen, load, local, localtime, localtimestamp, lock
    case materialized, merge, move
    case names, national, natural, nchar, no, not, nothing, notify, notnull, null, numeric
    case of, offset, on, only, `operator`, or, order, ordinality, outer, over, overlaps
    case partition, placing, plans, policy, precision, prepare, prepared, primary, procedure
    case read, recursive, references, refresh, reindex, release, replace, reset, returning, revoke, right
    case role, rollback, rollup, row, rows, rule
    case savepoint, schema, scroll, search, select, sequence, sequences, session, session_user, set, sets
    case share, show, similar, smallint, some, start, statistics, symmetric
    case table, tablesample, temp, temporary, text, then, time, timestamp, to, trailing, transaction
    case trigger, `true`, truncate
    case uescape, union, unique, unlisten, unlogged, update, user, using
    case vacuum, values, varchar, variadic, varying, verbose, view
    case when, `where`, window, with, within, without, work, write
    case zone

    /// A reserved key word: never a table, column, alias or function name unless quoted.
    var isReserved: Bool {
        switch self {
        case .all, .analyse, .analyze, .and, .any, .array, .as, .asc, .asymmetric, .both, .case, .cast, .check,
            .collate, .column, .constraint, .create, .current_catalog, .current_date, .current_role,
            .current_time, .current_timestamp, .current_user, .default, .deferrable, .desc, .distinct, .do,
            .else, .end, .except, .false, .fetch, .for, .foreign, .from, .grant, .group, .having, .in,
            .initially, .intersect, .into, .lateral, .leading, .limit, .localtime, .localtimestamp, .not,
            .null, .offset, .on, .only, .or, .order, .placing, .primary, .references, .returning, .select,
            .session_user, .some, .symmetric, .table, .then, .to, .trailing, .true, .union, .unique, .user,
            .using, .variadic, .when, .where, .window, .with:
            return true
        default:
            return false
        }
    }

    /// A key word that may name a type or function but not a table, column or bare alias.
    var isTypeOrFunctionName: Bool {
        switch self {
        case .authorization, .binary, .collation, .concurrently, .cross, .current_schema, .freeze, .full,
            .ilike, .inner, .is, .isnull, .join, .left, .like, .natural, .notnull, .outer, .overlaps, .right,
            .similar, .tablesample, .verbose:
            return true
        default:
            return false
        }
    }

    /// Whether `word (` is syntax rather than a function call: reserved words, join words, and
    /// the non-reserved words whose grammar takes a parenthesised list (`ON CONFLICT (`,
    /// `ROW(`, `OVER (`, `INSERT (cols)` in MERGE) or a type modifier (`varchar(20)`).
    var isNeverCalled: Bool {
        if self.isReserved { return true }
        switch self {
        case .join, .cross, .inner, .full, .outer, .natural, .is, .isnull, .notnull, .like, .ilike, .similar,
            .overlaps, .tablesample, .verbose, .concurrently, .freeze, .binary, .authorization,
            .conflict, .exists, .values, .row, .rows, .over, .filter, .within, .key, .include, .exclude, .sets,
            .cube, .rollup, .inherits, .operator, .insert, .update, .delete, .merge, .set, .partition,
            .varchar, .char, .character, .varying, .numeric, .decimal, .dec, .timestamp, .time, .interval,
            .bit, .float, .precision, .national, .nchar, .int, .int2, .int4, .int8, .integer, .bigint,
            .smallint, .text, .between, .select, .cycle, .search, .materialized, .by, .if:
            return true
        default:
            return false
        }
    }

    /// Whether this word can stand as a bare (AS-less) alias after a table or function in FROM.
    var canBeBareAlias: Bool {
        !self.isReserved && !self.isTypeOrFunctionName
    }
}
