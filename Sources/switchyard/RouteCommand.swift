// `switchyard route`: the routing decision for one SQL text as JSON, without touching the network.
import ArgumentParser
import SwitchyardConfig
import SwitchyardDaemon
import SwitchyardRouting

struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Print the routing decision for SQL as one JSON object (no network)."
    )

    @OptionGroup var configPath: ConfigPathOption

    @Option(name: .long, help: "The client-facing database (default: the first [databases.X] of the file).")
    var database: String?

    @Argument(help: "The SQL text, as the first statement of a fresh session in autocommit mode.")
    var sql: String

    func run() throws {
        let config: Config
        do {
            config = try self.configPath.loadConfig()
        } catch {
            for line in error.lines { print(line) }
            throw ExitCode(1)
        }
        let table: RoutingTable
        do {
            table = try RoutingTable(config)
        } catch {
            print("\(config.path): \(error)")
            throw ExitCode(1)
        }
        let database = self.database ?? config.databaseOrder.first ?? ""
        switch Router(table: table).decide(sql: self.sql, database: database) {
        case .success(let decision): print(decision.json)
        case .failure(let error): print(error.json)
        }
    }
}
