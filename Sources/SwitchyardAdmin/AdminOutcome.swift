// AdminOutcome: the result of an admin action (reload, pause, resume), shared by HTTP and console.

/// How an admin action ended. The HTTP side turns it into a status and a JSON body, the console
/// into a command tag or an ErrorResponse.
package enum AdminOutcome: Sendable, Equatable {
    /// Done; the message says what changed ("paused cluster main").
    case done(String)
    /// The named cluster is not in the running configuration.
    case unknownCluster(String)
    /// Not done; one line per problem (for a reload, every problem of the configuration file).
    case failed([String])

    /// The lines that explain the outcome.
    package var messages: [String] {
        switch self {
        case .done(let message): return [message]
        case .unknownCluster(let name): return ["unknown cluster \"\(name)\""]
        case .failed(let problems): return problems
        }
    }

    package var isSuccess: Bool {
        switch self {
        case .done: return true
        case .unknownCluster, .failed: return false
        }
    }

    /// `{"ok": true|false, "messages": [...]}`, the body of the POST endpoints.
    package var json: String {
        JSONValue.object([
            JSONMember("ok", .bool(self.isSuccess)),
            JSONMember("messages", .array(self.messages.map { .string($0) })),
        ]).rendered()
    }
}
