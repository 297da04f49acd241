// ProxyCopyTests: COPY in both directions through the proxy, byte for byte as on a direct connection,
// with libpq, psql's \copy, the extended protocol, bad data and a client that gives up.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Proxy COPY", .serialized, .sharedProxy(ProxyConfiguration(poolMode: "transaction", poolSize: 4)))
struct ProxyCopyTests {
    /// 100,000 rows in COPY's text format with NULLs, escapes and multi-byte text; every row is in
    /// its canonical output form, so COPY TO must give back exactly these bytes.
    private static let rows: [String] = (1...100_000).map { id in
        let note: String
        switch id % 5 {
        case 0: note = "\\N"
        case 1: note = "plain \(id)"
        case 2: note = "tab\\there"
        case 3: note = "grüße \(id) ✓"
        default: note = "back\\\\slash"
        }
        return "\(id)\t\(note)\t\(id * 7 % 1000)"
    }

    private static var rowBytes: [UInt8] { Array(rows.map { $0 + "\n" }.joined().utf8) }

    @Test("100,000 rows COPY FROM STDIN through the proxy; COPY TO STDOUT identical to a direct connection")
    func bulkCopy() throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try fixture.connect()
        defer { proxied.close() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try proxied.exec("CREATE TABLE copy_bulk (id int PRIMARY KEY, note text, amount int)")
        defer { _ = try? direct.exec("DROP TABLE copy_bulk") }

        let loaded = try proxied.copyIn("COPY copy_bulk FROM STDIN", data: Self.rowBytes, chunkSize: 65536)
        #expect(loaded.commandTag == "COPY 100000")
        #expect(try direct.exec("SELECT count(*), sum(amount) FROM copy_bulk").rows == [["100000", "49950000"]])

        let sql = "COPY (SELECT * FROM copy_bulk ORDER BY id) TO STDOUT"
        let throughProxy = try proxied.copyOut(sql)
        let straight = try direct.copyOut(sql)
        #expect(throughProxy.count == Self.rowBytes.count)
        #expect(throughProxy == straight)
        #expect(throughProxy == Self.rowBytes)
        #expect(try proxied.exec("SELECT note FROM copy_bulk WHERE id = 3").scalar == "grüße 3 ✓")
    }

    @Test("psql \\copy in and out through the proxy matches psql against the server")
    func psqlCopy() throws {
        let fixture = try SharedProxy.fixture()
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE copy_psql (id int, note text, amount int)")
        defer { _ = try? direct.exec("DROP TABLE copy_psql") }
        let input = Self.rows.prefix(20_000).map { $0 + "\n" }.joined() + "\\.\n"

        let load = try ClientTools.psql(
            fixture.clientArguments() + ["-v", "ON_ERROR_STOP=1", "-c", "\\copy copy_psql FROM pstdin"],
            password: "app", input: input)
        #expect(load.succeeded, "\(load.standardError)")
        #expect(load.standardOutput == "COPY 20000\n")

        let unload = ["-c", "\\copy (SELECT * FROM copy_psql ORDER BY id) TO STDOUT"]
        let proxied = try ClientTools.psql(fixture.clientArguments() + unload, password: "app")
        let straight = try ClientTools.psql(fixture.directClientArguments() + unload, password: "app")
        #expect(proxied.succeeded, "\(proxied.standardError)")
        #expect(proxied.standardOutput == straight.standardOutput)
        #expect(proxied.standardOutput == Self.rows.prefix(20_000).map { $0 + "\n" }.joined())
    }

