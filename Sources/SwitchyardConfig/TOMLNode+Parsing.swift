// TOMLNode+Parsing: the one place that calls the TOML library (TOMLKit) and converts its tree.
internal import TOMLKit

extension TOMLNode {
    /// A syntax error reported by the TOML library, with the line where it starts.
    struct SyntaxError: Error, Equatable, Sendable {
        var line: Int?
        var message: String
    }

    /// Parses `text` and returns its root table.
    static func parseDocument(_ text: String) throws(SyntaxError) -> [String: TOMLNode] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            throw SyntaxError(line: line > 0 ? line : nil, message: Self.styled(error.description))
        } catch {
            throw SyntaxError(line: nil, message: "invalid TOML")
        }
        return Self.entries(of: table)
    }

    private static func entries(of table: TOMLTable) -> [String: TOMLNode] {
        var entries: [String: TOMLNode] = [:]
        for (key, value) in table {
            entries[key] = Self.node(value)
        }
        return entries
    }

    private static func node(_ value: any TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .table:
            guard let table = value.table else { return .table([:]) }
            return .table(Self.entries(of: table))
        case .array:
            guard let array = value.array else { return .array([]) }
            return .array(array.map { Self.node($0) })
        case .string:
            return .string(value.string ?? "")
        case .int:
            return .integer(value.int ?? 0)
        case .double:
            return .float(value.double ?? 0)
        case .bool:
            return .boolean(value.bool ?? false)
        case .date:
            return .dateTime(.date)
        case .time:
            return .dateTime(.time)
        case .dateTime:
            return .dateTime(.dateTime)
        }
    }

    /// The library's messages are sentences ("Error while parsing ..."); ours follow
    /// PostgreSQL's style: lower-case first letter, no final period.
    private static func styled(_ message: String) -> String {
        var text = message
        while text.last == "." || text.last == " " || text.last == "\n" { text.removeLast() }
        if let first = text.first, first.isUppercase,
            text.dropFirst().first.map({ $0.isLowercase || $0 == " " }) ?? true
        {
            text = first.lowercased() + text.dropFirst()
        }
        return text
    }
}
