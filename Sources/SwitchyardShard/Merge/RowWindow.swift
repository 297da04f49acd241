// RowWindow: the OFFSET and LIMIT the merge applies, with parameters read from the Bind.

import SwitchyardRouting
import SwitchyardSQL

/// Which merged rows the client gets: `offset` skipped, then at most `limit` (`nil`: all).
package struct RowWindow: Hashable, Sendable {
    package var offset: Int64
    package var limit: Int64?

    package init(offset: Int64 = 0, limit: Int64? = nil) {
        self.offset = max(offset, 0)
        self.limit = limit.map { max($0, 0) }
    }

    /// Every row.
    package static let all = RowWindow()
}

extension MergePlan {
    /// The window for this execution: constants as written, `$n` from the Bind (`parameter(n)`,
    /// 1-based; `nil` when the Bind has no such parameter). A NULL LIMIT is no limit and a NULL
    /// OFFSET is 0, as in PostgreSQL. A negative value makes the shards fail with PostgreSQL's
    /// own error before any row, so its window is never used.
    package func window(parameters parameter: (Int) -> ParameterValue? = { _ in nil }) -> Result<RowWindow, MergeError> {
        do throws(MergeError) {
            let limit = try self.limit.flatMap { count throws(MergeError) in try Self.value(of: count, parameter) }
            let offset = try self.offset.flatMap { count throws(MergeError) in try Self.value(of: count, parameter) }
            return .success(RowWindow(offset: offset ?? 0, limit: limit))
        } catch {
            return .failure(error)
        }
    }

    private static func value(of count: RowCount, _ parameter: (Int) -> ParameterValue?) throws(MergeError) -> Int64? {
        switch count {
        case .literal(let value):
            return value
        case .parameter(let number):
            guard let value = parameter(number) else {
                throw MergeError.unexpected("the Bind has no parameter $\(number) for LIMIT or OFFSET")
            }
            guard let raw = value.bytes else { return nil }
            let bytes = raw.assumingMemoryBound(to: UInt8.self)
            switch value.format {
            case .text:
                if let integer = PostgresInteger.parseInt64(bytes) { return integer }
            case .binary:
                if [2, 4, 8].contains(bytes.count) { return SortValue.signedBigEndian(ArraySlice(bytes)) }
            }
            throw MergeError.unsupported("LIMIT or OFFSET parameter $\(number) is not an integer")
        }
    }
}
