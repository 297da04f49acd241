// StatsJSONTests: the /stats document against a hand-written golden and against Python's json module.
import SwitchyardAdmin
import Testing

@Suite("StatsJSON")
struct StatsJSONTests {
    /// Written by hand from SPEC §7's field list and `SampleSnapshot`: totals are main's servers
    /// summed (100 + 60 queries, 40 + 60 reads, 50 writes, 1 error) plus 3 routing errors counted
    /// as errors too. Histogram counts are cumulative: main's 0.3 ms falls in le=0.0005, 2 ms in
    /// le=0.0025, 0.7 s in le=1 and 12 s only in +Inf (`count`).
    static let golden = #"""
        {
          "version": "1.2.3",
          "uptime_s": 3725,
          "config": {
            "path": "/etc/switchyard/switchyard.toml",
            "loaded_at": 1700000000,
            "reloads": 2,
            "reload_failures": 1
          },
          "clients": {
            "connected": 5,
            "waiting": 1,
            "pinned": 2
          },
          "clusters": [
            {
              "name": "main",
              "primary": "10.0.0.1:5432",
              "paused": false,
              "servers": [
                {
                  "host": "10.0.0.1",
                  "port": 5432,
                  "role": "primary",
                  "state": "up",
                  "lag_bytes": null,
                  "connections": {
                    "active": 2,
                    "idle": 3
                  },
                  "queries": 100,
                  "reads": 40,
                  "writes": 50,
                  "errors": 1
                },
                {
                  "host": "10.0.0.2",
                  "port": 5432,
                  "role": "replica",
                  "state": "up",
                  "lag_bytes": 2048,
                  "connections": {
                    "active": 1,
                    "idle": 4
                  },
                  "queries": 60,
                  "reads": 60,
                  "writes": 0,
                  "errors": 0
                }
              ],
              "query_duration": {
                "le": [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                "counts": [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3],
                "count": 4,
                "sum": 12.7023
              }
            },
            {
              "name": "odd \"one\"\\\n",
              "primary": null,
              "paused": true,
              "servers": [
                {
                  "host": "::1",
                  "port": 5433,
                  "role": "primary",
                  "state": "down",
                  "lag_bytes": null,
                  "connections": {
                    "active": 0,
                    "idle": 0
                  },
                  "queries": 0,
                  "reads": 0,
                  "writes": 0,
                  "errors": 0
                },
                {
                  "host": "10.0.0.9",
                  "port": 5432,
                  "role": "replica",
                  "state": "fenced",
                  "lag_bytes": null,
                  "connections": {
                    "active": 0,
                    "idle": 0
                  },
                  "queries": 0,
                  "reads": 0,
                  "writes": 0,
                  "errors": 0
                }
              ],
              "query_duration": {
                "le": [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                "counts": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                "count": 0,
                "sum": 0.0
              }
            }
          ],
          "pools": [
            {
              "cluster": "main",
              "server": "10.0.0.1:5432",
              "user": "app",
              "database": "appdb",
              "active": 2,
              "idle": 3,
              "waiting": 1,
              "max_size": 20
            }
          ],
          "totals": {
            "queries": 160,
            "reads": 100,
            "writes": 50,
            "errors": 4,
            "routing_errors": 3
          },
          "reads_on_primary": {
            "hint": 2,
            "read_after_write": 7
          },
          "query_duration": {
            "le": [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
            "counts": [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3],
            "count": 4,
            "sum": 12.7023
          }
        }

        """#

    @Test func rendersTheHandWrittenGolden() {
        let rendered = StatsJSON.render(SampleSnapshot.snapshot)
        #expect(rendered == Self.golden)
    }

    /// The same document, as Python's json module reads it, equals a dict written independently in
    /// Python: this checks escaping and number syntax with a real JSON parser.
    @Test(.enabled(if: ExternalTool.python != nil, "python3 is not on PATH"))
    func pythonReadsTheExpectedDocument() throws {
        let script = #"""
            import json, sys
            le = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
            def server(host, port, role, state, lag, active, idle, q, r, w, e):
                return {"host": host, "port": port, "role": role, "state": state, "lag_bytes": lag,
                        "connections": {"active": active, "idle": idle},
                        "queries": q, "reads": r, "writes": w, "errors": e}
            main_hist = {"le": le, "counts": [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3], "count": 4, "sum": 12.7023}
            expected = {
                "version": "1.2.3", "uptime_s": 3725,
                "config": {"path": "/etc/switchyard/switchyard.toml", "loaded_at": 1700000000,
                           "reloads": 2, "reload_failures": 1},
                "clients": {"connected": 5, "waiting": 1, "pinned": 2},
                "clusters": [
                    {"name": "main", "primary": "10.0.0.1:5432", "paused": False,
                     "servers": [server("10.0.0.1", 5432, "primary", "up", None, 2, 3, 100, 40, 50, 1),
                                 server("10.0.0.2", 5432, "replica", "up", 2048, 1, 4, 60, 60, 0, 0)],
                     "query_duration": main_hist},
                    {"name": 'odd "one"\\\n', "primary": None, "paused": True,
                     "servers": [server("::1", 5433, "primary", "down", None, 0, 0, 0, 0, 0, 0),
                                 server("10.0.0.9", 5432, "replica", "fenced", None, 0, 0, 0, 0, 0, 0)],
                     "query_duration": {"le": le, "counts": [0] * 14, "count": 0, "sum": 0}},
                ],
                "pools": [{"cluster": "main", "server": "10.0.0.1:5432", "user": "app", "database": "appdb",
                           "active": 2, "idle": 3, "waiting": 1, "max_size": 20}],
                "totals": {"queries": 160, "reads": 100, "writes": 50, "errors": 4, "routing_errors": 3},
                "reads_on_primary": {"hint": 2, "read_after_write": 7},
                "query_duration": main_hist,
            }
            actual = json.loads(sys.stdin.read())
            if actual != expected:
                print("MISMATCH", json.dumps(actual, sort_keys=True), file=sys.stderr)
                sys.exit(1)
            print("equal")
            """#
        let python = try #require(ExternalTool.python)
        for pretty in [true, false] {
            let result = try python.run(
                arguments: ["-c", script],
                input: StatsJSON.render(SampleSnapshot.snapshot, pretty: pretty)
            )
            #expect(result.status == 0, "pretty: \(pretty), stderr: \(result.stderr)")
            #expect(result.stdout == "equal\n")
        }
    }

    /// RFC 8259 §7: quotation mark, reverse solidus and control characters must be escaped; the
    /// short forms exist for \b \f \n \r \t, the rest use \u00XX. Everything else passes as UTF-8.
    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b", #""a\"b""#),
        ("back\\slash", #""back\\slash""#),
        ("line\nfeed\rreturn\ttab", #""line\nfeed\rreturn\ttab""#),
        ("\u{08}\u{0C}", #""\b\f""#),
        ("\u{00}\u{01}\u{1F}", #""\u0000\u0001\u001f""#),
        ("\u{7F}é→😀", "\"\u{7F}é→😀\""),
        ("\u{2028}\u{2029}", #""\u2028\u2029""#),
        ("</script>", #""</script>""#),
    ])
    func escapesStrings(input: String, expected: String) {
        #expect(JSONValue.string(input).rendered(pretty: false) == expected)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        let value = JSONValue.array([.double(.infinity), .double(-.infinity), .double(.nan), .double(1e-05)])
        #expect(value.rendered(pretty: false) == "[null,null,null,1e-05]")
    }

    @Test func emptyContainersStayOnOneLine() {
        let value = JSONValue.object([JSONMember("a", .array([])), JSONMember("b", .object([]))])
        #expect(value.rendered() == "{\n  \"a\": [],\n  \"b\": {}\n}\n")
    }
}
