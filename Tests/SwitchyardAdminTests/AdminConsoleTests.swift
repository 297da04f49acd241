// AdminConsoleTests: console result sets, their wire bytes, and timestamps as PostgreSQL prints them.
import SwitchyardAdmin
import SwitchyardWire
import Testing

@Suite("AdminConsole")
struct AdminConsoleTests {
    /// Decodes every backend message in `bytes` with SwitchyardWire's decoders.
    static func decode(_ bytes: [UInt8]) throws -> [DecodedBackendMessage] {
        try bytes.withUnsafeBytes { buffer in
            var messages: [DecodedBackendMessage] = []
            var offset = 0
            while let header = try FrameHeader.parse(buffer, at: offset, limit: 1 << 20) {
                let body = UnsafeRawBufferPointer(rebasing: buffer[(offset + 5)..<(offset + header.frameSize)])
                messages.append(try DecodedBackendMessage.decode(header: header, body: body))
                offset += header.frameSize
            }
            #expect(offset == buffer.count, "trailing bytes")
            return messages
        }
    }

    /// pg_type: text is OID 25 with typlen -1; int8 is OID 20 with typlen 8.
    static func text(_ name: String) -> BackendMessage.RowDescription.Column {
        .init(name: name, tableOID: 0, columnNumber: 0, typeOID: 25, typeSize: -1, typeModifier: -1, format: 0)
    }

    static func int8(_ name: String) -> BackendMessage.RowDescription.Column {
        .init(name: name, tableOID: 0, columnNumber: 0, typeOID: 20, typeSize: 8, typeModifier: -1, format: 0)
    }

    static func encode(_ result: ConsoleResult) -> [UInt8] {
        var writer = WireWriter()
        result.encode(into: &writer)
        return writer.bytes
    }

    /// Derived by hand from the protocol documentation (Message Formats):
    /// RowDescription 'T', Int32 length 32 = 4 (itself) + 2 (field count) + 8 ("version\0")
    ///   + 18 (table OID 4, column number 2, type OID 4, type size 2, type modifier 4, format 2);
    /// DataRow 'D', length 26 = 4 + 2 (column count) + 4 (value length) + 16 ("Switchyard 1.2.3");
    /// CommandComplete 'C', length 9 = 4 + 5 ("SHOW\0").
    @Test func showVersionWireBytes() {
        let expected: [UInt8] =
            [0x54, 0x00, 0x00, 0x00, 0x20, 0x00, 0x01]
            + Array("version".utf8) + [0x00]
            + [
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x19, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00,
                0x00,
            ]
            + [0x44, 0x00, 0x00, 0x00, 0x1A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10] + Array("Switchyard 1.2.3".utf8)
            + [0x43, 0x00, 0x00, 0x00, 0x09] + Array("SHOW".utf8) + [0x00]
        let result = AdminConsole.resultSet(for: .show(.version), snapshot: SampleSnapshot.snapshot)
        #expect(Self.encode(result) == expected)
    }

    /// An action answers with CommandComplete alone: 'C', length 11 = 4 + 7 ("RELOAD\0").
    @Test func reloadIsOnlyACommandTag() {
        let result = AdminConsole.resultSet(for: .reload, snapshot: SampleSnapshot.snapshot)
        #expect(Self.encode(result) == [0x43, 0x00, 0x00, 0x00, 0x0B] + Array("RELOAD".utf8) + [0x00])
        #expect(AdminConsole.resultSet(for: .pause(cluster: "main"), snapshot: SampleSnapshot.snapshot).tag == "PAUSE")
    }

    @Test func showServersDecodesBackToTheSnapshot() throws {
        let result = AdminConsole.resultSet(for: .show(.servers), snapshot: SampleSnapshot.snapshot)
        let odd = SampleSnapshot.oddName
        let rows: [[String?]] = [
            ["main", "10.0.0.1", "5432", "primary", "up", nil, "2", "3", "100", "40", "50", "1"],
            ["main", "10.0.0.2", "5432", "replica", "up", "2048", "1", "4", "60", "60", "0", "0"],
            [odd, "::1", "5433", "primary", "down", nil, "0", "0", "0", "0", "0", "0"],
            [odd, "10.0.0.9", "5432", "replica", "fenced", nil, "0", "0", "0", "0", "0", "0"],
        ]
        let columns = [
            Self.text("cluster"), Self.text("host"), Self.int8("port"), Self.text("role"), Self.text("state"),
            Self.int8("lag_bytes"), Self.int8("active"), Self.int8("idle"), Self.int8("queries"), Self.int8("reads"),
            Self.int8("writes"), Self.int8("errors"),
        ]
        let expected: [DecodedBackendMessage] =
            [.rowDescription(.init(columns: columns))]
            + rows.map { .dataRow(.init(values: $0.map { $0.map { Array($0.utf8) } })) }
            + [.commandComplete(.init(tag: "SHOW"))]
        #expect(try Self.decode(Self.encode(result)) == expected)
    }

