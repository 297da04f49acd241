// DashboardTests: the page is self-contained, and its script, run in node over a minimal DOM, draws
// real /stats documents, computes rates between polls and shows a lost connection.
import Foundation
import SwitchyardAdmin
import Testing

@Suite("Dashboard")
struct DashboardTests {
    @Test func pageHasNoExternalAssets() {
        let html = Dashboard.html(refreshMs: 2000)
        // The only URL allowed is the SVG namespace, an identifier that is never fetched.
        let withoutNamespace = html.replacingOccurrences(of: "\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http://"))
        #expect(!withoutNamespace.contains("https://"))
        #expect(!withoutNamespace.contains("//cdn"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
    }

    @Test func pagePollsStatsAtTheGivenInterval() {
        let html = Dashboard.html(refreshMs: 1500)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("const STATS_URL = \"stats\";"))
        #expect(html.contains("fetch(STATS_URL"))
        #expect(html.contains("const REFRESH_MS = 1500;"))
        #expect(Dashboard.html(refreshMs: 10).contains("const REFRESH_MS = 250;"))
    }

    /// Data must reach the DOM as text, never as markup.
    @Test func scriptNeverInjectsMarkup() {
        let html = Dashboard.html()
        for risky in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
            #expect(!html.contains(risky), "\(risky) in the page")
        }
    }

    /// A DOM just large enough for the dashboard: elements, text nodes, classes, attributes. Setting
    /// innerHTML throws, so the test also proves the script never uses it.
    static let harness = #"""
        const vm = require("vm");
        const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
        class Node {
          constructor() { this.childNodes = []; }
          appendChild(child) { this.childNodes.push(child); return child; }
          append(...children) { for (const c of children) this.appendChild(typeof c === "string" ? new Text(c) : c); }
          replaceChildren(...children) { this.childNodes = []; this.append(...children); }
          get textContent() { return this.childNodes.map((c) => c.textContent).join(""); }
          set textContent(value) { this.childNodes = [new Text(String(value))]; }
        }
        class Text extends Node {
          constructor(data) { super(); this.data = data; }
          get textContent() { return this.data; }
          set textContent(value) { this.data = String(value); }
        }
        class Element extends Node {
          constructor(tag) {
            super(); this.tagName = tag; this.className = ""; this.attributes = {}; this.style = {}; this.hidden = false;
            const set = new Set(); this.classList = { add: (c) => set.add(c), remove: (c) => set.delete(c), has: (c) => set.has(c) };
          }
          setAttribute(name, value) { this.attributes[name] = String(value); }
          set innerHTML(value) { throw new Error("innerHTML used"); }
        }
        const ids = ["version", "health", "updated", "lost", "tiles", "traffic", "clusters", "routing", "footer"];
        const byId = Object.fromEntries(ids.map((id) => [id, new Element("div")]));
        byId.lost.hidden = true;
        const document = {
          title: "", body: new Element("body"),
          createElement: (tag) => new Element(tag),
          createElementNS: (ns, tag) => { if (ns !== "http://www.w3.org/2000/svg") throw new Error(ns); return new Element(tag); },
          createTextNode: (text) => new Text(text),
          getElementById: (id) => byId[id],
        };
        let clock = 0, next = null, answers = input.stats.slice(), requested = [];
        const sandbox = {
          document, Node, console,
          performance: { now: () => clock },
          setTimeout: (fn) => { next = fn; },
          fetch: async (url) => {
            requested.push(url);
            const body = answers.shift();
            if (body === undefined) throw new TypeError("Failed to fetch");
            return { ok: true, status: 200, json: async () => JSON.parse(body) };
          },
        };
        const script = input.html.match(/<script>([\s\S]*)<\/script>/)[1];
        const settle = () => new Promise((resolve) => setImmediate(resolve));
        const page = () => ids.filter((id) => id !== "lost").map((id) => byId[id].textContent).join("\n");
        (async () => {
          vm.createContext(sandbox);
          vm.runInContext(script, sandbox);
          for (let i = 0; i < 5; i++) await settle();
          const first = page();
          clock = 2000; next(); for (let i = 0; i < 5; i++) await settle();
          const second = page();
          clock = 4000; next(); for (let i = 0; i < 5; i++) await settle();
          process.stdout.write(JSON.stringify({
            first, second, requested, title: document.title,
            lost: byId.lost.textContent, lostHidden: byId.lost.hidden, stale: document.body.classList.has("stale"),
            health: byId.health.textContent,
          }));
        })().catch((error) => { console.error(error.stack); process.exit(1); });
        """#

    struct Outcome: Decodable {
        var first: String
        var second: String
        var requested: [String]
        var title: String
        var lost: String
        var lostHidden: Bool
        var stale: Bool
        var health: String
    }

    /// The sample snapshot, then the same two seconds later with 20 more reads and 3 more writes
    /// on main's primary: 10 reads/s and 1.5 writes/s. A third poll fails.
    @Test(.enabled(if: ExternalTool.node != nil, "node is not on PATH"))
    func scriptDrawsStatsRatesAndLostConnection() throws {
        let first = SampleSnapshot.snapshot
        var second = first
        second.clusters[0].servers[0].reads += 20
        second.clusters[0].servers[0].writes += 3
        second.clusters[0].servers[0].queries += 23
        second.totals = .init(summing: second.clusters, routingErrors: 3)
        let input = JSONValue.object([
            JSONMember("html", .string(Dashboard.html(refreshMs: 2000))),
            JSONMember("stats", .array([.string(StatsJSON.render(first)), .string(StatsJSON.render(second))])),
        ]).rendered(pretty: false)
        let node = try #require(ExternalTool.node)
        let result = try node.run(arguments: ["-e", Self.harness], input: input)
        try #require(result.status == 0, "node failed: \(result.stderr)")
        let outcome = try JSONDecoder().decode(Outcome.self, from: Data(result.stdout.utf8))

        #expect(outcome.requested == ["stats", "stats", "stats"])
        for text in [
            "v1.2.3 · up 1h 2m", "main", SampleSnapshot.oddName, "10.0.0.1:5432", "[::1]:5433", "fenced", "down",
            "2.0 KiB", "app@appdb → 10.0.0.1:5432", "2 active · 3 idle / 20", "1 waiting", "paused", "primary none",
            "read after write", "/etc/switchyard/switchyard.toml",
        ] {
            #expect(outcome.first.contains(text), "first page lacks \(text)")
        }
        #expect(outcome.title == "⚠ Switchyard")
        #expect(outcome.first.contains("– reads/s"), "no rate before a second poll")
        #expect(outcome.second.contains("10 reads/s"))
        #expect(outcome.second.contains("1.5 writes/s"))
        #expect(outcome.second.contains("0 errors/s"))
        #expect(outcome.second.contains("scale 0–10 per second"))

        #expect(!outcome.lostHidden)
        #expect(outcome.stale)
        #expect(outcome.lost.hasPrefix("Connection lost (Failed to fetch)."))
        #expect(outcome.lost.hasSuffix("Retrying…"))
        #expect(outcome.health == "connection lost")
    }
}
