// The `switchyard` command: a thin shell over the library modules, one file per subcommand.
import ArgumentParser
import SwitchyardDaemon

@main
struct Switchyard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "A PostgreSQL wire-protocol proxy that routes, pools and fails over.",
        version: SwitchyardVersion.current,
        subcommands: [RunCommand.self, CheckCommand.self, RouteCommand.self, DemoCommand.self]
    )
}

