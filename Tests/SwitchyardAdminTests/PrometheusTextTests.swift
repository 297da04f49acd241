// PrometheusTextTests: /metrics parsed by the reference Python client's parser, family by family.
import Foundation
import SwitchyardAdmin
import Testing

@Suite("PrometheusText")
struct PrometheusTextTests {
    /// One parsed sample: its name, labels and value.
    struct Sample: Decodable, Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// One parsed family.
    struct Family: Decodable {
        var name: String
        var type: String
        var help: String
        var samples: [Sample]
    }

    /// Prints the families `prometheus_client.parser` reads from standard input, as JSON.
    static let parserScript = #"""
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = [{"name": f.name, "type": f.type, "help": f.documentation,
                     "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
                    for f in text_string_to_metric_families(sys.stdin.read())]
        print(json.dumps(families))
        """#

    static let parserAvailable = ExternalTool.pythonHasModule("prometheus_client")

    /// The families of `text`, as the reference parser reads them.
    static func parse(_ text: String) throws -> [String: Family] {
        let python = try #require(ExternalTool.python)
        let result = try python.run(arguments: ["-c", Self.parserScript], input: text)
        try #require(result.status == 0, "parser failed: \(result.stderr)")
        let families = try JSONDecoder().decode([Family].self, from: Data(result.stdout.utf8))
        return Dictionary(families.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The value of the sample `name` with exactly `labels` in `family`.
    static func value(
        _ families: [String: Family],
        _ family: String,
        _ name: String,
        _ labels: [String: String]
    ) -> Double? {
        families[family]?.samples.first { $0.name == name && $0.labels == labels }?.value
    }

    @Test(
        .enabled(if: parserAvailable, "python3 with prometheus_client is needed: pip install prometheus_client")
    )
    func referenceParserReadsEveryFamily() throws {
        let families = try Self.parse(PrometheusText.render(SampleSnapshot.snapshot))
        // The parser names a counter family without its `_total` suffix.
        let expected: [String: String] = [
            "switchyard_build_info": "gauge",
            "switchyard_uptime_seconds": "gauge",
            "switchyard_config_loaded_timestamp_seconds": "gauge",
            "switchyard_config_reloads": "counter",
            "switchyard_client_connections": "gauge",
            "switchyard_clients_waiting": "gauge",
            "switchyard_clients_pinned": "gauge",
            "switchyard_cluster_paused": "gauge",
            "switchyard_server_up": "gauge",
            "switchyard_server_fenced": "gauge",
            "switchyard_replica_lag_bytes": "gauge",
            "switchyard_server_connections": "gauge",
            "switchyard_queries": "counter",
            "switchyard_errors": "counter",
            "switchyard_routing_errors": "counter",
            "switchyard_primary_reads": "counter",
            "switchyard_pool_connections": "gauge",
            "switchyard_pool_waiting_clients": "gauge",
            "switchyard_pool_max_connections": "gauge",
            "switchyard_query_duration_seconds": "histogram",
        ]
        #expect(Dictionary(uniqueKeysWithValues: families.map { ($0.key, $0.value.type) }) == expected)
        for family in families.values {
            #expect(family.name.hasPrefix("switchyard_"))
            #expect(!family.help.isEmpty, "\(family.name) has no HELP")
        }
    }

    @Test(.enabled(if: parserAvailable, "python3 with prometheus_client is needed: pip install prometheus_client"))
    func sampleValuesMatchTheSnapshot() throws {
        let f = try Self.parse(PrometheusText.render(SampleSnapshot.snapshot))
        let odd = SampleSnapshot.oddName
        let primary = ["cluster": "main", "server": "10.0.0.1:5432"]
        let replica = ["cluster": "main", "server": "10.0.0.2:5432"]

        #expect(Self.value(f, "switchyard_build_info", "switchyard_build_info", ["version": "1.2.3"]) == 1)
        #expect(Self.value(f, "switchyard_uptime_seconds", "switchyard_uptime_seconds", [:]) == 3725)
        #expect(
            Self.value(f, "switchyard_config_reloads", "switchyard_config_reloads_total", ["result": "success"]) == 2
        )
        #expect(
            Self.value(f, "switchyard_config_reloads", "switchyard_config_reloads_total", ["result": "failure"]) == 1
        )
        #expect(Self.value(f, "switchyard_client_connections", "switchyard_client_connections", [:]) == 5)
        #expect(Self.value(f, "switchyard_clients_waiting", "switchyard_clients_waiting", [:]) == 1)

        // main's primary ran 40 reads, 50 writes and 100 - 40 - 50 = 10 other statements.
        let queries = "switchyard_queries_total"
        #expect(Self.value(f, "switchyard_queries", queries, primary.merging(["kind": "read"]) { $1 }) == 40)
        #expect(Self.value(f, "switchyard_queries", queries, primary.merging(["kind": "write"]) { $1 }) == 50)
        #expect(Self.value(f, "switchyard_queries", queries, primary.merging(["kind": "other"]) { $1 }) == 10)
        #expect(Self.value(f, "switchyard_queries", queries, replica.merging(["kind": "read"]) { $1 }) == 60)
        #expect(Self.value(f, "switchyard_errors", "switchyard_errors_total", primary) == 1)
        #expect(Self.value(f, "switchyard_routing_errors", "switchyard_routing_errors_total", [:]) == 3)
        #expect(
            Self.value(f, "switchyard_primary_reads", "switchyard_primary_reads_total", ["reason": "read_after_write"])
                == 7
        )
        #expect(
            Self.value(f, "switchyard_primary_reads", "switchyard_primary_reads_total", ["reason": "no_replica"]) == 0
        )

        // Up, down and fenced; the IPv6 server is labelled in brackets; the odd name survives escaping.
        #expect(
            Self.value(f, "switchyard_server_up", "switchyard_server_up", primary.merging(["role": "primary"]) { $1 })
                == 1
        )
        let down = ["cluster": odd, "server": "[::1]:5433"]
        let fenced = ["cluster": odd, "server": "10.0.0.9:5432"]
        #expect(
            Self.value(f, "switchyard_server_up", "switchyard_server_up", down.merging(["role": "primary"]) { $1 }) == 0
        )
        #expect(
            Self.value(f, "switchyard_server_up", "switchyard_server_up", fenced.merging(["role": "replica"]) { $1 })
                == 0
        )
        #expect(Self.value(f, "switchyard_server_fenced", "switchyard_server_fenced", fenced) == 1)
        #expect(Self.value(f, "switchyard_server_fenced", "switchyard_server_fenced", down) == 0)
        #expect(Self.value(f, "switchyard_cluster_paused", "switchyard_cluster_paused", ["cluster": odd]) == 1)

        // Lag only where it is known.
        #expect(
            f["switchyard_replica_lag_bytes"]?.samples == [
                Sample(name: "switchyard_replica_lag_bytes", labels: replica, value: 2048)
            ]
        )
        #expect(
            Self.value(
                f,
                "switchyard_server_connections",
                "switchyard_server_connections",
                primary.merging(["state": "idle"]) { $1 }
            ) == 3
        )

        let pool = ["cluster": "main", "server": "10.0.0.1:5432", "user": "app", "database": "appdb"]
        #expect(
            Self.value(
                f,
                "switchyard_pool_connections",
                "switchyard_pool_connections",
                pool.merging(["state": "active"]) { $1 }
            ) == 2
        )
        #expect(Self.value(f, "switchyard_pool_waiting_clients", "switchyard_pool_waiting_clients", pool) == 1)
        #expect(Self.value(f, "switchyard_pool_max_connections", "switchyard_pool_max_connections", pool) == 20)
    }

    /// main's four durations (0.3 ms, 2 ms, 0.7 s, 12 s): buckets are cumulative, +Inf equals the
    /// count, and the sum is 12.7023 s.
    @Test(.enabled(if: parserAvailable, "python3 with prometheus_client is needed: pip install prometheus_client"))
    func histogramIsCumulative() throws {
        let f = try Self.parse(PrometheusText.render(SampleSnapshot.snapshot))
        let family = try #require(f["switchyard_query_duration_seconds"])
        let main = family.samples.filter { $0.labels["cluster"] == "main" }
        let buckets = main.filter { $0.name == "switchyard_query_duration_seconds_bucket" }
        let expected: [(String, Double)] = [
            ("0.0005", 1), ("0.001", 1), ("0.0025", 2), ("0.005", 2), ("0.01", 2), ("0.025", 2), ("0.05", 2),
            ("0.1", 2), ("0.25", 2), ("0.5", 2), ("1.0", 3), ("2.5", 3), ("5.0", 3), ("10.0", 3), ("+Inf", 4),
        ]
        #expect(buckets.map { $0.labels["le"] ?? "?" } == expected.map(\.0))
        #expect(buckets.map(\.value) == expected.map(\.1))
        #expect(main.first { $0.name == "switchyard_query_duration_seconds_count" }?.value == 4)
        let sum = try #require(main.first { $0.name == "switchyard_query_duration_seconds_sum" }?.value)
        #expect(abs(sum - 12.7023) < 1e-9)
        // The other cluster has an all-zero histogram, still complete.
        #expect(family.samples.filter { $0.labels["cluster"] == SampleSnapshot.oddName }.count == 17)
    }

    /// The format's rules, checked on the raw text: a label value escapes `\`, `"` and newline;
    /// HELP text escapes `\` and newline; every sample's family was declared by a TYPE line first.
    @Test func rawTextFollowsTheFormat() {
        let text = PrometheusText.render(SampleSnapshot.snapshot)
        #expect(text.contains(#"switchyard_cluster_paused{cluster="odd \"one\"\\\n"} 1"#))
        #expect(text.hasSuffix("\n"))
        var declared: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                declared.insert(String(line.split(separator: " ")[2]))
                continue
            }
            if line.hasPrefix("#") { continue }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            let family = declared.first {
                name == $0 || name == $0 + "_bucket" || name == $0 + "_sum" || name == $0 + "_count"
            }
            #expect(family != nil, "sample \(name) before its TYPE line")
        }
    }
}
