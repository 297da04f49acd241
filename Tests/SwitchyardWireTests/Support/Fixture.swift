// Fixture: loads the golden .hex files (real PostgreSQL/libpq captures) from the test bundle.
import Foundation

/// A golden fixture: hex digits, whitespace-insensitive, `#` comment lines.
enum Fixture {
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    /// The bytes of `Fixtures/<name>.hex`.
    static func bytes(_ name: String) throws -> [UInt8] {
        try self.parseHex(self.text(name), name: name)
    }

    /// How many messages a session fixture lists: each one is introduced by a `# F<n>` or
    /// `# B<n>` comment written by the capture's own splitter (capture/extract.py).
    static func messageCount(_ name: String) throws -> Int {
        try self.text(name).split(separator: "\n").filter { line in
            let words = line.split(separator: " ")
            guard words.count == 3, words[0] == "#", let tag = words[1].first, tag == "F" || tag == "B" else { return false }
            return Int(words[1].dropFirst()) != nil
        }.count
    }

    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "hex", subdirectory: "Fixtures") else {
            throw LoadError(description: "no fixture \(name).hex in the test bundle")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func parseHex(_ text: String, name: String) throws -> [UInt8] {
        var digits: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") { continue }
            for character in line where !character.isWhitespace {
                guard let digit = character.hexDigitValue else {
                    throw LoadError(description: "\(name).hex: not a hex digit: \(character)")
                }
                digits.append(UInt8(digit))
            }
        }
        guard digits.count % 2 == 0 else { throw LoadError(description: "\(name).hex: odd number of hex digits") }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}
