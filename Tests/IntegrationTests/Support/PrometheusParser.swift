// PrometheusParser: reads `/metrics` with the reference Python parser (prometheus_client).
import Foundation
import SwitchyardTesting

/// The text exposition parsed by `prometheus_client.parser.text_string_to_metric_families`, the
/// parser of Prometheus's official Python client: if it accepts the text, so do Prometheus-format
/// consumers; our own renderer plays no part in reading it back.
enum PrometheusParser {
    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family: Decodable {
        /// The family name as the parser reports it (a counter's without `_total`).
        var name: String
        var type: String
        var samples: [Sample]
    }

    /// The `python3` that has `prometheus_client`, or `nil`.
    static let python: String? = {
        guard let python = ExternalProgram.find("python3") else { return nil }
        let probe = try? Command(python, ["-c", "import prometheus_client.parser"]).run(timeout: 30)
        return probe?.succeeded == true ? python : nil
    }()

    static var isAvailable: Bool { python != nil }

    private static let script = """
        import json, math, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            samples = [{"name": s.name, "labels": dict(s.labels), "value": s.value if math.isfinite(s.value) else -1}
                       for s in family.samples]
            families.append({"name": family.name, "type": family.type, "samples": samples})
        print(json.dumps(families))
        """

    /// Parses `text`; throws with the parser's complaint when it rejects it.
    static func parse(_ text: String) throws -> [Family] {
        guard let python else { throw LocalError.binariesNotFound(searched: ["python3 with prometheus_client"]) }
        let output = try Command(python, ["-c", script], input: text).check(timeout: 60)
        return try JSONDecoder().decode([Family].self, from: Data(output.utf8))
    }
}

extension Array where Element == PrometheusParser.Family {
    /// Every sample called `name` (the sample name, e.g. `switchyard_queries_total`).
    func samples(_ name: String) -> [PrometheusParser.Sample] {
        flatMap(\.samples).filter { $0.name == name }
    }

    /// The value of the one sample called `name` whose labels include `labels`; `nil` if none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples(name).first { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    /// The family that contains samples called `name`.
    func family(of name: String) -> PrometheusParser.Family? {
        first { $0.samples.contains { $0.name == name } }
    }
}
