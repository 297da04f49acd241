// ConfigErrors: every problem found in one configuration file, thrown by `Config.load`.

/// All problems found in one configuration file; loading collects them all instead of stopping
/// at the first, so `switchyard check` can list everything to fix in one go.
package struct ConfigErrors: Error, Equatable, Sendable, CustomStringConvertible {
    /// Sorted by line; problems without a line come last, in the order they were found.
    package var errors: [ConfigError]

    package init(_ errors: [ConfigError]) {
        self.errors = errors.enumerated().sorted { left, right in
            switch (left.element.line, right.element.line) {
            case (let leftLine?, let rightLine?) where leftLine != rightLine:
                return leftLine < rightLine
            case (.some, .none):
                return true
            case (.none, .some):
                return false
            default:
                return left.offset < right.offset
            }
        }.map(\.element)
    }

    /// One rendered problem per line, as `switchyard check` prints them.
    package var lines: [String] { self.errors.map(\.description) }

    package var description: String { self.lines.joined(separator: "\n") }
}
