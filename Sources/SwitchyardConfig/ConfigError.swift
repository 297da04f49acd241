// ConfigError: one problem found in a configuration file, with where it is and what is wrong.

/// One problem in a configuration file.
///
/// Rendered in one place, `description`, as `FILE:LINE: message`, or `FILE: key.path: message`
/// when no line is known. Messages follow PostgreSQL's style: lower case, no final period.
package struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file name as given to `Config.load(contents:path:)`.
    package var file: String
    /// The 1-based line of the offending key, or of the nearest table that holds it.
    package var line: Int?
    /// The key the problem is about; the root for problems with the whole file.
    package var keyPath: ConfigKeyPath
    package var problem: Problem

    package init(file: String, line: Int?, keyPath: ConfigKeyPath, problem: Problem) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.problem = problem
    }

    /// What is wrong; each case names the things involved so messages can be precise.
    package enum Problem: Equatable, Sendable {
        /// The TOML library rejected the text.
        case syntax(String)
        /// The file could not be read at all (reported by the caller that reads it).
        case unreadableFile(reason: String)
        /// A key that Switchyard does not know: typos must not be silently ignored.
        case unknownKey(String, table: ConfigKeyPath)
        /// A key that has no default and was not given.
        case missingKey(String, table: ConfigKeyPath)
        /// A value of the wrong TOML type.
        case wrongType(key: String, expected: String, found: String)
        /// A string that is not one of the accepted choices.
        case invalidChoice(key: String, value: String, allowed: [String])
        /// An integer outside its accepted range.
        case outOfRange(key: String, value: Int, range: ClosedRange<Int>)
        /// A string or list that must not be empty.
        case empty(key: String)
        /// A `listen`-style address that is not `IPv4:PORT` or `[IPv6]:PORT`.
        case invalidAddress(key: String, value: String)
        /// A `[[users]]` password that looks like a hashed secret but is malformed.
        case invalidPassword(user: String, reason: String)
        case duplicateUser(String)
        /// The same `host:port` twice in one cluster.
        case duplicateServer(address: String, cluster: String)
        case clusterWithoutServers(String)
        /// Two or more servers of one cluster start as `role = "primary"`.
        case multiplePrimaries(cluster: String)
        /// A reference to a cluster that `[clusters]` does not define.
        case unknownCluster(String)
        /// `databases.switchyard`: that name is the admin console.
        case reservedDatabase(String)
        /// Neither the cluster's `user` nor `[health] user` is set, so health checks cannot log in.
        case noHealthCheckUser(cluster: String)
        case noDatabases
        case minPoolSizeAbovePoolSize(minPoolSize: Int, poolSize: Int)
        /// One of `tls_cert_file` / `tls_key_file` is set without the other.
        case incompleteTLSFiles(set: String, missing: String)
        /// `client_tls = "require"` with no certificate to offer.
        case clientTLSWithoutCertificate
        /// A `password` given where `user` is empty: it would never be used.
        case passwordWithoutUser(table: ConfigKeyPath)
        /// `function = "modulo"` on a text key.
        case moduloNeedsBigintKey
        case sameListenAddress(String)

        /// The message, in PostgreSQL's style.
        package var message: String {
            switch self {
            case .syntax(let message):
                return message
            case .unreadableFile(let reason):
                return "could not read file: \(reason)"
            case .unknownKey(let key, let table):
                return "unknown key \(quoted(key))\(Self.location(in: table))"
            case .missingKey(let key, let table):
                return "missing key \(quoted(key))\(Self.location(in: table))"
            case .wrongType(let key, let expected, let found):
                return "\(quoted(key)) must be \(expected), not \(found)"
            case .invalidChoice(let key, let value, let allowed):
                return "invalid value \(quoted(value)) for \(quoted(key)): expected "
                    + Self.alternatives(allowed.map(quoted))
            case .outOfRange(let key, let value, let range):
                return "\(quoted(key)) must be \(Self.describe(range)), not \(value)"
            case .empty(let key):
                return "\(quoted(key)) must not be empty"
            case .invalidAddress(let key, let value):
                return "invalid address \(quoted(value)) for \(quoted(key)): expected "
                    + "\"IPV4:PORT\" or \"[IPV6]:PORT\""
            case .invalidPassword(let user, let reason):
                return "invalid password for user \(quoted(user)): \(reason)"
            case .duplicateUser(let name):
                return "duplicate user \(quoted(name))"
            case .duplicateServer(let address, let cluster):
                return "duplicate server \(quoted(address)) in cluster \(quoted(cluster))"
            case .clusterWithoutServers(let cluster):
                return "cluster \(quoted(cluster)) has no servers"
            case .multiplePrimaries(let cluster):
                return "cluster \(quoted(cluster)) has more than one server with role \"primary\""
            case .unknownCluster(let name):
                return "unknown cluster \(quoted(name))"
            case .reservedDatabase(let name):
                return "database name \(quoted(name)) is reserved for the admin console"
            case .noHealthCheckUser(let cluster):
                return "cluster \(quoted(cluster)) has no user for health checks: "
                    + "set \"user\" in [clusters.\(ConfigKeyPath([.key(cluster)]))] or in [health]"
            case .noDatabases:
                return "no databases defined: add at least one [databases.NAME]"
            case .minPoolSizeAbovePoolSize(let minPoolSize, let poolSize):
                return "\"min_pool_size\" (\(minPoolSize)) must not exceed \"pool_size\" (\(poolSize))"
            case .incompleteTLSFiles(let set, let missing):
                return "\(quoted(set)) is set but \(quoted(missing)) is not: set both or neither"
            case .clientTLSWithoutCertificate:
                return "client_tls = \"require\" needs \"tls_cert_file\" and \"tls_key_file\""
            case .passwordWithoutUser(let table):
                return "\"password\" is set but \"user\" is empty in [\(table.tableName)]"
            case .moduloNeedsBigintKey:
                return "function \"modulo\" needs key_type \"bigint\""
            case .sameListenAddress(let address):
                return "\"admin_listen\" must differ from \"listen\" (both are \(quoted(address)))"
            }
        }

        private static func location(in table: ConfigKeyPath) -> String {
            if table.isRoot { return "" }
            return table.endsInIndex ? " in [[\(table.tableName)]]" : " in [\(table.tableName)]"
        }

        private static func alternatives(_ items: [String]) -> String {
            switch items.count {
            case 0: return "nothing"
            case 1: return items[0]
            case 2: return "\(items[0]) or \(items[1])"
            default: return "one of " + items.joined(separator: ", ")
            }
        }

        private static func describe(_ range: ClosedRange<Int>) -> String {
            if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
            return "between \(range.lowerBound) and \(range.upperBound)"
        }
    }

    package var message: String { self.problem.message }

    /// `FILE:LINE: message`, or `FILE: key.path: message` when no line is known.
    package var description: String {
        if let line = self.line { return "\(self.file):\(line): \(self.message)" }
        if self.keyPath.isRoot { return "\(self.file): \(self.message)" }
        return "\(self.file): \(self.keyPath): \(self.message)"
    }
}

/// A TOML basic string for `text`, as messages quote names and values.
private func quoted(_ text: String) -> String {
    var result = "\""
    for character in text {
        switch character {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        default: result.append(character)
        }
    }
    return result + "\""
}
