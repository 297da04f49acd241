// JSONValue: a small JSON document model and its text encoder (RFC 8259), without Foundation.

/// A JSON value whose object members keep the order they were given in, so output is stable.
package indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// Non-finite numbers have no JSON form and are written as `null`.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// An optional string: the string, or `null`.
    package static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    /// An optional integer: the integer, or `null`.
    package static func int(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }

    /// The JSON text. Pretty output indents by two spaces and keeps arrays of scalars on one line.
    package func rendered(pretty: Bool = true) -> String {
        var output = ""
        self.write(into: &output, depth: 0, pretty: pretty)
        if pretty { output.append("\n") }
        return output
    }

    private var isScalar: Bool {
        switch self {
        case .null, .bool, .int, .double, .string: return true
        case .array, .object: return false
        }
    }

    private func write(into output: inout String, depth: Int, pretty: Bool) {
        switch self {
        case .null:
            output.append("null")
        case .bool(let value):
            output.append(value ? "true" : "false")
        case .int(let value):
            output.append(String(value))
        case .double(let value):
            // Swift prints the shortest text that reads back as the same Double ("0.0005", "1e-05",
            // "2.5"); every such form is a valid JSON number.
            output.append(value.isFinite ? value.description : "null")
        case .string(let value):
            Self.writeString(value, into: &output)
        case .array(let elements):
            guard !elements.isEmpty else {
                output.append("[]")
                return
            }
            let inline = !pretty || elements.allSatisfy(\.isScalar)
            output.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(inline && pretty ? ", " : ",") }
                if !inline { Self.newline(into: &output, depth: depth + 1) }
                element.write(into: &output, depth: depth + 1, pretty: pretty)
            }
            if !inline { Self.newline(into: &output, depth: depth) }
            output.append("]")
        case .object(let members):
            guard !members.isEmpty else {
                output.append("{}")
                return
            }
            output.append("{")
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(",") }
                if pretty { Self.newline(into: &output, depth: depth + 1) }
                Self.writeString(member.key, into: &output)
                output.append(pretty ? ": " : ":")
                member.value.write(into: &output, depth: depth + 1, pretty: pretty)
            }
            if pretty { Self.newline(into: &output, depth: depth) }
            output.append("}")
        }
    }

    private static func newline(into output: inout String, depth: Int) {
        output.append("\n")
        output.append(String(repeating: "  ", count: depth))
    }

    /// Writes a string literal. RFC 8259 §7 requires escaping `"`, `\` and U+0000–U+001F; U+2028
    /// and U+2029 are escaped too, because older JavaScript parsers reject them inside strings.
    package static func writeString(_ value: String, into output: inout String) {
        output.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case "\u{08}": output.append("\\b")
            case "\u{0C}": output.append("\\f")
            case "\u{2028}", "\u{2029}", "\u{00}"..."\u{1F}":
                output.append("\\u")
                let hex = String(scalar.value, radix: 16)
                output.append(String(repeating: "0", count: 4 - hex.count))
                output.append(hex)
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}

/// One member of a JSON object.
package struct JSONMember: Sendable, Equatable {
    package var key: String
    package var value: JSONValue

    package init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}
