// TOMLLineLocator: finds the line where each key or table header of a TOML text is written.

/// Maps key paths to the 1-based line where the key (or its table header) is written.
///
/// The TOML library reports positions only for syntax errors, so problems found after parsing
/// (unknown keys, bad values, dangling references) get their line from this scan. It runs only on
/// text the TOML library has accepted, and understands enough TOML to stay in step: `[table]` and
/// `[[array.of.tables]]` headers, dotted and quoted keys, comments, all four string forms
/// (multi-line ones included), and arrays and inline tables across lines. Elements of inline
/// arrays get their own paths (`routes[0].tables[1]`), as do keys of inline tables. It never
/// fails: on text it does not understand it skips to the next line.
package struct TOMLLineLocator: Sendable {
    private let lines: [ConfigKeyPath: Int]

    package init(text: String) {
        var scanner = LineScanner(bytes: Array(text.utf8))
        scanner.scanDocument()
        self.lines = scanner.lines
    }

    /// The line where `path` is written, or nil when the document does not spell it out.
    package func line(of path: ConfigKeyPath) -> Int? {
        self.lines[path]
    }

    /// The line of `path`, else of its nearest written ancestor (a missing key is reported at its
    /// table's header), else nil.
    package func nearestLine(of path: ConfigKeyPath) -> Int? {
        var current = path
        while true {
            if let line = self.lines[current] { return line }
            if current.isRoot { return nil }
            current = current.parent
        }
    }
}

// MARK: - Scanner

/// A forgiving single-pass TOML scanner that records where keys appear.
private struct LineScanner {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lines: [ConfigKeyPath: Int] = [:]
    /// The table that following key/value lines belong to, with array-of-tables indices resolved.
    var currentTable = ConfigKeyPath.root
    /// How many `[[...]]` elements each array of tables has so far, by resolved path.
    var arrayTableCounts: [ConfigKeyPath: Int] = [:]

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    func peek(_ offset: Int) -> UInt8? {
        let position = self.index + offset
        return position < self.bytes.count ? self.bytes[position] : nil
    }

    mutating func advance() {
        if self.current == UInt8(ascii: "\n") { self.line += 1 }
        self.index += 1
    }

    /// Records the line of `path` and of every ancestor not yet seen: the first mention wins, so
    /// an implicitly created table keeps the line where it first appears.
    mutating func record(_ path: ConfigKeyPath) {
        var current = path
        while !current.isRoot {
            if self.lines[current] == nil { self.lines[current] = self.line }
            current = current.parent
        }
    }

    mutating func scanDocument() {
        while self.current != nil {
            self.skipBlank(acrossLines: true)
            guard let byte = self.current else { return }
            if byte == UInt8(ascii: "[") {
                self.scanHeader()
            } else if let keys = self.scanKey() {
                let path = ConfigKeyPath(self.currentTable.components + keys.map { .key($0) })
                self.record(path)
                self.skipBlank(acrossLines: false)
                if self.current == UInt8(ascii: "=") {
                    self.advance()
                    self.skipBlank(acrossLines: false)
                    self.scanValue(at: path)
                }
            }
            self.skipRestOfLine()
        }
    }

    /// `[a.b]` or `[[a.b]]`: resolves array-of-tables prefixes to their latest element.
    mutating func scanHeader() {
        self.advance()
        let isArray = self.current == UInt8(ascii: "[")
        if isArray { self.advance() }
        guard let keys = self.scanKey() else { return }
        var path = ConfigKeyPath.root
        for (position, key) in keys.enumerated() {
            path = path.appending(key)
            if isArray && position == keys.count - 1 {
                let count = self.arrayTableCounts[path, default: 0]
                self.arrayTableCounts[path] = count + 1
                self.record(path)
                path = path.appending(index: count)
            } else if let count = self.arrayTableCounts[path] {
                path = path.appending(index: count - 1)
            }
        }
        self.record(path)
        self.currentTable = path
    }

    // MARK: Keys

    /// A possibly dotted key: `a`, `"a.b".c`, `a . 'b'`. Nil if no key starts here.
    mutating func scanKey() -> [String]? {
        var keys: [String] = []
        while true {
            self.skipBlank(acrossLines: false)
            guard let byte = self.current else { break }
            if byte == UInt8(ascii: "\"") {
                keys.append(self.scanBasicString())
            } else if byte == UInt8(ascii: "'") {
                keys.append(self.scanLiteralString())
            } else if ConfigKeyPath.isBareKeyByte(byte) {
                let start = self.index
                while let next = self.current, ConfigKeyPath.isBareKeyByte(next) { self.advance() }
                keys.append(String(decoding: self.bytes[start..<self.index], as: UTF8.self))
            } else {
                break
            }
            self.skipBlank(acrossLines: false)
            guard self.current == UInt8(ascii: ".") else { break }
            self.advance()
        }
        return keys.isEmpty ? nil : keys
    }

    // MARK: Values

