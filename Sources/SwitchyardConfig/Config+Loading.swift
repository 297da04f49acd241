// Config+Loading: turns TOML text into a validated Config, collecting every problem found.

extension Config {
    /// Parses and validates a configuration file's contents.
    ///
    /// Pure: the caller reads the file. Every problem is collected (not only the first), so
    /// `switchyard check` can list them all.
    /// - Parameters:
    ///   - contents: the TOML text.
    ///   - path: the file name, used in messages (`FILE:LINE: message`) and kept as `Config.path`.
    /// - Throws: `ConfigErrors` with every problem, sorted by line.
    package static func load(contents: String, path: String) throws(ConfigErrors) -> Config {
        let root: [String: TOMLNode]
        do {
            root = try TOMLNode.parseDocument(contents)
        } catch {
            throw ConfigErrors([
                ConfigError(file: path, line: error.line, keyPath: .root, problem: .syntax(error.message))
            ])
        }
        let log = ConfigProblemLog(file: path, locator: TOMLLineLocator(text: contents))
        let document = TableReader(path: .root, entries: root, log: log)

        let proxy = ProxySettings.decode(document.table("proxy"))
        let health = HealthSettings.decode(document.table("health"))
        let users = UserConfig.decodeAll(document.tableArray("users"))

        let clusterTables = document.table("clusters")
        var clusters: [String: ClusterConfig] = [:]
        var clusterOrder: [String] = []
        for (name, table) in clusterTables.namedTables() {
            clusters[name] = ClusterConfig.decode(name: name, table, health: health)
            clusterOrder.append(name)
        }
        clusterTables.finish()

        let databaseTables = document.table("databases")
        var databases: [String: DatabaseConfig] = [:]
        var databaseOrder: [String] = []
        for (name, table) in databaseTables.namedTables() {
            databases[name] = DatabaseConfig.decode(name: name, table, clusters: Set(clusterOrder))
            databaseOrder.append(name)
        }
        databaseTables.finish()
        // A `databases` of the wrong type is already reported.
        if root["databases"] == nil || root["databases"] == .table([:]) {
            log.report(.noDatabases, at: databaseTables.path)
        }
        document.finish()

        guard log.errors.isEmpty else { throw ConfigErrors(log.errors) }
        return Config(
            path: path,
            proxy: proxy,
            health: health,
            users: users,
            clusters: clusters,
            clusterOrder: clusterOrder,
            databases: databases,
            databaseOrder: databaseOrder
        )
    }
}
