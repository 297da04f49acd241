// MergeLayout: a MergePlan resolved against the shards' RowDescription — columns, types, formats.

import SwitchyardWire

/// Where each sort key and aggregate reads its values, with their types, once the shards'
/// columns are known.
struct MergeLayout: Sendable {
    /// One resolved `ORDER BY` item.
    struct SortColumn: Sendable {
        var index: Int
        var type: ColumnType
        var isBinary: Bool
        var isDescending: Bool
        var nullsFirst: Bool
    }

    /// The type a `sum` (or the sum half of an `avg`) arrives in from the shards.
    enum SumType: Sendable {
        /// `sum` of int2/int4 (and count).
        case int8
        /// `sum` of int8 or numeric.
        case numeric
        case float4
        case float8
    }

    /// One resolved client column of an aggregate query.
    enum AggregateColumn: Sendable {
        case first(Int)
        case count(Int, isBinary: Bool)
        case sum(Int, SumType, isBinary: Bool)
        case min(Int, ColumnType, isBinary: Bool)
        case max(Int, ColumnType, isBinary: Bool)
        case average(sum: Int, count: Int, SumType, isBinary: Bool)
    }

    enum Mode: Sendable {
        case rows(sortColumns: [SortColumn])
        case aggregate([AggregateColumn])
    }

    var shardDescription: BackendMessage.RowDescription
    var clientDescription: BackendMessage.RowDescription
    var mode: Mode

    static func make(
        plan: MergePlan, shardDescription: BackendMessage.RowDescription
    ) -> Result<MergeLayout, MergeError> {
        do throws(MergeError) {
            let columns = shardDescription.columns
            switch plan.mode {
            case .rows(let keys):
                let sortColumns = try keys.map { key throws(MergeError) in
                    try Self.sortColumn(key, columns: columns)
                }
                return .success(
                    MergeLayout(
                        shardDescription: shardDescription, clientDescription: shardDescription,
                        mode: .rows(sortColumns: sortColumns)))
            case .aggregate(let merges):
                let expected = merges.reduce(0) { count, merge in
                    if case .average = merge { return count + 2 }
                    return count + 1
                }
                guard expected == columns.count else {
                    throw MergeError.unexpected("a shard returned \(columns.count) columns where \(expected) were expected")
                }
                var clientColumns: [BackendMessage.RowDescription.Column] = []
                var resolved: [AggregateColumn] = []
                for merge in merges {
                    let (column, aggregate) = try Self.aggregateColumn(merge, columns: columns)
                    clientColumns.append(column)
                    resolved.append(aggregate)
                }
                return .success(
                    MergeLayout(
                        shardDescription: shardDescription,
                        clientDescription: BackendMessage.RowDescription(columns: clientColumns),
                        mode: .aggregate(resolved)))
            }
        } catch {
            return .failure(error)
        }
    }

    /// Whether another shard's RowDescription describes the same columns (names aside, which
    /// cannot differ for one statement, and table OIDs, which differ between servers).
    func isCompatible(with description: BackendMessage.RowDescription) -> Bool {
        description.columns.count == self.shardDescription.columns.count
            && zip(description.columns, self.shardDescription.columns).allSatisfy {
                $0.typeOID == $1.typeOID && $0.format == $1.format
            }
    }

    // MARK: - Resolution

    private static func sortColumn(
        _ key: SortKey, columns: [BackendMessage.RowDescription.Column]
    ) throws(MergeError) -> SortColumn {
        guard let index = Self.index(of: key.column, in: columns) else {
            throw MergeError.unsupported("ORDER BY \(Self.describe(key.column)) is not an output column")
        }
        let column = columns[index]
        guard let type = ColumnType(oid: column.typeOID) else {
            throw MergeError.unsupported("cannot order values of type OID \(column.typeOID) (column \"\(column.name)\")")
        }
        return SortColumn(
            index: index, type: type, isBinary: try Self.isBinary(column), isDescending: key.isDescending,
            nullsFirst: key.nullsFirst)
    }

    private static func index(of column: OutputColumn, in columns: [BackendMessage.RowDescription.Column]) -> Int? {
        switch column {
        case .position(let position):
            return position >= 0 && position < columns.count ? position : nil
        case .positionFromEnd(let distance):
            return distance >= 1 && distance <= columns.count ? columns.count - distance : nil
        case .named(let name, let otherwise):
            if let index = columns.firstIndex(where: { $0.name == name }) { return index }
            return otherwise.flatMap { Self.index(of: $0, in: columns) }
        }
    }

    private static func describe(_ column: OutputColumn) -> String {
        switch column {
        case .position(let position): return String(position + 1)
        case .positionFromEnd(let distance): return "column \(distance) from the end"
        case .named(let name, _): return "\"\(name)\""
        }
    }

    private static func isBinary(_ column: BackendMessage.RowDescription.Column) throws(MergeError) -> Bool {
        switch column.format {
        case 0: return false
        case 1: return true
        default: throw MergeError.unexpected("a shard described column \"\(column.name)\" with format \(column.format)")
        }
    }

    private static func aggregateColumn(
        _ merge: ColumnMerge, columns: [BackendMessage.RowDescription.Column]
    ) throws(MergeError) -> (BackendMessage.RowDescription.Column, AggregateColumn) {
        switch merge {
        case .first(let index):
            return (columns[index], .first(index))
        case .count(let index):
            guard columns[index].typeOID == ColumnType.OID.int8 else {
                throw MergeError.unexpected("a shard's count column is not bigint")
            }
            return (columns[index], .count(index, isBinary: try Self.isBinary(columns[index])))
        case .sum(let index):
            let type = try Self.sumType(columns[index])
            return (columns[index], .sum(index, type, isBinary: try Self.isBinary(columns[index])))
        case .min(let index), .max(let index):
            guard let type = ColumnType(oid: columns[index].typeOID) else {
                throw MergeError.unsupported("cannot compare values of type OID \(columns[index].typeOID)")
            }
            let isBinary = try Self.isBinary(columns[index])
            if case .min = merge { return (columns[index], .min(index, type, isBinary: isBinary)) }
            return (columns[index], .max(index, type, isBinary: isBinary))
        case .average(let sum, let count, let name):
            let type = try Self.sumType(columns[sum])
            guard columns[count].typeOID == ColumnType.OID.int8 else {
                throw MergeError.unexpected("a shard's count column is not bigint")
            }
            // avg of integers and numerics is numeric; of floats, double precision
            // (pg_aggregate: int4_avg_accum/int8_avg, numeric_avg, float8_avg).
            let isNumeric = type == .int8 || type == .numeric
            let column = BackendMessage.RowDescription.Column(
                name: name, typeOID: isNumeric ? ColumnType.OID.numeric : ColumnType.OID.float8,
                typeSize: isNumeric ? -1 : 8, typeModifier: -1, format: columns[sum].format)
            return (column, .average(sum: sum, count: count, type, isBinary: try Self.isBinary(columns[sum])))
        }
    }

    private static func sumType(_ column: BackendMessage.RowDescription.Column) throws(MergeError) -> SumType {
        switch column.typeOID {
        case ColumnType.OID.int8: return .int8
        case ColumnType.OID.numeric: return .numeric
        case ColumnType.OID.float4: return .float4
        case ColumnType.OID.float8: return .float8
        default: throw MergeError.unsupported("cannot add up sums of type OID \(column.typeOID)")
        }
    }
}
