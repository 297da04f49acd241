// LexerValueTests: identifier folding and truncation, and the values of string constants.

import SwitchyardSQL
import Testing

/// Expected values follow PostgreSQL 15's documented rules: unquoted names fold to lower case
/// (ASCII only in UTF-8 databases), quoted names are exact, names are truncated to 63 bytes
/// (NAMEDATALEN - 1) without splitting a character, and escape syntax is as documented in
/// https://www.postgresql.org/docs/15/sql-syntax-lexical.html.
@Suite struct LexerValueTests {
    private func firstToken(_ sql: String, _ body: (Lexer, Token) -> String?) -> String? {
        var sql = sql
        return sql.withUTF8 { buffer in
            var lexer = Lexer(text: buffer)
            var tokens: [Token] = []
            var hints: [HintComment] = []
            lexer.tokenize(into: &tokens, hints: &hints)
            guard let first = tokens.first else { return nil }
            return body(lexer, first)
        }
    }

    static let names: [(String, String?)] = [
        ("FooBar", "foobar"),
        ("foo_bar$1", "foo_bar$1"),
        ("\"FooBar\"", "FooBar"),
        ("\"a\"\"b\"", "a\"b"),
        ("\"with space\"", "with space"),
        ("ÉCOLE", "École"),
        ("U&\"d\\0061t\\+000061\"", "data"),
        ("U&\"\\00E9t\\00E9\"", "été"),
        ("\"\"", nil),
        ("\"unterminated", nil),
        (String(repeating: "A", count: 70), String(repeating: "a", count: 63)),
        (String(repeating: "a", count: 62) + "éé", String(repeating: "a", count: 62)),
        (String(repeating: "b", count: 61) + "é", String(repeating: "b", count: 61) + "é"),
    ]

    @Test(arguments: names)
    func namesFoldAsPostgreSQLDoes(_ sql: String, _ expected: String?) {
        #expect(self.firstToken(sql) { $0.name(of: $1) } == expected)
    }

    static let strings: [(String, String?)] = [
        ("'it''s'", "it's"),
        ("'a\\nb'", "a\\nb"),
        ("E'a\\nb\\tc'", "a\nb\tc"),
        ("E'\\''", "'"),
        ("E'\\\\'", "\\"),
        ("E'\\x41\\101\\u00e9'", "AAé"),
        ("E'\\U0001F600'", "😀"),
        ("E'\\uD83D\\uDE00'", "😀"),
        ("E'\\uD83D'", nil),
        ("E'\\0'", nil),
        ("E'\\q'", "q"),
        ("U&'\\0041\\+000042\\\\'", "AB\\"),
        ("U&'\\D83D\\DE00'", "😀"),
        ("U&'\\00'", nil),
        ("$$x'y$$", "x'y"),
        ("$t$a$b$t$", "a$b"),
        ("'a'\n'b'", "ab"),
        ("'a' -- it's\n'b'", "ab"),
        ("N'x'", "x"),
        ("B'01'", nil),
        ("'unterminated", nil),
    ]

    @Test(arguments: strings)
    func stringConstantValues(_ sql: String, _ expected: String?) {
        #expect(self.firstToken(sql) { $0.stringValue(of: $1) } == expected)
    }

    @Test func unicodeEscapeCharacterCanBeChanged() {
        let value = self.firstToken("U&'!0041!!\\'") { $0.stringValue(of: $1, unicodeEscape: UInt8(ascii: "!")) }
        #expect(value == "A!\\")
    }

    @Test func plainStringsUseBackslashEscapesWithoutStandardConformingStrings() {
        var sql = "'a\\'b\\n'"
        let value = sql.withUTF8 { buffer -> String? in
            var lexer = Lexer(text: buffer, standardConformingStrings: false)
            var tokens: [Token] = []
            var hints: [HintComment] = []
            lexer.tokenize(into: &tokens, hints: &hints)
            return lexer.stringValue(of: tokens[0])
        }
        #expect(value == "a'b\n")
    }

    static let integers: [(String, Int64?)] = [
        ("42", 42), ("  -17  ", -17), ("+5", 5), ("\t\n9\r", 9),
        ("9223372036854775807", .max), ("-9223372036854775808", .min),
        ("9223372036854775808", nil), ("-9223372036854775809", nil),
        ("", nil), (" ", nil), ("-", nil), ("1 2", nil), ("1.0", nil), ("0x10", nil), ("1e3", nil), ("١", nil),
    ]

    /// Mirrors `pg_strtoint64` (int8 input) of PostgreSQL 15: whitespace around, a sign, digits.
    @Test(arguments: integers)
    func bigintInput(_ text: String, _ expected: Int64?) {
        #expect(PostgresInteger.parseInt64(text) == expected)
    }
}
