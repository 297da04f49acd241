// ConfigPathOption: the shared `--config FILE` option: resolves FILE and loads the file.
import ArgumentParser
import SwitchyardConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--config FILE`, for every subcommand that reads a configuration (`@OptionGroup`).
///
/// "`FILE` defaults to `$SWITCHYARD_CONFIG`, then `config/switchyard.toml`."
struct ConfigPathOption: ParsableArguments {
    static let environmentVariable = "SWITCHYARD_CONFIG"
    static let defaultPath = "config/switchyard.toml"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The configuration file (default: $SWITCHYARD_CONFIG, then config/switchyard.toml).",
            valueName: "FILE"
        )
    )
    var config: String?

    /// The flag, else a non-empty `$SWITCHYARD_CONFIG`, else the default path.
    func resolvedPath() -> String {
        Self.resolve(flag: self.config, environmentValue: getenv(Self.environmentVariable).map { String(cString: $0) })
    }

    static func resolve(flag: String?, environmentValue: String?) -> String {
        if let flag { return flag }
        if let environmentValue, !environmentValue.isEmpty { return environmentValue }
        return Self.defaultPath
    }

    /// Reads and validates the file. An unreadable file is one problem, like any other.
    func loadConfig() throws(ConfigErrors) -> Config {
        let path = self.resolvedPath()
        let contents: String
        switch Self.readFile(atPath: path) {
        case .success(let text):
            contents = text
        case .failure(let reason):
            throw ConfigErrors([ConfigError(file: path, line: nil, keyPath: .root, problem: .unreadableFile(reason: reason.message))])
        }
        return try Config.load(contents: contents, path: path)
    }

    struct ReadFailure: Error {
        var message: String
    }

    /// The whole file as UTF-8 text (TOML requires UTF-8), or why it could not be read.
    static func readFile(atPath path: String) -> Result<String, ReadFailure> {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return .failure(ReadFailure(message: Self.errnoMessage())) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(message: Self.errnoMessage()))
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ReadFailure(message: "file is not valid UTF-8"))
        }
        return .success(text)
    }

    private static func errnoMessage() -> String {
        String(cString: strerror(errno))
    }
}