    mutating func scanValue(at path: ConfigKeyPath) {
        guard let byte = self.current else { return }
        switch byte {
        case UInt8(ascii: "\""):
            if self.peek(1) == UInt8(ascii: "\""), self.peek(2) == UInt8(ascii: "\"") {
                self.skipMultiLineString(quote: byte)
            } else {
                _ = self.scanBasicString()
            }
        case UInt8(ascii: "'"):
            if self.peek(1) == UInt8(ascii: "'"), self.peek(2) == UInt8(ascii: "'") {
                self.skipMultiLineString(quote: byte)
            } else {
                _ = self.scanLiteralString()
            }
        case UInt8(ascii: "["):
            self.scanArray(at: path)
        case UInt8(ascii: "{"):
            self.scanInlineTable(at: path)
        default:
            // Numbers, booleans, dates: up to the next delimiter (a date-time may hold a space).
            while let next = self.current, !Self.endsScalar(next) { self.advance() }
        }
    }

    static func endsScalar(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
            || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    mutating func scanArray(at path: ConfigKeyPath) {
        self.advance()
        var position = 0
        while true {
            self.skipBlank(acrossLines: true)
            guard let byte = self.current else { return }
            if byte == UInt8(ascii: "]") {
                self.advance()
                return
            }
            if byte == UInt8(ascii: ",") {
                // Only reached after an element; the next one gets the next index.
                self.advance()
                position += 1
                continue
            }
            let element = path.appending(index: position)
            self.record(element)
            let before = self.index
            self.scanValue(at: element)
            if self.index == before { self.advance() }  // Not TOML; keep moving.
        }
    }

    mutating func scanInlineTable(at path: ConfigKeyPath) {
        self.advance()
        while true {
            self.skipBlank(acrossLines: true)
            guard let byte = self.current else { return }
            if byte == UInt8(ascii: "}") {
                self.advance()
                return
            }
            if byte == UInt8(ascii: ",") {
                self.advance()
                continue
            }
            guard let keys = self.scanKey() else {
                self.advance()
                continue
            }
            let keyPath = ConfigKeyPath(path.components + keys.map { .key($0) })
            self.record(keyPath)
            self.skipBlank(acrossLines: false)
            if self.current == UInt8(ascii: "=") {
                self.advance()
                self.skipBlank(acrossLines: false)
                self.scanValue(at: keyPath)
            }
        }
    }

    // MARK: Strings

    /// A `"..."` string with escapes resolved (keys are compared after decoding).
    mutating func scanBasicString() -> String {
        self.advance()
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll()
        }
        while let byte = self.current, byte != UInt8(ascii: "\n") {
            self.advance()
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\"), let escaped = self.current else {
                raw.append(byte)
                continue
            }
            self.advance()
            flush()
            switch escaped {
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "u"): scalars.append(self.scanUnicodeEscape(digits: 4))
            case UInt8(ascii: "U"): scalars.append(self.scanUnicodeEscape(digits: 8))
            default: scalars.append(Unicode.Scalar(escaped))
            }
        }
        flush()
        return String(scalars)
    }

    mutating func scanUnicodeEscape(digits: Int) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = self.current, let digit = Self.hexValue(byte) else { break }
            value = value &* 16 &+ UInt32(digit)
            self.advance()
        }
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// A `'...'` string: no escapes.
    mutating func scanLiteralString() -> String {
        self.advance()
        let start = self.index
        while let byte = self.current, byte != UInt8(ascii: "'"), byte != UInt8(ascii: "\n") {
            self.advance()
        }
        let text = String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        if self.current == UInt8(ascii: "'") { self.advance() }
        return text
    }

    /// `"""..."""` or `'''...'''`; a backslash escapes the next byte only in the basic form.
    /// Up to two extra quotes may end the content right before the closing delimiter.
    mutating func skipMultiLineString(quote: UInt8) {
        for _ in 0..<3 { self.advance() }
        while let byte = self.current {
            if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                self.advance()
                self.advance()
                continue
            }
            if byte == quote, self.peek(1) == quote, self.peek(2) == quote {
                for _ in 0..<3 { self.advance() }
                var extra = 0
                while extra < 2, self.current == quote {
                    self.advance()
                    extra += 1
                }
                return
            }
            self.advance()
        }
    }

    // MARK: Blanks and comments

    /// Skips spaces and tabs, comments, and with `acrossLines` also line breaks.
    mutating func skipBlank(acrossLines: Bool) {
        while let byte = self.current {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                self.advance()
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                guard acrossLines else { return }
                self.advance()
            case UInt8(ascii: "#"):
                while let next = self.current, next != UInt8(ascii: "\n") { self.advance() }
            default:
                return
            }
        }
    }

    /// Skips whatever is left of the line (a comment, or text the scanner did not understand).
    mutating func skipRestOfLine() {
        while let byte = self.current, byte != UInt8(ascii: "\n") { self.advance() }
    }
}
