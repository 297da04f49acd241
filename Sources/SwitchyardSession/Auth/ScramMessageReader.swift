// ScramMessageReader: reads the comma-separated `x=value` attributes of one SCRAM message.

/// A cursor over one SCRAM message (RFC 5802 §7: `attr-val = ALPHA "=" value`, joined by ",").
///
/// It checks the shape every message shares (size, encoding, attribute syntax, no dangling
/// comma); what a value may contain is up to the caller.
struct ScramMessageReader {
    typealias Malformation = AuthFailure.Malformation

    /// No valid message of either exchange comes near this: nonces are capped at 256 bytes
    /// (512 for the combined one), proofs and signatures are 44 characters, and the GS2 header
    /// and user name are short.
    static let maximumMessageLength = 2048

    let message: [UInt8]
    private(set) var position = 0
    /// A comma was consumed, so another attribute must follow.
    private var expectsAttribute = false

    /// Checks the message as a whole before any attribute is read.
    init(_ message: [UInt8]) throws(Malformation) {
        guard !message.isEmpty else { throw .truncated }
        guard message.count <= Self.maximumMessageLength else { throw .tooLong }
        guard !message.contains(0), String(validating: message, as: UTF8.self) != nil else {
            throw .invalidEncoding
        }
        self.message = message
    }

    var isAtEnd: Bool { self.position == self.message.count }

    /// The byte at the cursor, if any.
    var peek: UInt8? { self.isAtEnd ? nil : self.message[self.position] }

    /// The name of the attribute at the cursor, if the cursor is at `letter=`.
    var peekAttributeName: UInt8? {
        guard self.position + 1 < self.message.count, Self.isAlpha(self.message[self.position]),
            self.message[self.position + 1] == UInt8(ascii: "=")
        else { return nil }
        return self.message[self.position]
    }

    /// Reads attribute `name`'s value (possibly empty) and the comma after it, if any.
    mutating func read(_ name: Character) throws(Malformation) -> ArraySlice<UInt8> {
        guard let expected = name.asciiValue, self.peekAttributeName == expected else {
            if self.isAtEnd { throw self.expectsAttribute ? .truncated : .missingAttribute(name) }
            throw self.peekAttributeName == nil ? .invalidAttribute : .missingAttribute(name)
        }
        return self.readValue()
    }

    /// Reads whatever attribute is at the cursor (an extension), returning its name and value.
    @discardableResult
    mutating func readAny() throws(Malformation) -> (name: UInt8, value: ArraySlice<UInt8>) {
        guard let name = self.peekAttributeName else {
            throw self.isAtEnd ? .truncated : .invalidAttribute
        }
        return (name, self.readValue())
    }

    /// Consumes a single expected byte (GS2 header punctuation and flags).
    mutating func consume(_ byte: UInt8) -> Bool {
        guard self.peek == byte else { return false }
        self.position += 1
        return true
    }

    /// Succeeds only if every byte was read and no comma was left dangling.
    func expectEnd() throws(Malformation) {
        if !self.isAtEnd || self.expectsAttribute { throw .trailingData }
    }

    private mutating func readValue() -> ArraySlice<UInt8> {
        let start = self.position + 2
        let end = self.message[start...].firstIndex(of: UInt8(ascii: ",")) ?? self.message.count
        self.expectsAttribute = end < self.message.count
        self.position = self.expectsAttribute ? end + 1 : end
        return self.message[start..<end]
    }

    /// Records that the GS2 header ended with its comma, so an attribute must follow.
    mutating func markHeaderConsumed() {
        self.expectsAttribute = true
    }

    static func isAlpha(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
