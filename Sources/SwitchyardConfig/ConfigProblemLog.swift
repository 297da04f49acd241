// ConfigProblemLog: collects problems while a configuration is decoded, with their lines.

/// Collects every problem found while decoding one file, locating each by key path.
///
/// A reference type so that every `TableReader` of one load can report into the same log.
final class ConfigProblemLog {
    let file: String
    let locator: TOMLLineLocator
    private(set) var errors: [ConfigError] = []

    init(file: String, locator: TOMLLineLocator) {
        self.file = file
        self.locator = locator
    }

    /// Records `problem` at `path`, located at the line of `path` or of its nearest written
    /// ancestor (a missing key is reported at its table's header).
    func report(_ problem: ConfigError.Problem, at path: ConfigKeyPath) {
        let line = self.locator.nearestLine(of: path)
        self.errors.append(ConfigError(file: self.file, line: line, keyPath: path, problem: problem))
    }

    /// The line where `path` is written, for ordering tables as they were declared.
    func line(of path: ConfigKeyPath) -> Int? {
        self.locator.line(of: path)
    }
}
