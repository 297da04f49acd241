// ShardRow: a DataRow frame from a shard, with the byte range of each column value.

import SwitchyardWire

/// One DataRow as a shard sent it. The frame is kept whole so a row the merge passes on is sent
/// as the very bytes the server produced.
package struct ShardRow: Sendable {
    /// The complete message: `'D'`, the Int32 length, the body.
    package let frame: [UInt8]
    /// Each column's value within `frame`; `nil` for NULL.
    let values: [Range<Int>?]

    /// Reads a DataRow frame; throws on anything else or on a truncated or overlong body.
    package init(frame: [UInt8]) throws(MergeError) {
        guard frame.count >= 7, frame[0] == BackendMessageID.dataRow.rawValue else {
            throw .unexpected("a shard sent something other than a DataRow in a result")
        }
        let length = Int(frame[1]) << 24 | Int(frame[2]) << 16 | Int(frame[3]) << 8 | Int(frame[4])
        guard length == frame.count - 1 else { throw .unexpected("a shard sent a DataRow of the wrong length") }
        let count = Int(frame[5]) << 8 | Int(frame[6])
        var values: [Range<Int>?] = []
        values.reserveCapacity(count)
        var index = 7
        for _ in 0..<count {
            guard index + 4 <= frame.count else { throw .unexpected("a shard sent a truncated DataRow") }
            let size = Int32(bitPattern: UInt32(frame[index]) << 24 | UInt32(frame[index + 1]) << 16
                | UInt32(frame[index + 2]) << 8 | UInt32(frame[index + 3]))
            index += 4
            if size == -1 {
                values.append(nil)
                continue
            }
            guard size >= 0, index + Int(size) <= frame.count else {
                throw .unexpected("a shard sent a truncated DataRow")
            }
            values.append(index..<(index + Int(size)))
            index += Int(size)
        }
        guard index == frame.count else { throw .unexpected("a shard sent a DataRow with trailing bytes") }
        self.frame = frame
        self.values = values
    }

    /// A decoded row, encoded into a frame.
    package init(_ row: BackendMessage.DataRow) {
        var writer = WireWriter()
        row.encode(into: &writer)
        // Our own encoding is well formed.
        self = try! ShardRow(frame: writer.bytes)
    }

    package var columnCount: Int { self.values.count }

    /// The bytes of column `index`, `nil` for NULL.
    func value(_ index: Int) -> ArraySlice<UInt8>? {
        self.values[index].map { self.frame[$0] }
    }
}
