// ColumnType: the result column types the merge can order and combine, by type OID.

/// A column type with a known order, from its `pg_type` OID (src/include/catalog/pg_type.dat).
///
/// Text types order by their UTF-8 bytes, which is PostgreSQL's order only under the `C`
/// collation: merge-sorting text from servers with another collation can interleave shards
/// differently than a single server would sort.
enum ColumnType: Hashable, Sendable {
    case int2, int4, int8, oid
    case numeric
    case float4, float8
    case bool
    /// `text`, `varchar`, `name`, `"char"`: bytes.
    case text
    /// `bpchar` (`char(n)`): bytes without trailing spaces, which bpchar comparison ignores.
    case bpchar
    case bytea
    case uuid
    case date
    case time
    case timestamp
    case timestamptz

    /// The type OIDs used here.
    enum OID {
        static let bool: Int32 = 16
        static let bytea: Int32 = 17
        static let char: Int32 = 18
        static let name: Int32 = 19
        static let int8: Int32 = 20
        static let int2: Int32 = 21
        static let int4: Int32 = 23
        static let text: Int32 = 25
        static let oid: Int32 = 26
        static let float4: Int32 = 700
        static let float8: Int32 = 701
        static let unknown: Int32 = 705
        static let bpchar: Int32 = 1042
        static let varchar: Int32 = 1043
        static let date: Int32 = 1082
        static let time: Int32 = 1083
        static let timestamp: Int32 = 1114
        static let timestamptz: Int32 = 1184
        static let numeric: Int32 = 1700
        static let uuid: Int32 = 2950
    }

    init?(oid: Int32) {
        switch oid {
        case OID.int2: self = .int2
        case OID.int4: self = .int4
        case OID.int8: self = .int8
        case OID.oid: self = .oid
        case OID.numeric: self = .numeric
        case OID.float4: self = .float4
        case OID.float8: self = .float8
        case OID.bool: self = .bool
        case OID.text, OID.varchar, OID.name, OID.char, OID.unknown: self = .text
        case OID.bpchar: self = .bpchar
        case OID.bytea: self = .bytea
        case OID.uuid: self = .uuid
        case OID.date: self = .date
        case OID.time: self = .time
        case OID.timestamp: self = .timestamp
        case OID.timestamptz: self = .timestamptz
        default: return nil
        }
    }
}
