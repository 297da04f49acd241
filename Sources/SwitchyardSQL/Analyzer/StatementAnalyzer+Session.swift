// StatementAnalyzer+Session: SET/RESET/SHOW (server and switchyard.*), cursors, LISTEN, PREPARE.

extension StatementAnalyzer {
    // MARK: - SET, RESET, SHOW

    mutating func classifySet(from index: Int) -> StatementKind {
        var next = index + 1
        var isLocal = false
        switch self.keyword(at: next) {
        case .session:
            switch self.keyword(at: next + 1) {
            case .authorization: return .session(.set(name: "session_authorization", isLocal: false))
            case .characteristics: return .session(.set(name: "session_characteristics", isLocal: false))
            default: next += 1
            }
        case .local:
            isLocal = true
            next += 1
        case .transaction:
            return .transaction(.setTransaction(readOnly: self.accessMode(from: next + 1)))
        default:
            break
        }
        let name: String
        switch self.keyword(at: next) {
        case .time where self.keyword(at: next + 1) == .zone: name = "timezone"
        case .names: name = "client_encoding"
        case .role: name = "role"
        case .schema: name = "search_path"
        case .session where self.keyword(at: next + 1) == .authorization: name = "session_authorization"
        case .constraints: return .session(.set(name: "constraints", isLocal: true))
        case .transaction: return .transaction(.setTransaction(readOnly: self.accessMode(from: next + 1)))
        default:
            guard let (parameter, afterName) = self.parameterName(at: next) else { return .write(.unrecognized) }
            if let setting = self.proxySettingName(parameter) {
                return .proxy(self.proxySet(setting, valueFrom: afterName))
            }
            name = parameter
        }
        return .session(.set(name: name, isLocal: isLocal))
    }

    mutating func classifyReset(from index: Int) -> StatementKind {
        let next = index + 1
        switch self.keyword(at: next) {
        case .all: return .session(.reset(name: nil))
        case .time where self.keyword(at: next + 1) == .zone: return .session(.reset(name: "timezone"))
        case .session where self.keyword(at: next + 1) == .authorization:
            return .session(.reset(name: "session_authorization"))
        case .role: return .session(.reset(name: "role"))
        default:
            guard let (parameter, _) = self.parameterName(at: next) else { return .write(.unrecognized) }
            if let setting = self.proxySettingName(parameter) {
                switch setting {
                case .all: return .proxy(.reset(nil))
                case .one(let setting): return .proxy(.reset(setting))
                case .unknown(let name): return .proxy(.unknownSetting(name))
                }
            }
            return .session(.reset(name: parameter))
        }
    }

    mutating func classifyShow(from index: Int) -> StatementKind {
        if let (parameter, _) = self.parameterName(at: index + 1), let setting = self.proxySettingName(parameter) {
            switch setting {
            case .all: return .proxy(.show(nil))
            case .one(let setting): return .proxy(.show(setting))
            case .unknown(let name): return .proxy(.unknownSetting(name))
            }
        }
        return .read(.show)
    }

    /// A configuration parameter name: `name`, `"Name"` or `prefix.name`, or `prefix.*` (for
    /// `RESET/SHOW switchyard.*`). GUC names compare case-insensitively, so all are lower-cased.
    private func parameterName(at index: Int) -> (String, Int)? {
        guard index < self.end else { return nil }
        let token = self.tokens[index]
        switch token.kind {
        case .identifier, .quotedIdentifier, .unicodeIdentifier: break
        default: return nil
        }
        guard var name = self.lexer.name(of: token)?.lowercased() else { return nil }
        var next = index + 1
        while self.isKind(.dot, at: next) {
            if let part = self.anyName(at: next + 1) {
                name += "." + part.lowercased()
            } else if self.isOperator("*", at: next + 1) {
                name += ".*"
            } else {
                break
            }
            next += 2
        }
        return (name, next)
    }

    /// A parameter in the `switchyard.` namespace.
    private enum ProxySettingName {
        case all
        case one(ProxySetting)
        case unknown(String)
    }

    private func proxySettingName(_ parameter: String) -> ProxySettingName? {
        let prefix = "switchyard."
        guard parameter.hasPrefix(prefix) else { return nil }
        let setting = String(parameter.dropFirst(prefix.count))
        if setting == "*" { return .all }
        if let known = ProxySetting(rawValue: setting) { return .one(known) }
        return .unknown(setting)
    }

