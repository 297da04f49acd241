// ShardGroup+Keys: turns SQL constants, hint values and Bind parameters into shard keys.

import SwitchyardSQL

/// A Bind parameter value as the daemon sees it. `bytes` need only stay valid during the call.
package struct ParameterValue {
    package enum Format: Sendable {
        case text, binary
    }

    /// The value's bytes; `nil` for NULL.
    package var bytes: UnsafeRawBufferPointer?
    package var format: Format
    /// The parameter type OID given at Parse (0 when the client left it unspecified).
    package var typeOID: UInt32

    package init(bytes: UnsafeRawBufferPointer?, format: Format, typeOID: UInt32 = 0) {
        self.bytes = bytes
        self.format = format
        self.typeOID = typeOID
    }

    /// Type OIDs from `pg_type` (src/include/catalog/pg_type.dat).
    package enum TypeOID {
        package static let int8: UInt32 = 20
        package static let int2: UInt32 = 21
        package static let int4: UInt32 = 23
        package static let text: UInt32 = 25
        package static let varchar: UInt32 = 1043
    }
}

extension ShardGroup {
    /// The key a SQL constant denotes for this group's key type, as PostgreSQL would coerce it
    /// (`bigint_col = '42'` reads the string with int8 input); `nil` for parameters and for
    /// values the column could not equal.
    package func key(for value: KeyValue) -> ShardKey? {
        switch (self.keyType, value) {
        case (.bigint, .integer(let integer)): return .integer(integer)
        case (.bigint, .string(let text)): return PostgresInteger.parseInt64(text).map(ShardKey.integer)
        case (.text, .string(let text)): return self.textKey(Array(text.utf8))
        case (.text, .integer), (_, .parameter): return nil
        }
    }

    /// The key written in a `shard_key=VALUE` hint.
    package func key(forHint text: String) -> ShardKey? {
        switch self.keyType {
        case .bigint: return PostgresInteger.parseInt64(text).map(ShardKey.integer)
        case .text: return self.textKey(Array(text.utf8))
        }
    }

    /// The key a Bind parameter carries: text format is parsed like the column's input
    /// function; binary format is read as int8/int4/int2 (big-endian) or text by the
    /// parameter's type (an unspecified type is the column's own).
    package func key(forParameter parameter: ParameterValue) -> ShardKey? {
        guard let raw = parameter.bytes else { return .null }
        let bytes = raw.assumingMemoryBound(to: UInt8.self)
        switch (parameter.format, self.keyType) {
        case (.text, .bigint):
            return PostgresInteger.parseInt64(bytes).map(ShardKey.integer)
        case (.text, .text):
            return self.textKey(Array(bytes))
        case (.binary, .bigint):
            switch (parameter.typeOID, bytes.count) {
            case (ParameterValue.TypeOID.int8, 8), (0, 8), (ParameterValue.TypeOID.int4, 4),
                (ParameterValue.TypeOID.int2, 2):
                var value: Int64 = 0
                for byte in bytes { value = value << 8 | Int64(byte) }
                // Sign-extend the narrower integers.
                let unusedBits = Int64(64 - 8 * bytes.count)
                return .integer(unusedBits == 0 ? value : (value << unusedBits) >> unusedBits)
            default:
                return nil
            }
        case (.binary, .text):
            switch parameter.typeOID {
            case 0, ParameterValue.TypeOID.text, ParameterValue.TypeOID.varchar: return self.textKey(Array(bytes))
            default: return nil
            }
        }
    }

    /// A text key; under `modulo` only integer texts are keys.
    private func textKey(_ bytes: [UInt8]) -> ShardKey? {
        guard self.function == .modulo else { return .text(bytes) }
        return bytes.withUnsafeBufferPointer { PostgresInteger.parseInt64($0) }.map(ShardKey.integer)
    }
}
