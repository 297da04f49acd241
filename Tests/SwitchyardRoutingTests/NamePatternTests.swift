// NamePatternTests: table patterns — schemas, globs, and PostgreSQL's identifier folding.

import SwitchyardRouting
import Testing

/// SPEC §2: a pattern without a dot matches the name in any schema; `schema.table` that schema
/// only; `*` and `?` are globs; unquoted parts fold to lower case, quoted parts are exact.
@Suite struct NamePatternTests {
    static let cases: [(String, String?, String, Bool)] = [
        ("orders", nil, "orders", true),
        ("orders", "public", "orders", true),
        ("orders", "sales", "orders", true),
        ("orders", nil, "orders2", false),
        ("ORDERS", nil, "orders", true),
        ("\"Orders\"", nil, "orders", false),
        ("\"Orders\"", nil, "Orders", true),
        ("public.orders", "public", "orders", true),
        ("public.orders", nil, "orders", false),
        ("public.orders", "sales", "orders", false),
        ("Public.Orders", "public", "orders", true),
        ("\"Public\".orders", "public", "orders", false),
        ("\"Public\".orders", "Public", "orders", true),
        ("auth_*", nil, "auth_user", true),
        ("auth_*", "x", "auth_", true),
        ("auth_*", nil, "auth", false),
        ("auth_*", nil, "xauth_user", false),
        ("*_log", nil, "audit_log", true),
        ("*_log", nil, "audit_log2", false),
        ("a*b*c", nil, "aXbYc", true),
        ("a*b*c", nil, "abc", true),
        ("a*b*c", nil, "acb", false),
        ("*", nil, "anything", true),
        ("report_??", nil, "report_01", true),
        ("report_??", nil, "report_1", false),
        ("report_??", nil, "report_001", false),
        ("report_??", nil, "report_é1", true),
        ("archive.*", "archive", "x", true),
        ("archive.*", "public", "archive", false),
        ("*.accounts", "tenant_7", "accounts", true),
        ("t?nant_*.acc*", "tenant_7", "accounts", true),
        ("\"a.b\"", nil, "a.b", true),
        ("\"a\"\"b\"", nil, "a\"b", true),
    ]

    @Test(arguments: cases)
    func matching(_ pattern: String, _ schema: String?, _ name: String, _ matches: Bool) throws {
        let compiled = try #require(NamePattern(pattern))
        #expect(compiled.matches(schema: schema, name: name) == matches)
    }

    @Test(arguments: ["", ".", "a.", ".a", "a.b.c", "\"unterminated", "\"\"", "a.\"\""])
    func invalidPatterns(_ pattern: String) {
        #expect(NamePattern(pattern) == nil)
    }

    @Test func descriptionIsThePatternAsWritten() {
        #expect(NamePattern("Public.Auth_*")?.description == "Public.Auth_*")
    }
}
