// ConfigPathOption: the shared `--config FILE` option: resolves FILE and loads the file.
import ArgumentParser
import SwitchyardConfig
import SwitchyardDaemon

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
        try ConfigFile.load(self.resolvedPath())
    }
}
