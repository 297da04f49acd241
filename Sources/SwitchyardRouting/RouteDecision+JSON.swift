// RouteDecision+JSON: the exact `switchyard route` output of SPEC §4, without Foundation.

extension RouteDecision {
    /// `{"database":"app","kind":"read","target":"replica","cluster":"main","shard":null,
    /// "shards":null,"tables":["blog_entry"],"reason":"plain SELECT"}`, keys in that order.
    package var json: String {
        var output = "{"
        output += "\"database\":" + JSON.string(self.database)
        output += ",\"kind\":" + JSON.string(self.kind.rawValue)
        output += ",\"target\":" + JSON.string(self.target.rawValue)
        output += ",\"cluster\":" + (self.cluster.map(JSON.string) ?? "null")
        output += ",\"shard\":" + (self.shard.map(String.init) ?? "null")
        output +=
            ",\"shards\":"
            + (self.shardIndices.map { "[" + $0.map(String.init).joined(separator: ",") + "]" } ?? "null")
        output += ",\"tables\":[" + self.tables.map(JSON.string).joined(separator: ",") + "]"
        output += ",\"reason\":" + JSON.string(self.reason)
        return output + "}"
    }
}

extension RoutingError {
    /// `{"error":{"sqlstate":"0A000","message":"..."}}`.
    package var json: String {
        "{\"error\":{\"sqlstate\":" + JSON.string(self.sqlState) + ",\"message\":" + JSON.string(self.message) + "}}"
    }
}

extension Result where Success == RouteDecision, Failure == RoutingError {
    /// The one JSON object `switchyard route` prints for a decision or an error.
    package var json: String {
        switch self {
        case .success(let decision): return decision.json
        case .failure(let error): return error.json
        }
    }
}

/// JSON string literals (RFC 8259 §7): quote, backslash and control characters escaped; all
/// other characters, including non-ASCII, written as UTF-8.
enum JSON {
    static func string(_ value: String) -> String {
        var output = "\""
        output.unicodeScalars.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
