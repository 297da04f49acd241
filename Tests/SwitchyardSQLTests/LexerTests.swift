// LexerTests: token boundaries and kinds for PostgreSQL's lexical edge cases.

import SwitchyardSQL
import Testing

/// The expected tokens are derived by hand from PostgreSQL 15's lexical rules (`scan.l` and
/// "Lexical Structure" in the manual, https://www.postgresql.org/docs/15/sql-syntax-lexical.html).
@Suite struct LexerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let sql: String
        let tokens: [(TokenKind, String)]
        var standardConformingStrings = true
        var testDescription: String { self.sql }

        init(_ sql: String, _ tokens: [(TokenKind, String)], standardConformingStrings: Bool = true) {
            self.sql = sql
            self.tokens = tokens
            self.standardConformingStrings = standardConformingStrings
        }
    }

    static let cases: [Case] = [
        Case("SELECT 1", [(.identifier, "SELECT"), (.number, "1")]),
        Case("select $1, $23", [(.identifier, "select"), (.parameter, "$1"), (.comma, ","), (.parameter, "$23")]),
        // Dollar quotes, with and without tags; the body may hold semicolons, quotes and other tags.
        Case("$$a;b'c$$", [(.dollarString, "$$a;b'c$$")]),
        Case("$tag$ x $y$ $ta $tag$", [(.dollarString, "$tag$ x $y$ $ta $tag$")]),
        Case("SELECT $x$;DELETE$x$", [(.identifier, "SELECT"), (.dollarString, "$x$;DELETE$x$")]),
        Case("$_1$a$_1$", [(.dollarString, "$_1$a$_1$")]),
        Case("$é$x$é$", [(.dollarString, "$é$x$é$")]),
        // `$` continues an identifier, so `a$b$c` is one name, not a dollar quote.
        Case("a$b$c", [(.identifier, "a$b$c")]),
        Case("$ 1", [(.other, "$"), (.number, "1")]),
        Case("$1a", [(.parameter, "$1"), (.identifier, "a")]),
        Case("$1$", [(.parameter, "$1"), (.other, "$")]),
        // Comments: nested block comments, line comments, comment starts inside operators.
        Case("/* a /* nested */ still */ SELECT", [(.identifier, "SELECT")]),
        Case("-- comment ; DELETE\nSELECT", [(.identifier, "SELECT")]),
        Case("SELECT 1 -- trailing", [(.identifier, "SELECT"), (.number, "1")]),
        Case("a/*c*/b", [(.identifier, "a"), (.identifier, "b")]),
        Case("*/*x*/", [(.operator, "*")]),
        Case("+--x\n1", [(.operator, "+"), (.number, "1")]),
        Case("/* unterminated SELECT", []),
        Case("/* /* */ still open", []),
        // String constants.
        Case("'it''s'", [(.string, "'it''s'")]),
        Case("E'\\''", [(.escapeString, "E'\\''")]),
        Case("e'a\\\\' x", [(.escapeString, "e'a\\\\'"), (.identifier, "x")]),
        Case("E'\\'; DELETE FROM t; --'", [(.escapeString, "E'\\'; DELETE FROM t; --'")]),
        Case("N'abc'", [(.string, "N'abc'")]),
        Case("B'0101' X'1F'", [(.bitString, "B'0101'"), (.bitString, "X'1F'")]),
        Case("U&'\\0041'", [(.unicodeString, "U&'\\0041'")]),
        Case("u&'x' UESCAPE '!'", [(.unicodeString, "u&'x'"), (.identifier, "UESCAPE"), (.string, "'!'")]),
        Case("U&\"d\\0061t\"", [(.unicodeIdentifier, "U&\"d\\0061t\"")]),
        Case("u & 'x'", [(.identifier, "u"), (.operator, "&"), (.string, "'x'")]),
        Case("Ex'1'", [(.identifier, "Ex"), (.string, "'1'")]),
        // Standard strings keep backslashes: `'a\'` ends at the second quote.
        Case("'a\\' b", [(.string, "'a\\'"), (.identifier, "b")]),
        // With standard_conforming_strings off, the backslash escapes the quote.
        Case("'a\\' b'", [(.string, "'a\\' b'")], standardConformingStrings: false),
        // Continuation: constants separated by whitespace holding a newline are one constant.
        Case("'a'\n'b'", [(.string, "'a'\n'b'")]),
        Case("'a' -- note\n  'b'", [(.string, "'a' -- note\n  'b'")]),
        Case("'a' 'b'", [(.string, "'a'"), (.string, "'b'")]),
        Case("E'a'\n'\\''", [(.escapeString, "E'a'\n'\\''")]),
        // Quoted identifiers.
        Case("\"a\"\"b\"", [(.quotedIdentifier, "\"a\"\"b\"")]),
        Case("\"Order Items\".id", [(.quotedIdentifier, "\"Order Items\""), (.dot, "."), (.identifier, "id")]),
        // Operators: `=-` splits, `@-` does not (it holds a non-SQL operator character).
        Case("a=-5", [(.identifier, "a"), (.operator, "="), (.operator, "-"), (.number, "5")]),
        Case("a@-5", [(.identifier, "a"), (.operator, "@-"), (.number, "5")]),
        Case("a<>b", [(.identifier, "a"), (.operator, "<>"), (.identifier, "b")]),
        Case("x->>'k'", [(.identifier, "x"), (.operator, "->>"), (.string, "'k'")]),
        Case("a::int", [(.identifier, "a"), (.typecast, "::"), (.identifier, "int")]),
        Case("x := 1", [(.identifier, "x"), (.operator, ":="), (.number, "1")]),
        Case(
            "a[1:2]",
            [
                (.identifier, "a"), (.leftBracket, "["), (.number, "1"), (.colon, ":"), (.number, "2"),
                (.rightBracket, "]"),
            ]),
        // Numbers.
        Case("1..2", [(.number, "1"), (.operator, ".."), (.number, "2")]),
        Case(".5e-3", [(.number, ".5e-3")]),
        Case("1e", [(.number, "1"), (.identifier, "e")]),
        Case("1.5E+10x", [(.number, "1.5E+10"), (.identifier, "x")]),
        Case("t.5", [(.identifier, "t"), (.number, ".5")]),
        // Punctuation and stray bytes.
        Case(
            "(a, b);",
            [
                (.leftParenthesis, "("), (.identifier, "a"), (.comma, ","), (.identifier, "b"),
                (.rightParenthesis, ")"), (.semicolon, ";"),
            ]),
        Case("a\u{0B}b", [(.identifier, "a"), (.other, "\u{0B}"), (.identifier, "b")]),
        Case("é_ü", [(.identifier, "é_ü")]),
    ]

    @Test(arguments: cases)
    func tokens(_ testCase: Case) {
        let tokens = Lexer.tokens(of: testCase.sql, standardConformingStrings: testCase.standardConformingStrings)
        let bytes = Array(testCase.sql.utf8)
        let actual = tokens.map { ($0.kind, String(decoding: bytes[$0.range], as: UTF8.self)) }
        #expect(actual.map(\.0) == testCase.tokens.map(\.0))
        #expect(actual.map(\.1) == testCase.tokens.map(\.1))
    }

    @Test(arguments: ["'abc", "E'abc\\'", "$$abc", "$t$abc$t", "\"abc", "U&'abc", "B'01"])
    func unterminatedQuotesRunToTheEnd(_ sql: String) {
        let tokens = Lexer.tokens(of: sql)
        #expect(tokens.count == 1)
        #expect(tokens.first?.isUnterminated == true)
        #expect(tokens.first?.end == sql.utf8.count)
    }

    @Test func keywordsAreRecognisedInAnyCase() {
        let tokens = Lexer.tokens(of: "select SELECT SeLeCt current_timestamp orders")
        #expect(tokens.map(\.keyword) == [.select, .select, .select, .current_timestamp, .none])
    }

    @Test func wordsLongerThanAnyKeywordAreNames() {
        let tokens = Lexer.tokens(of: "selectselectselectselectselect")
        #expect(tokens.map(\.keyword) == [.none])
    }

    @Test func quotedKeywordsAreNotKeywords() {
        let tokens = Lexer.tokens(of: "\"select\" \"FROM\"")
        #expect(tokens.map(\.keyword) == [.none, .none])
        #expect(tokens.map(\.kind) == [.quotedIdentifier, .quotedIdentifier])
    }

    @Test func invalidUTF8IsLexedByteWise() {
        let bytes: [UInt8] = [0x53, 0x45, 0xFF, 0xC3, 0x27, 0x80, 0x27, 0x00, 0x3B]
        let tokens = bytes.withUnsafeBufferPointer { buffer -> [Token] in
            var lexer = Lexer(text: buffer)
            var tokens: [Token] = []
            var hints: [HintComment] = []
            lexer.tokenize(into: &tokens, hints: &hints)
            return tokens
        }
        // 0xFF and 0xC3 are identifier bytes, as PostgreSQL's [\200-\377] class says.
        #expect(tokens.map(\.kind) == [.identifier, .string, .other, .semicolon])
        #expect(tokens.map(\.range) == [0..<4, 4..<7, 7..<8, 8..<9])
    }
}