    @Test func showClustersSumsServers() {
        let result = AdminConsole.resultSet(for: .show(.clusters), snapshot: SampleSnapshot.snapshot)
        #expect(
            result.columns.map(\.name) == [
                "cluster", "primary", "paused", "servers", "servers_up", "queries", "reads", "writes", "errors",
            ]
        )
        #expect(
            result.rows == [
                ["main", "10.0.0.1:5432", "no", "2", "2", "160", "100", "50", "1"],
                [SampleSnapshot.oddName, nil, "yes", "2", "0", "0", "0", "0", "0"],
            ]
        )
    }

    @Test func showPoolsAndClients() {
        var snapshot = SampleSnapshot.snapshot
        snapshot.clientList = [
            ClientInfo(
                id: 7,
                user: "app",
                database: "appdb",
                applicationName: "psql",
                peer: "127.0.0.1:50000",
                state: .inTransaction,
                isPinned: true,
                connectedAt: 1_700_000_000,
                cluster: "main",
                server: "10.0.0.1:5432"
            ),
            ClientInfo(id: 8, user: "app", database: "appdb", peer: "[::1]:50001", state: .idle, connectedAt: 0),
        ]
        let pools = AdminConsole.resultSet(for: .show(.pools), snapshot: snapshot)
        #expect(pools.rows == [["main", "10.0.0.1:5432", "app", "appdb", "2", "3", "1", "20"]])
        let clients = AdminConsole.resultSet(for: .show(.clients), snapshot: snapshot)
        #expect(clients.columns.first == .bigint("id"))
        #expect(
            clients.rows == [
                [
                    "7", "app", "appdb", "psql", "127.0.0.1:50000", "in_transaction", "yes", "2023-11-14 22:13:20+00",
                    "main", "10.0.0.1:5432",
                ],
                ["8", "app", "appdb", "", "[::1]:50001", "idle", "no", "1970-01-01 00:00:00+00", nil, nil],
            ]
        )
    }

    /// SHOW STATS: the average is main's 12.7023 s over 4 statements = 3,175,575 µs.
    @Test func showStatsListsFigures() {
        let result = AdminConsole.resultSet(for: .show(.stats), snapshot: SampleSnapshot.snapshot)
        let figures = Dictionary(uniqueKeysWithValues: result.rows.map { ($0[0]!, $0[1]) })
        #expect(figures["uptime_s"] == "3725")
        #expect(figures["config_loaded_at"] == "2023-11-14 22:13:20+00")
        #expect(figures["queries"] == "160")
        #expect(figures["errors"] == "4")
        #expect(figures["routing_errors"] == "3")
        #expect(figures["clients_pinned"] == "2")
        #expect(figures["reload_failures"] == "1")
        #expect(figures["query_duration_avg_us"] == "3175575")
        #expect(figures["reads_on_primary.read_after_write"] == "7")
    }
}

@Suite("UnixTime")
struct UnixTimeTests {
    /// Expected texts from Python: datetime.fromtimestamp(s, timezone.utc).strftime('%Y-%m-%d %H:%M:%S+00').
    @Test(arguments: [
        (0, "1970-01-01 00:00:00+00"),
        (86_399, "1970-01-01 23:59:59+00"),
        (951_782_400, "2000-02-29 00:00:00+00"),
        (951_868_799, "2000-02-29 23:59:59+00"),
        (1_234_567_890, "2009-02-13 23:31:30+00"),
        (1_700_000_000, "2023-11-14 22:13:20+00"),
        (4_102_444_800, "2100-01-01 00:00:00+00"),
        (253_402_300_799, "9999-12-31 23:59:59+00"),
    ])
    func formatsUnixTime(seconds: Int, text: String) {
        #expect(UnixTime.format(seconds) == text)
    }

    /// Expected texts from Python: email.utils.formatdate(s, usegmt=True); 784111777 is RFC 9110's
    /// own example, "Sun, 06 Nov 1994 08:49:37 GMT".
    @Test(arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
        (4_102_444_800, "Fri, 01 Jan 2100 00:00:00 GMT"),
    ])
    func formatsHTTPDates(seconds: Int, text: String) {
        #expect(UnixTime.httpDate(seconds) == text)
    }
}
