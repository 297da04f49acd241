// ClientConnection+LocalAnswers: statements the proxy answers itself — `SET/RESET/SHOW
// switchyard.*`, empty queries, and transaction control while a BEGIN is deferred.
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardWire

extension ClientConnection {
    /// Answers a proxy command (or an empty query) with a PostgreSQL-shaped result.
    func answerProxyCommand(_ analysis: SQLAnalysis) {
        var writer = WireWriter()
        guard let statement = analysis.single, case .proxy(let command) = statement.kind else {
            BackendMessage.encodeEmpty(.emptyQueryResponse, into: &writer)
            self.appendOutput(writer.bytes)
            self.appendReadyForQuery()
            return
        }
        switch command {
        case .setTarget, .setCluster, .setShard:
            self.overrides.apply(command)
            BackendMessage.CommandComplete(tag: "SET").encode(into: &writer)
        case .reset:
            self.overrides.apply(command)
            BackendMessage.CommandComplete(tag: "RESET").encode(into: &writer)
        case .show(let setting?):
            let name = "switchyard.\(setting.rawValue)"
            BackendMessage.RowDescription(columns: [.text(name)]).encode(into: &writer)
            BackendMessage.DataRow(texts: [self.overrides.value(of: setting)]).encode(into: &writer)
            BackendMessage.CommandComplete(tag: "SHOW").encode(into: &writer)
        case .show(nil):
            BackendMessage.RowDescription(columns: [.text("name"), .text("setting")]).encode(into: &writer)
            for setting in ProxySetting.allCases {
                BackendMessage.DataRow(texts: ["switchyard.\(setting.rawValue)", self.overrides.value(of: setting)])
                    .encode(into: &writer)
            }
            BackendMessage.CommandComplete(tag: "SHOW").encode(into: &writer)
        case .unknownSetting(let name):
            BackendMessage.ErrorFields(
                reporting: ProxyError(.undefinedObject, .error, "unrecognized configuration parameter \"switchyard.\(name)\"")
            ).encode(as: .errorResponse, into: &writer)
        case .invalidValue(let setting, let value):
            BackendMessage.ErrorFields(
                reporting: ProxyError(
                    .invalidParameterValue, .error, "invalid value for parameter \"switchyard.\(setting.rawValue)\": \"\(value)\"")
            ).encode(as: .errorResponse, into: &writer)
        }
        self.appendOutput(writer.bytes)
        self.appendReadyForQuery()
    }

    /// Transaction control with no server linked. A lone BEGIN is answered here and sent later,
    /// with the transaction's first statement, to the server that statement needs (a replica for
    /// BEGIN READ ONLY); COMMIT or ROLLBACK of such an empty transaction is answered here too.
    /// Returns `nil` when the statement must run on a server.
    func answerTransactionControl(_ analysis: SQLAnalysis, text: UnsafeRawBufferPointer) -> Step? {
        guard let statement = analysis.single, case .transaction(let command) = statement.kind else { return nil }
        var writer = WireWriter()
        switch command {
        case .begin(let readOnly):
            if self.deferredBegin != nil {
                BackendMessage.ErrorFields(fields: [
                    (BackendMessage.ErrorFields.severity, "WARNING"),
                    (BackendMessage.ErrorFields.severityNonLocalized, "WARNING"),
                    (BackendMessage.ErrorFields.code, SQLState.activeSQLTransaction.code),
                    (BackendMessage.ErrorFields.message, "there is already a transaction in progress"),
                ]).encode(as: .noticeResponse, into: &writer)
            } else {
                self.deferredBegin = String(decoding: text, as: UTF8.self)
                self.transactionBegin = self.deferredBegin
                self.savepoints.removeAll()
                self.routingTransaction = readOnly == true ? .readOnly : .readWrite
                self.transactionStatus = .inTransaction
            }
            BackendMessage.CommandComplete(tag: "BEGIN").encode(into: &writer)
        case .setTransaction(let readOnly) where self.deferredBegin != nil:
            self.deferredBegin! += ";" + String(decoding: text, as: UTF8.self)
            if readOnly == true { self.routingTransaction = .readOnly }
            if readOnly == false { self.routingTransaction = .readWrite }
            BackendMessage.CommandComplete(tag: "SET").encode(into: &writer)
        case .commit(let chain), .rollback(let chain):
            let isCommit: Bool
            if case .commit = command { isCommit = true } else { isCommit = false }
            if self.deferredBegin == nil {
                BackendMessage.ErrorFields(fields: [
                    (BackendMessage.ErrorFields.severity, "WARNING"),
                    (BackendMessage.ErrorFields.severityNonLocalized, "WARNING"),
                    (BackendMessage.ErrorFields.code, SQLState.noActiveSQLTransaction.code),
                    (BackendMessage.ErrorFields.message, "there is no transaction in progress"),
                ]).encode(as: .noticeResponse, into: &writer)
            } else if !chain {
                self.deferredBegin = nil
                self.routingTransaction = .none
                self.transactionStatus = .idle
            }
            BackendMessage.CommandComplete(tag: isCommit ? "COMMIT" : "ROLLBACK").encode(into: &writer)
        case .setTransaction, .savepoint, .releaseSavepoint, .rollbackToSavepoint, .prepareTransaction, .commitPrepared,
            .rollbackPrepared:
            return nil
        }
        self.appendOutput(writer.bytes)
        self.appendReadyForQuery()
        return .consumed
    }
}
