// AdminRouter: the admin port's route table: which method and path reach which operation.
import SwitchyardAdmin

/// Routes admin requests to `AdminOperations` and renders their answers (SPEC §7). Stateless: the
/// daemon builds a new router when `admin_token` changes and hands it to the server.
package struct AdminRouter: AdminRequestHandler {
    /// What a route does.
    enum Endpoint: Equatable {
        case dashboard
        case stats
        case metrics
        case health
        case reload
        case pause
        case resume
    }

    /// One row of the table: a path, its method, its endpoint.
    struct Route {
        var method: String
        var path: String
        var endpoint: Endpoint
    }

    /// The route table. GET routes also answer HEAD; POST routes need the token when one is set.
    static let routes: [Route] = [
        Route(method: "GET", path: "/", endpoint: .dashboard),
        Route(method: "GET", path: "/stats", endpoint: .stats),
        Route(method: "GET", path: "/metrics", endpoint: .metrics),
        Route(method: "GET", path: "/health", endpoint: .health),
        Route(method: "POST", path: "/reload", endpoint: .reload),
        Route(method: "POST", path: "/pause", endpoint: .pause),
        Route(method: "POST", path: "/resume", endpoint: .resume),
    ]

    private let operations: any AdminOperations
    /// The bytes of `admin_token`; `nil` when none is set.
    private let token: [UInt8]?
    /// The dashboard page, rendered once.
    private let dashboard: [UInt8]

    /// - Parameters:
    ///   - token: `admin_token`; empty or `nil` leaves the POST routes open (SPEC §2).
    ///   - dashboardRefreshMs: how often the dashboard polls `/stats`.
    package init(operations: any AdminOperations, token: String?, dashboardRefreshMs: Int = 2000) {
        self.operations = operations
        self.token = token.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        self.dashboard = Array(Dashboard.html(refreshMs: dashboardRefreshMs).utf8)
    }

    package func handle(_ request: AdminRequest, respond: @escaping @Sendable (AdminResponse) -> Void) {
        let candidates = Self.routes.filter { $0.path == request.path }
        guard !candidates.isEmpty else { return respond(.text(.notFound, "not found")) }
        let method = request.method == "HEAD" ? "GET" : request.method
        guard let route = candidates.first(where: { $0.method == method }) else {
            let allowed = candidates.map { $0.method == "GET" ? "GET, HEAD" : $0.method }.joined(separator: ", ")
            return respond(.text(.methodNotAllowed, "method not allowed", headers: [HTTPHeader("Allow", allowed)]))
        }
        if route.method == "POST" && Self.isFromAnotherSite(request) {
            return respond(.text(.forbidden, "cross-site requests may not change the daemon"))
        }
        if route.method == "POST" && !self.isAuthorized(request) {
            return respond(
                .text(
                    .unauthorized,
                    "missing or wrong bearer token",
                    headers: [HTTPHeader("WWW-Authenticate", "Bearer realm=\"switchyard\"")]
                )
            )
        }
        self.run(route.endpoint, request, respond)
    }

    private func run(
        _ endpoint: Endpoint,
        _ request: AdminRequest,
        _ respond: @escaping @Sendable (AdminResponse) -> Void
    ) {
        switch endpoint {
        case .dashboard:
            respond(
                AdminResponse(
                    status: .ok,
                    contentType: "text/html; charset=utf-8",
                    body: self.dashboard,
                    headers: Self.pageHeaders
                )
            )
        case .stats:
            self.operations.statsSnapshot { snapshot in respond(.json(.ok, StatsJSON.render(snapshot))) }
        case .metrics:
            self.operations.statsSnapshot { snapshot in
                respond(
                    AdminResponse(
                        status: .ok,
                        contentType: PrometheusText.contentType,
                        body: Array(PrometheusText.render(snapshot).utf8)
                    )
                )
            }
        case .health:
            respond(self.operations.isAccepting ? .text(.ok, "ok") : .text(.serviceUnavailable, "shutting down"))
        case .reload:
            self.operations.reload { outcome in respond(Self.response(for: outcome)) }
        case .pause, .resume:
            let cluster = request.query["cluster"]
            if cluster == "" { return respond(.text(.badRequest, "cluster must not be empty")) }
            let completion: @Sendable (AdminOutcome) -> Void = { outcome in respond(Self.response(for: outcome)) }
            if endpoint == .pause {
                self.operations.pause(cluster: cluster, completion)
            } else {
                self.operations.resume(cluster: cluster, completion)
            }
        }
    }

    /// 200 when done, 404 for an unknown cluster, 500 when the action failed (an invalid
    /// configuration file on reload); the body lists the messages either way.
    static func response(for outcome: AdminOutcome) -> AdminResponse {
        switch outcome {
        case .done: return .json(.ok, outcome.json)
        case .unknownCluster: return .json(.notFound, outcome.json)
        case .failed: return .json(.internalServerError, outcome.json)
        }
    }

    /// The page loads nothing from anywhere: scripts and styles are inline, and it may only fetch
    /// from its own origin.
    static let pageHeaders = [
        HTTPHeader(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        HTTPHeader("Referrer-Policy", "no-referrer"),
    ]

    // MARK: - Authorization

    /// Whether a browser sent the request on behalf of another site. A web page can make a
    /// visitor's browser POST to `127.0.0.1:6480` without reading the answer (a "simple" request
    /// needs no CORS preflight), which would let any site reload or pause a daemon that has no
    /// `admin_token`. Browsers name the page's origin in `Origin` (and `Sec-Fetch-Site`); command
    /// line tools send neither, and the dashboard never POSTs.
    static func isFromAnotherSite(_ request: AdminRequest) -> Bool {
        if let site = request.header("sec-fetch-site"), site != "same-origin" && site != "none" { return true }
        guard let origin = request.header("origin") else { return false }
        guard let host = request.header("host") else { return true }
        return origin != "http://" + host
    }

    /// Whether the request carries `Authorization: Bearer <admin_token>` (always, when no token
    /// is set). The scheme is case-insensitive (RFC 9110 §11.1); the token is compared in constant
    /// time so that response timing does not reveal how much of a guess was right.
    func isAuthorized(_ request: AdminRequest) -> Bool {
        guard let token = self.token else { return true }
        guard let value = request.header("authorization") else { return false }
        let utf8 = Array(value.utf8)
        let scheme = Array("bearer".utf8)
        guard utf8.count > scheme.count, utf8[..<scheme.count].map({ $0 | 0x20 }) == scheme, utf8[scheme.count] == 0x20
        else {
            return false
        }
        let credentials = utf8[(scheme.count + 1)...].drop { $0 == 0x20 }
        return Self.constantTimeEquals(Array(credentials), token)
    }

    /// Compares every byte of `expected` whatever the input, so the time taken depends only on the
    /// token's length.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for index in expected.indices {
            difference |= (index < given.count ? given[index] : 0) ^ expected[index]
        }
        return difference == 0
    }
}
