// ServerStatementCacheTests: the bounded, least-recently-used set of statements on one server connection.
import SwitchyardSession
import Testing

@Suite struct ServerStatementCacheTests {
    @Test func fullCacheEvictsTheLeastRecentlyUsed() {
        var cache = ServerStatementCache(capacity: 2)
        let first = cache.insert(1)
        let second = cache.insert(2)
        #expect(first == nil && second == nil)
        let hasFirst = cache.contains(1)
        #expect(hasFirst)
        let evicted = cache.insert(3)
        #expect(evicted == 2)
        let hasSecond = cache.contains(2)
        let hasBoth = cache.contains(1) && cache.contains(3)
        #expect(!hasSecond)
        #expect(hasBoth)
        #expect(cache.count == 2)
    }

    @Test func reinsertingAPresentStatementEvictsNothing() {
        var cache = ServerStatementCache(capacity: 1)
        let first = cache.insert(5)
        let again = cache.insert(5)
        #expect(first == nil && again == nil)
        #expect(cache.count == 1)
    }

    @Test func removedStatementsAreGone() {
        var cache = ServerStatementCache(capacity: 4)
        _ = cache.insert(1)
        _ = cache.insert(2)
        cache.remove(1)
        let hasRemoved = cache.contains(1)
        #expect(!hasRemoved)
        cache.removeAll()
        #expect(cache.count == 0)
    }

    @Test func registryGivesOneIDPerTextAndTypesAndRemembersValidation() {
        let registry = StatementRegistry(capacity: 10)
        let a = registry.id(query: Array("SELECT $1".utf8), parameterTypes: [23])
        let b = registry.id(query: Array("SELECT $1".utf8), parameterTypes: [25])
        #expect(a.id != b.id)
        #expect(!a.isValidated)
        registry.markValidated(a.id)
        let again = registry.id(query: Array("SELECT $1".utf8), parameterTypes: [23])
        #expect(again.id == a.id && again.isValidated)
        #expect(StatementRegistry.serverName(a.id) == "sy_\(a.id)")
    }
}
