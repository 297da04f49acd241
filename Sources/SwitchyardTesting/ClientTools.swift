// ClientTools: runs PostgreSQL's client programs (psql, pgbench) against servers or the proxy.

/// PostgreSQL's command-line clients from the server's binary directory.
///
/// They run as the current user (clients need no special account), with a timeout, and their
/// output captured.
package enum ClientTools {
    /// Runs `psql` with `arguments` (after `-X`, so no `~/.psqlrc` changes the output).
    ///
    /// - Parameters:
    ///   - password: put in `PGPASSWORD` when given.
    ///   - input: text fed to stdin (for `-f -` or interactive-style scripts).
    package static func psql(
        _ arguments: [String],
        password: String? = nil,
        environment: [String: String] = [:],
        input: String? = nil,
        timeout: Double = 60
    ) throws -> CommandResult {
        try run(
            "psql", ["-X"] + arguments, password: password, environment: environment, input: input, timeout: timeout)
    }

    /// Runs `pgbench` with `arguments`.
    package static func pgbench(
        _ arguments: [String],
        password: String? = nil,
        environment: [String: String] = [:],
        timeout: Double = 120
    ) throws -> CommandResult {
        try run("pgbench", arguments, password: password, environment: environment, timeout: timeout)
    }

    /// Runs the client program `name` from the server binary directory.
    package static func run(
        _ name: String,
        _ arguments: [String],
        password: String? = nil,
        environment: [String: String] = [:],
        input: String? = nil,
        timeout: Double = 60
    ) throws -> CommandResult {
        var variables = ["PGCONNECT_TIMEOUT": "10"]
        if let password { variables["PGPASSWORD"] = password }
        for (key, value) in environment { variables[key] = value }
        let program = try PostgresBinaries.locate().path(name)
        return try Command(program, arguments, environment: variables, input: input).run(timeout: timeout)
    }
}
