// ConfigKeyPath: names one value in the TOML document, e.g. `clusters.main.servers[1].port`.

/// The path from the document root to one TOML value: table keys and array indices.
///
/// Problems are reported against a key path; the line locator maps the same paths to the lines
/// where they are written, so both sides must build paths the same way.
package struct ConfigKeyPath: Hashable, Sendable, CustomStringConvertible,
    ExpressibleByArrayLiteral
{
    /// One step down the document.
    package enum Component: Hashable, Sendable {
        /// A key of a table (as TOML decodes it: quotes removed, escapes resolved).
        case key(String)
        /// A 0-based position in an array or an array of tables.
        case index(Int)
    }

    package private(set) var components: [Component]

    package init(_ components: [Component]) {
        self.components = components
    }

    package init(arrayLiteral elements: Component...) {
        self.components = elements
    }

    /// The document root.
    package static let root = ConfigKeyPath([])

    package var isRoot: Bool { self.components.isEmpty }

    /// The path of the table or array that holds this value; the root's parent is the root.
    package var parent: ConfigKeyPath {
        ConfigKeyPath(Array(self.components.dropLast()))
    }

    /// The last key of the path, if the path ends in a key.
    package var lastKey: String? {
        guard case .key(let key) = self.components.last else { return nil }
        return key
    }

    package func appending(_ key: String) -> ConfigKeyPath {
        ConfigKeyPath(self.components + [.key(key)])
    }

    package func appending(index: Int) -> ConfigKeyPath {
        ConfigKeyPath(self.components + [.index(index)])
    }

    /// Dotted form with indices in brackets: `clusters.main.servers[1].port`. Keys that are not
    /// bare TOML keys are quoted, as they would be written in the file: `databases."my.db"`.
    package var description: String {
        var text = ""
        for component in self.components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += Self.render(key: key)
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    /// The path as a TOML table header would name it, indices dropped: `clusters.main.servers`.
    /// Used in messages such as `unknown key "prot" in [[clusters.main.servers]]`.
    package var tableName: String {
        self.components.compactMap { component -> String? in
            guard case .key(let key) = component else { return nil }
            return Self.render(key: key)
        }.joined(separator: ".")
    }

    /// Whether the path ends in an array index (an element of `[[...]]` or of an inline array).
    package var endsInIndex: Bool {
        if case .index = self.components.last { return true }
        return false
    }

    /// A bare key is `A-Za-z0-9_-`, at least one character (TOML 1.0, "Keys").
    static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy(Self.isBareKeyByte)
    }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func render(key: String) -> String {
        if Self.isBareKey(key) { return key }
        var quoted = "\""
        for character in key {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }
}