    /// 22P02 invalid_text_representation, as the server reports a value that is not an integer.
    @Test("bad COPY data fails with 22P02 as on the server, and the connection stays usable")
    func badData() throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try fixture.connect()
        defer { proxied.close() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE copy_bad (n int)")
        defer { _ = try? direct.exec("DROP TABLE copy_bad") }
        let lines = (1...500).map(String.init) + ["not a number"] + (501...1000).map(String.init)
        let proxiedError = try #require(throws: PGError.self) {
            try proxied.copyIn("COPY copy_bad FROM STDIN", lines: lines)
        }
        let directError = try #require(throws: PGError.self) {
            try direct.copyIn("COPY copy_bad FROM STDIN", lines: lines)
        }
        #expect(proxiedError.sqlState?.code == "22P02")
        #expect(proxiedError.message == directError.message)
        #expect(proxied.transactionStatus == .idle)
        #expect(try proxied.exec("SELECT count(*) FROM copy_bad").scalar == "0")
        for value in 0..<5 {
            #expect(try proxied.execParams("SELECT $1::int", params: [String(value)]).scalar == String(value))
        }
        // The same inside a transaction: the transaction fails, ROLLBACK ends it.
        _ = try proxied.exec("BEGIN")
        #expect(throws: PGError.self) { try proxied.copyIn("COPY copy_bad FROM STDIN", lines: ["1", "x"]) }
        #expect(proxied.transactionStatus == .inFailedTransaction)
        _ = try proxied.exec("ROLLBACK")
        #expect(try proxied.exec("SELECT count(*) FROM copy_bad").scalar == "0")
    }

    /// CopyFail from the client: the server ends the COPY with 57014 naming the client's reason.
    @Test("a client that sends CopyFail gets the server's error, as directly")
    func copyFail() throws {
        let fixture = try SharedProxy.fixture()
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE copy_fail (n int)")
        defer { _ = try? direct.exec("DROP TABLE copy_fail") }
        var transcripts: [[String]] = []
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            let raw = RawConnection(borrowing: connection.socketDescriptor)
            raw.send(FrontendBytes.query("COPY copy_fail FROM STDIN"))
            let started = raw.readFrames(until: UInt8(ascii: "G"), timeout: 5).frames
            raw.send(
                FrontendBytes.message("d", Array("1\n2\n".utf8))
                    + FrontendBytes.message("f", FrontendBytes.cString("client gave up")))
            let ended = raw.readFrames(until: UInt8(ascii: "Z"), timeout: 5).frames
            let error = ended.first { $0.kind == "E" }
            transcripts.append([
                (started + ended).map { String($0.kind) }.joined(), error?.sqlState ?? "-",
                error?.errorFields["M"] ?? "-",
                try connection.exec("SELECT count(*) FROM copy_fail").scalar ?? "-",
            ])
        }
        #expect(transcripts[0][0] == "GEZ")
        #expect(transcripts[0][1] == "57014")
        #expect(transcripts[0] == transcripts[1])
    }

    @Test("COPY through the extended protocol (Parse/Bind/Execute) in both directions")
    func extendedProtocolCopy() throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try fixture.connect()
        defer { proxied.close() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE copy_extended (id int, note text, amount int)")
        defer { _ = try? direct.exec("DROP TABLE copy_extended") }
        let lines = Array(Self.rows.prefix(5_000))
        let loaded = try proxied.copyIn("COPY copy_extended FROM STDIN", lines: lines, extended: true)
        #expect(loaded.commandTag == "COPY 5000")
        let sql = "COPY (SELECT * FROM copy_extended ORDER BY id) TO STDOUT"
        let throughProxy = try proxied.copyOut(sql, extended: true)
        #expect(throughProxy == (try direct.copyOut(sql, extended: true)))
        #expect(throughProxy == Array(lines.map { $0 + "\n" }.joined().utf8))
        #expect(
            try proxied.execParams("SELECT count(*) FROM copy_extended WHERE amount > $1", params: ["500"]).scalar
                == direct.execParams("SELECT count(*) FROM copy_extended WHERE amount > $1", params: ["500"]).scalar)
    }

    /// Rows and CopyData messages far larger than the proxy's buffers pass through whole.
    @Test("values of several megabytes in rows and in COPY data come through unchanged")
    func largeValues() throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try fixture.connect()
        defer { proxied.close() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        let sql = "SELECT md5(repeat('x', n)), repeat(chr(65 + n % 26), n) FROM unnest(ARRAY[100000, 3000000, 17]) AS n"
        #expect(try proxied.exec(sql) == direct.exec(sql))
        #expect(try proxied.execParams(sql, params: []) == direct.exec(sql))
        let copy = "COPY (SELECT n, repeat('y', n) FROM unnest(ARRAY[5, 2500000, 70000]) AS n) TO STDOUT"
        let throughProxy = try proxied.copyOut(copy)
        #expect(throughProxy.count > 2_500_000)
        #expect(throughProxy == (try direct.copyOut(copy)))
    }
}
