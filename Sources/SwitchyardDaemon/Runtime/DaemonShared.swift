// DaemonShared: the few process-wide registries the loops share, all touched off the per-message path.
import Logging
import Synchronization
import SwitchyardCrypto
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

/// State shared by every loop: statement IDs, cancel keys, pool budgets, the server parameters
/// learned per pool, the client count, and the loops themselves for posting work.
package final class DaemonShared: Sendable {
    package let statements = StatementRegistry()
    package let cancels = CancelRegistry()
    package let logger: Logger
    /// The key behind the fake SCRAM secrets of unknown users; never leaves the process.
    package let unknownUserKey: [UInt8] = randomBytes(count: 32)
    private let budgets = Mutex<[PoolKey: PoolBudget]>([:])
    private let parameters = Mutex<[PoolKey: [BackendMessage.ParameterStatus]]>([:])
    private let clientCount = Atomic<Int>(0)
    private let contexts = Mutex<[LoopBound<LoopContext>]>([])
    private let snapshot: Mutex<RuntimeConfig>
    private let proberBox = Mutex<HealthProber?>(nil)
    /// Servers (`host:port`) known to have max_prepared_transactions = 0.
    private let noPreparedTransactions = Mutex<Set<String>>([])
    /// Why the last health check of each failing server (`host:port`) failed.
    private let checkFailures = Mutex<[String: String]>([:])
    /// This process's name in its prepared transactions, `<identity>.<boot>`: the identity is the
    /// same for every run of this proxy (host name and listen address), the boot part is new in
    /// each process. Recovery leaves the young transactions of live instances alone.
    package let instanceID: String
    /// The identity part of `instanceID`.
    package let identity: String
    /// Whether this process is the only live one with its identity on this host: then prepared
    /// transactions of an earlier run (same identity, another boot) have no coordinator left, and
    /// recovery resolves them at once instead of waiting out the grace period.
    package let ownsIdentity: Bool
    private let adminBox = Mutex<(any AdminOperations)?>(nil)

    package init(config: RuntimeConfig, logger: Logger) {
        self.snapshot = Mutex(config)
        self.logger = logger
        self.identity = Self.identity(host: System.hostName, listen: config.listen.description)
        self.instanceID = "\(self.identity).\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        // Held for the life of the process: a later run on this host finds it free only once this
        // one has ended. A second live process with the same listen address (SO_REUSEPORT) does
        // not get it, and treats every other instance's transactions as possibly live.
        self.ownsIdentity = System.holdAbstractName("switchyard/\(self.identity)")
    }

    /// 16 hex digits of FNV-1a over the host name and listen address: stable across runs and
    /// processes (Swift's Hasher is seeded per process), free of `:` (a separator in names).
    static func identity(host: String, listen: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(host)|\(listen)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The configuration new work starts from.
    package var config: RuntimeConfig {
        get { self.snapshot.withLock { $0 } }
        set { self.snapshot.withLock { $0 = newValue } }
    }

    /// The budget of a pool, created with `limit` on first use.
    package func budget(for key: PoolKey, limit: Int) -> PoolBudget {
        self.budgets.withLock { budgets in
            if let budget = budgets[key] { return budget }
            let budget = PoolBudget(limit: limit)
            budgets[key] = budget
            return budget
        }
    }

    /// The ParameterStatus values a server of this pool reported at login, once known.
    package func serverParameters(for key: PoolKey) -> [BackendMessage.ParameterStatus]? {
        self.parameters.withLock { $0[key] }
    }

    package func setServerParameters(_ values: [BackendMessage.ParameterStatus], for key: PoolKey) {
        self.parameters.withLock { $0[key] = values }
    }

    /// The admin operations (stats, reload, pause), for the console.
    package var admin: (any AdminOperations)? {
        get { self.adminBox.withLock { $0 } }
        set { self.adminBox.withLock { $0 = newValue } }
    }

    // MARK: - Health

    /// The health prober, once started.
    package var prober: HealthProber? {
        get { self.proberBox.withLock { $0 } }
        set { self.proberBox.withLock { $0 = newValue } }
    }

    /// A connection to a server failed while serving traffic: have it checked now.
    func reportTrafficError(cluster: String, server: Int) {
        self.prober?.reportTrafficError(cluster: cluster, server: server)
    }

    /// Whether `server` (`host:port`) cannot take part in two-phase commit.
    func preparedTransactionsDisabled(server: String) -> Bool {
        self.noPreparedTransactions.withLock { $0.contains(server) }
    }

    /// Records the server's max_prepared_transactions, as a health check read it.
    func setPreparedTransactions(_ count: Int, server: String) {
        self.noPreparedTransactions.withLock { set in
            if count == 0 { set.insert(server) } else { set.remove(server) }
        }
    }

    /// Records how the last health check of `server` (`host:port`) ended: `nil` when it succeeded.
    func setCheckFailure(_ reason: String?, server: String) {
        self.checkFailures.withLock { $0[server] = reason }
    }

    /// Why the last health check of `server` failed; `nil` when it succeeded or none ran yet.
    func checkFailure(server: String) -> String? {
        self.checkFailures.withLock { $0[server] }
    }

    // MARK: - Client admission

    /// Counts a new client; `false` (and no count) when `limit` is reached.
    package func admitClient(limit: Int) -> Bool {
        let count = self.clientCount.add(1, ordering: .relaxed).newValue
        if count > limit {
            self.clientCount.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    package func clientLeft() { self.clientCount.subtract(1, ordering: .relaxed) }

    package var connectedClients: Int { self.clientCount.load(ordering: .relaxed) }

    // MARK: - Loops

    func register(_ context: LoopBound<LoopContext>) {
        self.contexts.withLock { $0.append(context) }
    }

    package var loopCount: Int { self.contexts.withLock { $0.count } }

    /// Runs `work` on loop `index` with its context.
    func post(toLoop index: Int, _ work: @escaping @Sendable (LoopContext) -> Void) {
        guard let bound = self.contexts.withLock({ index < $0.count ? $0[index] : nil }) else { return }
        bound.loop.execute { work(bound.value) }
    }

    /// Runs `work` on every loop.
    func postToAll(_ work: @escaping @Sendable (LoopContext) -> Void) {
        for bound in self.contexts.withLock({ $0 }) {
            bound.loop.execute { work(bound.value) }
        }
    }
}
