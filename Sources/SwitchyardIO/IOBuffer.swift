// IOBuffer: a growable byte buffer with reader and writer indices over raw memory, for socket I/O.

/// Bytes read from or waiting to be written to one socket.
///
/// ```
/// +-------------------+------------------+------------------+
/// | consumed bytes    | readable bytes   | writable bytes   |
/// +-------------------+------------------+------------------+
/// 0             readerIndex        writerIndex          capacity
/// ```
/// Loop-confined: a buffer belongs to one connection on one loop at a time.
package final class IOBuffer {
    package private(set) var base: UnsafeMutableRawPointer
    package private(set) var capacity: Int
    package var readerIndex = 0
    package var writerIndex = 0

    package init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { self.base.deallocate() }

    @inline(__always) package var readableBytes: Int { self.writerIndex - self.readerIndex }
    @inline(__always) package var writableBytes: Int { self.capacity - self.writerIndex }
    @inline(__always) package var isEmpty: Bool { self.readerIndex == self.writerIndex }

    /// The readable bytes, valid until the buffer is next mutated.
    @inline(__always) package var readableView: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: self.base + self.readerIndex, count: self.readableBytes)
    }

    /// Forgets every byte.
    @inline(__always) package func clear() {
        self.readerIndex = 0
        self.writerIndex = 0
    }

    /// Marks `count` readable bytes consumed; resets the indices when nothing is left.
    @inline(__always) package func consume(_ count: Int) {
        self.readerIndex += count
        if self.readerIndex == self.writerIndex { self.clear() }
    }

    /// Moves the readable bytes to the front so the writable space is contiguous and largest.
    package func compact() {
        guard self.readerIndex > 0 else { return }
        let count = self.readableBytes
        if count > 0 { (self.base).copyMemory(from: self.base + self.readerIndex, byteCount: count) }
        self.readerIndex = 0
        self.writerIndex = count
    }

    /// Makes room for at least `count` more bytes, compacting first and growing when needed.
    package func reserveWritable(_ count: Int) {
        if self.writableBytes >= count { return }
        self.compact()
        if self.writableBytes >= count { return }
        var newCapacity = self.capacity
        while newCapacity - self.writerIndex < count { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: self.base, byteCount: self.writerIndex)
        self.base.deallocate()
        self.base = newBase
        self.capacity = newCapacity
    }

    /// Appends bytes, growing as needed.
    package func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        self.reserveWritable(bytes.count)
        (self.base + self.writerIndex).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        self.writerIndex += bytes.count
    }

    package func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.append($0) }
    }
}

/// Reusable standard-size buffers for one loop, so idle connections hold none.
package final class BufferPool {
    /// Size of a pooled buffer; larger ones (grown for big messages) are freed on return.
    package let bufferSize: Int
    private var free: [IOBuffer] = []
    private let limit: Int

    package init(bufferSize: Int = 32 * 1024, limit: Int = 256) {
        self.bufferSize = bufferSize
        self.limit = limit
    }

    package func take() -> IOBuffer {
        if let buffer = self.free.popLast() { return buffer }
        return IOBuffer(capacity: self.bufferSize)
    }

    package func give(_ buffer: IOBuffer) {
        buffer.clear()
        if buffer.capacity == self.bufferSize && self.free.count < self.limit { self.free.append(buffer) }
    }
}
