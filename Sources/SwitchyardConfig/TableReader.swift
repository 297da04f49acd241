// TableReader: typed, defaulted access to one TOML table that reports every bad or unknown key.

/// A string setting with a fixed set of accepted values (`pool_mode`, `load_balance`, ...).
protocol ConfigChoice: RawRepresentable<String>, CaseIterable {}

/// Reads the keys of one TOML table into typed values.
///
/// Every accessor falls back to its default after reporting a problem, so decoding always
/// finishes and reports everything; `finish()` then reports the keys nobody asked for.
final class TableReader {
    let path: ConfigKeyPath
    let entries: [String: TOMLNode]
    let log: ConfigProblemLog
    private var consumedKeys: Set<String> = []

    init(path: ConfigKeyPath, entries: [String: TOMLNode], log: ConfigProblemLog) {
        self.path = path
        self.entries = entries
        self.log = log
    }

    /// Whether the table spells out `key` (for defaults that depend on other keys).
    func contains(_ key: String) -> Bool {
        self.entries[key] != nil
    }

    func report(_ problem: ConfigError.Problem, at key: String? = nil) {
        self.log.report(problem, at: key.map { self.path.appending($0) } ?? self.path)
    }

    /// Reports every key that no accessor read: unknown keys are errors, not silently ignored.
    func finish() {
        for key in self.entries.keys.sorted() where !self.consumedKeys.contains(key) {
            self.report(.unknownKey(key, table: self.path), at: key)
        }
    }

    // MARK: - Scalars

    func string(_ key: String, default defaultValue: String) -> String {
        self.scalar(key, expected: "a string") { node in
            if case .string(let value) = node { return value }
            return nil
        } ?? defaultValue
    }

    func requiredString(_ key: String) -> String? {
        guard self.contains(key) else {
            self.consumedKeys.insert(key)
            self.report(.missingKey(key, table: self.path), at: key)
            return nil
        }
        return self.scalar(key, expected: "a string") { node in
            if case .string(let value) = node { return value }
            return nil
        }
    }

    /// An integer in `range`; out-of-range values are reported and replaced by the default.
    func integer(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) -> Int {
        let value = self.scalar(key, expected: "an integer") { node in
            if case .integer(let value) = node { return value }
            return nil
        }
        guard let value else { return defaultValue }
        guard range.contains(value) else {
            self.report(.outOfRange(key: key, value: value, range: range), at: key)
            return defaultValue
        }
        return value
    }

    func boolean(_ key: String, default defaultValue: Bool) -> Bool {
        self.scalar(key, expected: "a boolean") { node in
            if case .boolean(let value) = node { return value }
            return nil
        } ?? defaultValue
    }

    func choice<Choice: ConfigChoice>(_ key: String, default defaultValue: Choice) -> Choice {
        guard let text = self.scalar(key, expected: "a string", { node -> String? in
            if case .string(let value) = node { return value }
            return nil
        }) else { return defaultValue }
        guard let value = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue)
            self.report(.invalidChoice(key: key, value: text, allowed: allowed), at: key)
            return defaultValue
        }
        return value
    }

    /// An array of strings; each element of another type is reported at its own index.
    func stringArray(_ key: String, default defaultValue: [String]) -> [String] {
        guard let elements = self.array(key) else { return defaultValue }
        var strings: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let value) = element else {
                let problem = ConfigError.Problem.wrongType(
                    key: "\(key)[\(index)]", expected: "a string", found: element.kindDescription)
                self.log.report(problem, at: self.path.appending(key).appending(index: index))
                continue
            }
            strings.append(value)
        }
        return strings
    }

    // MARK: - Tables

    /// The sub-table `key`, or an empty one (so its defaults apply) when absent or not a table.
    func table(_ key: String) -> TableReader {
        let path = self.path.appending(key)
        guard let node = self.take(key) else {
            return TableReader(path: path, entries: [:], log: self.log)
        }
        guard case .table(let entries) = node else {
            self.report(.wrongType(key: key, expected: "a table", found: node.kindDescription), at: key)
            return TableReader(path: path, entries: [:], log: self.log)
        }
        return TableReader(path: path, entries: entries, log: self.log)
    }

    /// The array of tables `key` (`[[key]]` or `key = [{...}, ...]`); non-table elements are
    /// reported and skipped.
    func tableArray(_ key: String) -> [TableReader] {
        guard let elements = self.array(key) else { return [] }
        let path = self.path.appending(key)
        var readers: [TableReader] = []
        for (index, element) in elements.enumerated() {
            let elementPath = path.appending(index: index)
            guard case .table(let entries) = element else {
                let problem = ConfigError.Problem.wrongType(
                    key: "\(key)[\(index)]", expected: "a table", found: element.kindDescription)
                self.log.report(problem, at: elementPath)
                continue
            }
            readers.append(TableReader(path: elementPath, entries: entries, log: self.log))
        }
        return readers
    }

    /// Every entry of this table as a named sub-table (`[clusters.NAME]`), in declaration
    /// order; entries that are not tables are reported.
    func namedTables() -> [(name: String, reader: TableReader)] {
        var tables: [(name: String, reader: TableReader)] = []
        for key in self.entries.keys {
            let reader = self.table(key)
            if case .table = self.entries[key] { tables.append((key, reader)) }
        }
        return tables.sorted { left, right in
            let leftLine = self.log.line(of: left.reader.path) ?? Int.max
            let rightLine = self.log.line(of: right.reader.path) ?? Int.max
            return leftLine != rightLine ? leftLine < rightLine : left.name < right.name
        }
    }

    // MARK: - Plumbing

    private func take(_ key: String) -> TOMLNode? {
        self.consumedKeys.insert(key)
        return self.entries[key]
    }

    private func array(_ key: String) -> [TOMLNode]? {
        guard let node = self.take(key) else { return nil }
        guard case .array(let elements) = node else {
            self.report(.wrongType(key: key, expected: "an array", found: node.kindDescription), at: key)
            return nil
        }
        return elements
    }

    private func scalar<Value>(
        _ key: String, expected: String, _ extract: (TOMLNode) -> Value?
    ) -> Value? {
        guard let node = self.take(key) else { return nil }
        guard let value = extract(node) else {
            self.report(.wrongType(key: key, expected: expected, found: node.kindDescription), at: key)
            return nil
        }
        return value
    }
}
