// ExpositionWriter: the lines of the Prometheus text format, with its escaping rules.

/// Metric family types of the text format.
enum MetricType: String {
    case counter
    case gauge
    case histogram
}

/// Appends HELP/TYPE lines and samples. Escaping follows the format's rules: in HELP text `\` and
/// newline; in label values `\`, `"` and newline. Names are our own constants and never escaped.
struct ExpositionWriter {
    private(set) var text = ""

    mutating func family(_ name: String, _ type: MetricType, _ help: String) {
        self.text += "# HELP \(name) "
        for character in help.unicodeScalars {
            switch character {
            case "\\": self.text += "\\\\"
            case "\n": self.text += "\\n"
            default: self.text.unicodeScalars.append(character)
            }
        }
        self.text += "\n# TYPE \(name) \(type.rawValue)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Int) {
        self.sample(name, labels, rawValue: String(value))
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        self.sample(name, labels, rawValue: Self.format(value))
    }

    /// `_bucket` samples for every bound and `+Inf`, then `_sum` and `_count`.
    mutating func histogram(_ name: String, _ labels: [(String, String)], _ histogram: DurationHistogram) {
        let cumulative = histogram.cumulativeCounts
        for (index, bound) in DurationHistogram.boundsSeconds.enumerated() {
            self.sample(name + "_bucket", labels + [("le", Self.format(bound))], cumulative[index])
        }
        self.sample(name + "_bucket", labels + [("le", "+Inf")], cumulative.last ?? 0)
        self.sample(name + "_sum", labels, histogram.sumSeconds)
        self.sample(name + "_count", labels, cumulative.last ?? 0)
    }

    private mutating func sample(_ name: String, _ labels: [(String, String)], rawValue: String) {
        self.text += name
        if !labels.isEmpty {
            self.text += "{"
            for (index, (label, value)) in labels.enumerated() {
                if index > 0 { self.text += "," }
                self.text += label
                self.text += "=\""
                Self.appendLabelValue(value, to: &self.text)
                self.text += "\""
            }
            self.text += "}"
        }
        self.text += " "
        self.text += rawValue
        self.text += "\n"
    }

    static func appendLabelValue(_ value: String, to text: inout String) {
        for character in value.unicodeScalars {
            switch character {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "\n": text += "\\n"
            default: text.unicodeScalars.append(character)
            }
        }
    }

    /// A float as the format writes it: Go-style `+Inf`, `-Inf`, `NaN`, else the shortest decimal.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value.description
    }
}