    /// `SET switchyard.x {TO | =} value`: the value is one constant or word, or DEFAULT.
    private func proxySet(_ name: ProxySettingName, valueFrom index: Int) -> ProxyCommand {
        let setting: ProxySetting
        switch name {
        case .one(let known): setting = known
        case .all: return .unknownSetting("*")
        case .unknown(let name): return .unknownSetting(name)
        }
        var valueIndex = index
        if self.keyword(at: valueIndex) == .to || self.isOperator("=", at: valueIndex) { valueIndex += 1 }
        guard valueIndex + 1 == self.end else {
            return .invalidValue(setting, valueIndex < self.end ? self.sourceText(tokens: valueIndex..<self.end) : "")
        }
        let token = self.tokens[valueIndex]
        if token.keyword == .default { return .reset(setting) }
        let value: String
        switch token.kind {
        case .identifier, .quotedIdentifier, .unicodeIdentifier:
            guard let name = self.lexer.name(of: token) else {
                return .invalidValue(setting, self.sourceText(bytes: token.range))
            }
            value = name
        case .number:
            value = self.sourceText(bytes: token.range)
        default:
            guard let string = self.stringValue(at: valueIndex) else {
                return .invalidValue(setting, self.sourceText(bytes: token.range))
            }
            value = string
        }
        switch setting {
        case .target:
            guard let target = TargetPreference(rawValue: value.lowercased()) else {
                return .invalidValue(setting, value)
            }
            return .setTarget(target)
        case .cluster:
            guard !value.isEmpty else { return .invalidValue(setting, value) }
            return .setCluster(value)
        case .shard:
            guard let shard = Int(value), shard >= 0 else { return .invalidValue(setting, value) }
            return .setShard(shard)
        }
    }

    private func sourceText(bytes range: Range<Int>) -> String {
        String(decoding: self.lexer.text[range], as: UTF8.self)
    }

    /// The source text from token `start` up to the end of token `end - 1`.
    private func sourceText(tokens: Range<Int>) -> String {
        guard tokens.lowerBound < tokens.upperBound else { return "" }
        return self.sourceText(bytes: self.tokens[tokens.lowerBound].start..<self.tokens[tokens.upperBound - 1].end)
    }

    // MARK: - Other session commands

    mutating func classifySessionCommand(from index: Int) -> StatementKind {
        let command = self.keyword(at: index)
        var next = index + 1
        switch command {
        case .discard:
            switch self.keyword(at: next) {
            case .all: return .session(.discard(.all))
            case .plans: return .session(.discard(.plans))
            case .sequences: return .session(.discard(.sequences))
            case .temp, .temporary: return .session(.discard(.temporary))
            default: return .write(.unrecognized)
            }
        case .listen:
            guard let channel = self.anyName(at: next) else { return .write(.unrecognized) }
            self.pinning.insert(.listen)
            return .session(.listen(channel: channel))
        case .unlisten:
            if self.isOperator("*", at: next) { return .session(.unlisten(channel: nil)) }
            guard let channel = self.anyName(at: next) else { return .write(.unrecognized) }
            return .session(.unlisten(channel: channel))
        case .execute:
            guard let name = self.anyName(at: next) else { return .write(.unrecognized) }
            return .session(.execute(name: name))
        case .deallocate:
            if self.keyword(at: next) == .prepare { next += 1 }
            if self.keyword(at: next) == .all { return .session(.deallocate(name: nil)) }
            guard let name = self.anyName(at: next) else { return .write(.unrecognized) }
            return .session(.deallocate(name: name))
        case .close:
            if self.keyword(at: next) == .all { return .session(.closeCursor(name: nil)) }
            guard let name = self.anyName(at: next) else { return .write(.unrecognized) }
            return .session(.closeCursor(name: name))
        case .fetch, .move:
            return .session(.fetch)
        case .declare:
            return self.classifyDeclare(from: index)
        default:
            return .write(.unrecognized)
        }
    }

    /// `DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR
    /// [{WITH | WITHOUT} HOLD] FOR query`.
    private mutating func classifyDeclare(from index: Int) -> StatementKind {
        guard let name = self.anyName(at: index + 1) else { return .write(.unrecognized) }
        var next = index + 2
        var withHold = false
        while next < self.end, self.keyword(at: next) != .for {
            if self.keyword(at: next) == .with, self.keyword(at: next + 1) == .hold { withHold = true }
            next += 1
        }
        guard next < self.end else { return .write(.unrecognized) }
        self.scan(from: next + 1, to: self.end, depth: 1)
        if self.isTooDeep { return .write(.unrecognized) }
        if withHold { self.pinning.insert(.holdCursor) }
        return .session(.declareCursor(name: name, withHold: withHold))
    }

    /// `PREPARE TRANSACTION 'gid'`, or SQL-level `PREPARE name [(types)] AS statement`.
    mutating func classifyPrepare(from index: Int) -> StatementKind {
        var next = index + 1
        if self.keyword(at: next) == .transaction, let gid = self.stringValue(at: next + 1) {
            return .transaction(.prepareTransaction(gid))
        }
        guard let name = self.anyName(at: next) else { return .write(.unrecognized) }
        next += 1
        if self.isKind(.leftParenthesis, at: next) { next = self.close(of: next) + 1 }
        guard self.keyword(at: next) == .as else { return .write(.unrecognized) }
        // The statement's tables decide where the client is pinned; its kind is not this one's.
        _ = self.classify(from: next + 1)
        if self.isTooDeep { return .write(.unrecognized) }
        self.pinning.insert(.preparedStatement)
        return .session(.prepare(name: name))
    }
}
