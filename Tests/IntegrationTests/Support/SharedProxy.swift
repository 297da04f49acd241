// SharedProxy: one proxy for every test of a suite, started before them and stopped after them.
import SwitchyardTesting
import Testing

/// Where the tests of a suite marked `.sharedProxy(...)` find their proxy.
enum SharedProxy {
    @TaskLocal static var current: ProxyFixture?

    /// The suite's proxy; fails when the suite has no `.sharedProxy` trait.
    static func fixture() throws -> ProxyFixture {
        try #require(current, "the suite needs the .sharedProxy trait")
    }
}

/// Starts a `ProxyFixture` once for a whole suite and stops it when the suite is done, also when
/// its tests fail. Tests must leave the proxy as they found it (their own tables, no settings).
struct SharedProxyTrait: SuiteTrait, TestScoping {
    /// Builds the configuration when the suite starts (it may read secrets from the server).
    var configuration: @Sendable () throws -> ProxyConfiguration

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixture = try ProxyFixture.start(configuration())
        defer { fixture.stop() }
        try await SharedProxy.$current.withValue(fixture) { try await function() }
    }
}

extension Trait where Self == SharedProxyTrait {
    /// One proxy with `configuration` for every test of the suite.
    static func sharedProxy(_ configuration: ProxyConfiguration = ProxyConfiguration()) -> Self {
        SharedProxyTrait { configuration }
    }

    /// One proxy for every test of the suite, its configuration built by `make` when the suite starts.
    static func sharedProxy(_ make: @escaping @Sendable () throws -> ProxyConfiguration) -> Self {
        SharedProxyTrait(configuration: make)
    }
}
