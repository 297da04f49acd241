// AggregateCombiner: combines each shard's one aggregate row into the row PostgreSQL would return.

import SwitchyardWire

/// Combines partial aggregates column by column, with PostgreSQL's result types and NULL rules:
/// counts add up (bigint); sums add up in the type the shards return (bigint for int2/int4,
/// numeric for int8/numeric, real/double precision for floats), NULL when every shard's is;
/// min and max pick by the type's order; an average is the total sum over the total count, with
/// numeric's division scale for integer and numeric inputs (see `PostgresNumeric`).
///
/// Float sums add up in a different grouping than one server would, so their last bits can
/// differ, as with PostgreSQL's own parallel aggregation; `avg(real)` also loses the precision
/// that PostgreSQL's double-precision accumulator keeps.
enum AggregateCombiner {
    /// A sum over all shards.
    private enum Total {
        case int8(Int64)
        case numeric(PostgresNumeric)
        case float4(Float)
        case float8(Double)
    }

    /// The combined DataRow frame for `rows` (one per shard that sent one, in shard order).
    static func combine(_ rows: [ShardRow], columns: [MergeLayout.AggregateColumn]) -> Result<[UInt8], MergeError> {
        do throws(MergeError) {
            var values: [[UInt8]?] = []
            for column in columns {
                values.append(try Self.value(of: column, rows: rows))
            }
            var writer = WireWriter()
            BackendMessage.DataRow(values: values).encode(into: &writer)
            return .success(writer.bytes)
        } catch {
            return .failure(error)
        }
    }

    private static func value(of column: MergeLayout.AggregateColumn, rows: [ShardRow]) throws(MergeError) -> [UInt8]? {
        switch column {
        case .first(let index):
            return rows.first?.value(index).map(Array.init)
        case .count(let index, let isBinary):
            guard case .int8(let count)? = try Self.total(index, .int8, isBinary: isBinary, rows: rows) else {
                return Self.encode(.int8(0), isBinary: isBinary)
            }
            return Self.encode(.int8(count), isBinary: isBinary)
        case .sum(let index, let type, let isBinary):
            return try Self.total(index, type, isBinary: isBinary, rows: rows).map { Self.encode($0, isBinary: isBinary) }
        case .min(let index, let type, let isBinary), .max(let index, let type, let isBinary):
            let wantsMinimum: Bool
            if case .min = column { wantsMinimum = true } else { wantsMinimum = false }
            var best: (bytes: ArraySlice<UInt8>, value: SortValue)?
            for row in rows {
                guard let bytes = row.value(index) else { continue }
                guard let value = SortValue(bytes, type: type, isBinary: isBinary) else {
                    throw MergeError.unexpected("a shard sent a value its column type cannot hold")
                }
                if let current = best {
                    let order = SortValue.compare(value, current.value)
                    guard wantsMinimum ? order < 0 : order > 0 else { continue }
                }
                best = (bytes, value)
            }
            return best.map { Array($0.bytes) }
        case .average(let sumIndex, let countIndex, let type, let isBinary):
            guard case .int8(let count)? = try Self.total(countIndex, .int8, isBinary: isBinary, rows: rows), count > 0,
                let sum = try Self.total(sumIndex, type, isBinary: isBinary, rows: rows)
            else { return nil }
            switch sum {
            case .int8(let value):
                return Self.encode(.numeric(PostgresNumeric(value).dividedForAverage(by: count)), isBinary: isBinary)
            case .numeric(let value):
                return Self.encode(.numeric(value.dividedForAverage(by: count)), isBinary: isBinary)
            case .float4(let value):
                return Self.encode(.float8(Double(value) / Double(count)), isBinary: isBinary)
            case .float8(let value):
                return Self.encode(.float8(value / Double(count)), isBinary: isBinary)
            }
        }
    }

    /// The sum of a column's non-NULL values; `nil` when all are NULL.
    private static func total(
        _ index: Int, _ type: MergeLayout.SumType, isBinary: Bool, rows: [ShardRow]
    ) throws(MergeError) -> Total? {
        var total: Total?
        for row in rows {
            guard let bytes = row.value(index) else { continue }
            guard let value = Self.decode(bytes, type, isBinary: isBinary) else {
                throw MergeError.unexpected("a shard sent a sum or count that cannot be read")
            }
            guard let current = total else {
                total = value
                continue
            }
            switch (current, value) {
            case (.int8(let a), .int8(let b)):
                let (sum, overflow) = a.addingReportingOverflow(b)
                guard !overflow else { throw MergeError.unexpected("bigint out of range") }
                total = .int8(sum)
            case (.numeric(let a), .numeric(let b)):
                total = .numeric(a + b)
            case (.float4(let a), .float4(let b)):
                total = .float4(a + b)
            case (.float8(let a), .float8(let b)):
                total = .float8(a + b)
            case (.int8, _), (.numeric, _), (.float4, _), (.float8, _):
                preconditionFailure("one column decodes to one kind of total")
            }
        }
        return total
    }

    private static func decode(_ bytes: ArraySlice<UInt8>, _ type: MergeLayout.SumType, isBinary: Bool) -> Total? {
        switch (type, isBinary) {
        case (.int8, false):
            return SortValue.integer(text: bytes).map(Total.int8)
        case (.int8, true):
            return bytes.count == 8 ? .int8(SortValue.signedBigEndian(bytes)) : nil
        case (.numeric, false):
            return PostgresNumeric(text: bytes).map(Total.numeric)
        case (.numeric, true):
            return PostgresNumeric(binary: bytes).map(Total.numeric)
        case (.float4, false):
            return FloatText.parse(bytes).map { .float4(Float($0)) }
        case (.float4, true):
            return bytes.count == 4 ? .float4(Float(bitPattern: UInt32(SortValue.unsignedBigEndian(bytes)))) : nil
        case (.float8, false):
            return FloatText.parse(bytes).map(Total.float8)
        case (.float8, true):
            return bytes.count == 8 ? .float8(Double(bitPattern: SortValue.unsignedBigEndian(bytes))) : nil
        }
    }

    private static func encode(_ total: Total, isBinary: Bool) -> [UInt8] {
        switch (total, isBinary) {
        case (.int8(let value), false): return Array(String(value).utf8)
        case (.int8(let value), true): return Self.bigEndian(UInt64(bitPattern: value), bytes: 8)
        case (.numeric(let value), false): return value.text
        case (.numeric(let value), true): return value.binary
        case (.float4(let value), false): return FloatText.format(value)
        case (.float4(let value), true): return Self.bigEndian(UInt64(value.bitPattern), bytes: 4)
        case (.float8(let value), false): return FloatText.format(value)
        case (.float8(let value), true): return Self.bigEndian(value.bitPattern, bytes: 8)
        }
    }

    private static func bigEndian(_ value: UInt64, bytes count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * (count - 1 - $0))) }
    }
}
