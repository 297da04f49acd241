// TOMLLineLocatorTests: the locator maps key paths to the lines where TOML writes them.
@testable import SwitchyardConfig
import Testing

@Suite struct TOMLLineLocatorTests {
    /// Builds a path from dotted text with `[n]` indices; `DB` stands for the quoted key
    /// `"my.db"`, the one key of the fixture with a dot in it.
    static func path(_ text: String) -> ConfigKeyPath {
        var components: [ConfigKeyPath.Component] = []
        for part in text.split(separator: ".") {
            var rest = part[...]
            if let bracket = rest.firstIndex(of: "[") {
                components.append(.key(String(rest[..<bracket])))
                rest = rest[bracket...]
                while rest.first == "[", let close = rest.firstIndex(of: "]") {
                    components.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close])!))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                components.append(.key(rest == "DB" ? "my.db" : String(rest)))
            }
        }
        return ConfigKeyPath(components)
    }

    static let document = #"""
        # [proxy] in a comment is not a header
        top = 1 # trailing = comment [x]
        a.b.c = "dotted"

        [proxy]
        listen = "127.0.0.1:6432"   # the = and [ in this string and comment
        text = "a = [b] # not a comment"
        escaped = "quote \" = [still] string"
        literal = 'c:\path = [x]'
        after = true

        [[clusters.main.servers]]
        host = "a"
        [[clusters.main.servers]]
        host = "b"
        port = 5433
        [clusters.main.servers.extra]
        x = 1

        [ databases . "my.db" ]
        note = """
        [not.a.table]
        fake = 1
        """
        cluster = "main"
        literal_block = '''
        [[also.not]]
        '''
        tables = [
          "auth_*",   # first, with "quotes" and [brackets]
          "django_session",
          'x]y',
        ]
        routes = [
          { tables = ["a"], cluster = "main" },
          # a comment line [inside] the array
          { tables = ["b"], cluster = "users" },
        ]

        [[a2]]
        [[a2.b]]
        k = 1
        [[a2.b]]
        k = 2
        [[a2]]
        [[a2.b]]
        k = 3
        "quoted key" = 4
        'single' = 5
        """#

    static let cases: [(String, Int)] = [
        ("top", 2),
        ("a", 3), ("a.b", 3), ("a.b.c", 3),
        ("proxy", 5), ("proxy.listen", 6), ("proxy.text", 7), ("proxy.escaped", 8),
        ("proxy.literal", 9), ("proxy.after", 10),
        ("clusters", 12), ("clusters.main", 12), ("clusters.main.servers", 12),
        ("clusters.main.servers[0]", 12), ("clusters.main.servers[0].host", 13),
        ("clusters.main.servers[1]", 14), ("clusters.main.servers[1].host", 15),
        ("clusters.main.servers[1].port", 16),
        ("clusters.main.servers[1].extra", 17), ("clusters.main.servers[1].extra.x", 18),
        ("databases", 20), ("databases.DB", 20), ("databases.DB.note", 21), ("databases.DB.cluster", 25),
        ("databases.DB.literal_block", 26), ("databases.DB.tables", 29),
        ("databases.DB.tables[0]", 30), ("databases.DB.tables[1]", 31), ("databases.DB.tables[2]", 32),
        ("databases.DB.routes[0]", 35), ("databases.DB.routes[0].cluster", 35),
        ("databases.DB.routes[1]", 37), ("databases.DB.routes[1].tables[0]", 37),
        ("databases.DB.routes[1].cluster", 37),
        ("a2[0]", 40), ("a2[0].b[0]", 41), ("a2[0].b[0].k", 42), ("a2[0].b[1].k", 44),
        ("a2[1]", 45), ("a2[1].b[0]", 46), ("a2[1].b[0].k", 47),
    ]

    @Test(arguments: Self.cases)
    func locatesKey(_ key: String, _ line: Int) {
        #expect(TOMLLineLocator(text: Self.document).line(of: Self.path(key)) == line)
    }

    /// The locator only ever sees text the TOML library accepted; so must its tests.
    @Test func fixturesAreValidTOML() throws {
        #expect(throws: Never.self) { try TOMLNode.parseDocument(Self.document) }
        #expect(throws: Never.self) { try TOMLNode.parseDocument(Self.escapedKeys) }
        #expect(throws: Never.self) { try TOMLNode.parseDocument(Self.quoteRun) }
    }

    @Test func quotedKeysAreStoredUnquoted() {
        let locator = TOMLLineLocator(text: Self.document)
        #expect(locator.line(of: [.key("a2"), .index(1), .key("b"), .index(0), .key("quoted key")]) == 48)
        #expect(locator.line(of: [.key("a2"), .index(1), .key("b"), .index(0), .key("single")]) == 49)
    }

    @Test func textInsideStringsAndCommentsIsNotAKey() {
        let locator = TOMLLineLocator(text: Self.document)
        #expect(locator.line(of: Self.path("not")) == nil)
        #expect(locator.line(of: Self.path("not.a.table")) == nil)
        #expect(locator.line(of: Self.path("also")) == nil)
        #expect(locator.line(of: Self.path("databases.DB.fake")) == nil)
        #expect(locator.line(of: Self.path("x")) == nil)
    }

    @Test func missingKeyFallsBackToItsNearestTable() {
        let locator = TOMLLineLocator(text: Self.document)
        #expect(locator.nearestLine(of: Self.path("clusters.main.servers[1].weight")) == 14)
        #expect(locator.nearestLine(of: Self.path("proxy.workers")) == 5)
        #expect(locator.nearestLine(of: Self.path("health.user")) == nil)
    }

    static let escapedKeys = #"""
        [t]
        "tab\there" = 1
        "\u00e9t\u00E9" = 2
        "q\"uote" = 3
        """#

    @Test func escapesInQuotedKeysAreResolved() {
        let locator = TOMLLineLocator(text: Self.escapedKeys)
        #expect(locator.line(of: [.key("t"), .key("tab\there")]) == 2)
        #expect(locator.line(of: [.key("t"), .key("été")]) == 3)
        #expect(locator.line(of: [.key("t"), .key("q\"uote")]) == 4)
    }

    @Test func crlfLineEndingsCountOnce() {
        let text = "[proxy]\r\nlisten = \"x\"\r\n\r\nworkers = 2\r\n"
        let locator = TOMLLineLocator(text: text)
        #expect(locator.line(of: Self.path("proxy.workers")) == 4)
    }

    /// `""""` closes with one quote as content (TOML 1.0: up to two quotes may precede the
    /// closing delimiter); an escaped quote followed by two quotes does not close it.
    static let quoteRun = "s = \"\"\"a \\\"\"\" still\n\"\"\"\"\nk = 1\n"

    @Test func multiLineBasicStringEndsAfterExtraQuotes() {
        let locator = TOMLLineLocator(text: Self.quoteRun)
        #expect(locator.line(of: Self.path("k")) == 3)
    }
}
