// PostgresBinaries: finds the PostgreSQL server programs (initdb, pg_ctl, psql, ...) on this machine.
import Foundation

/// The directory holding PostgreSQL's programs, and paths to the ones we run.
package struct PostgresBinaries: Sendable, Equatable {
    /// The directory, e.g. `/usr/lib/postgresql/15/bin`.
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// The path of program `name` in this directory.
    package func path(_ name: String) -> String { directory + "/" + name }

    package var initdb: String { path("initdb") }
    package var pgCtl: String { path("pg_ctl") }
    package var pgBasebackup: String { path("pg_basebackup") }
    package var psql: String { path("psql") }
    package var pgbench: String { path("pgbench") }

    /// Finds the binaries: `$SWITCHYARD_PG_BINDIR`, then `pg_config --bindir` if that directory has
    /// `initdb` (Debian's `pg_config` may belong to the client package alone), then the highest
    /// version under `/usr/lib/postgresql/*/bin`.
    package static func locate() throws -> PostgresBinaries {
        var searched: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["SWITCHYARD_PG_BINDIR"], !explicit.isEmpty {
            if hasServerPrograms(explicit) { return PostgresBinaries(directory: explicit) }
            searched.append(explicit + " ($SWITCHYARD_PG_BINDIR)")
        }
        if let pgConfig = findOnPath("pg_config"),
            let result = try? Command(pgConfig, ["--bindir"]).run(timeout: 10), result.succeeded
        {
            let directory = result.standardOutput.trimmingTrailingWhitespace()
            if hasServerPrograms(directory) { return PostgresBinaries(directory: directory) }
            searched.append(directory + " (pg_config --bindir)")
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap { name in Int(name).map { (version: $0, directory: "\(root)/\(name)/bin") } }
            .sorted { $0.version > $1.version }
        for candidate in versions where hasServerPrograms(candidate.directory) {
            return PostgresBinaries(directory: candidate.directory)
        }
        searched.append(root + "/*/bin")
        throw LocalError.binariesNotFound(searched: searched)
    }

    private static func hasServerPrograms(_ directory: String) -> Bool {
        ["initdb", "pg_ctl", "postgres"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: directory + "/" + $0)
        }
    }

    private static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
