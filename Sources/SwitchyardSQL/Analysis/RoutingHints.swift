// RoutingHints: the overrides written in `/* switchyard: ... */` comments, and their parser.

/// The hints of one statement (or of a whole query text, merged).
///
/// Grammar, inside a comment whose body starts with `switchyard:`: comma-separated items
/// `primary`, `replica`, `cluster=NAME`, `shard=N`, `shard_key=VALUE`, `all_shards`. Item names
/// are case-insensitive; values are taken as written (quotes around a value are removed).
package struct RoutingHints: Hashable, Sendable {
    /// Where the hint asks reads to go. Writes always run on a primary.
    package enum Target: String, Hashable, Sendable {
        case primary, replica
    }

    package var target: Target?
    package var cluster: String?
    package var shard: Int?
    package var shardKey: String?
    package var allShards = false
    /// Items that could not be understood, as written; the router rejects a statement that has any.
    package var invalidItems: [String] = []

    package init() {}

    package var isEmpty: Bool {
        self.target == nil && self.cluster == nil && self.shard == nil && self.shardKey == nil && !self.allShards
            && self.invalidItems.isEmpty
    }

    /// Adds the items of one hint comment body (the text after `switchyard:`); later items win.
    package mutating func parse(_ body: String) {
        for rawItem in body.split(separator: ",", omittingEmptySubsequences: false) {
            let item = Self.trimmed(rawItem)
            if item.isEmpty { continue }
            if let equals = item.firstIndex(of: "=") {
                let name = Self.trimmed(item[..<equals]).lowercased()
                let value = Self.unquoted(Self.trimmed(item[item.index(after: equals)...]))
                switch name {
                case "cluster" where !value.isEmpty:
                    self.cluster = value
                case "shard":
                    if let shard = Int(value), shard >= 0 {
                        self.shard = shard
                    } else {
                        self.invalidItems.append(String(item))
                    }
                case "shard_key" where !value.isEmpty:
                    self.shardKey = value
                default:
                    self.invalidItems.append(String(item))
                }
                continue
            }
            switch item.lowercased() {
            case "primary": self.target = .primary
            case "replica": self.target = .replica
            case "all_shards": self.allShards = true
            default: self.invalidItems.append(String(item))
            }
        }
    }

    /// Merges `other` into `self`; `other`'s values win where both are set.
    package mutating func merge(_ other: RoutingHints) {
        if let target = other.target { self.target = target }
        if let cluster = other.cluster { self.cluster = cluster }
        if let shard = other.shard { self.shard = shard }
        if let shardKey = other.shardKey { self.shardKey = shardKey }
        if other.allShards { self.allShards = true }
        self.invalidItems.append(contentsOf: other.invalidItems)
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }

    private static func unquoted(_ text: Substring) -> String {
        if text.count >= 2, let first = text.first, first == text.last, first == "'" || first == "\"" {
            return String(text.dropFirst().dropLast())
        }
        return String(text)
    }
}
