// CheckCommand: `switchyard check`, validates a configuration file and lists every problem.
import ArgumentParser
import SwitchyardConfig

/// "`check` prints `OK` or one line per problem: `FILE:LINE: message`"; exit 0 if valid, 1 if not.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file; exit 0 if valid, 1 if not."
    )

    @OptionGroup var configPath: ConfigPathOption

    func run() throws {
        do {
            _ = try self.configPath.loadConfig()
            print("OK")
        } catch {
            for line in error.lines { print(line) }
            throw ExitCode(1)
        }
    }
}
