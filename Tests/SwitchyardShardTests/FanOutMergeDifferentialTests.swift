// FanOutMergeDifferentialTests: merged shard results must equal PostgreSQL's own result over all the rows.

import SwitchyardRouting
import SwitchyardShard
import SwitchyardTesting
import SwitchyardWire
import Testing

/// PostgreSQL 15 is the oracle. Each query runs on `t_all` (every row) and, rewritten by its
/// `FanOutPlan`, on the shard tables `t_0`, `t_1`, `t_2` (the same rows split three ways); the
/// merged shard results must equal the direct result byte for byte: RowDescription (table OIDs
/// aside, which differ per table), every DataRow frame in order, and the CommandComplete tag.
/// Each query is checked in text format (simple Query) and in binary format (extended protocol,
/// merger told the description by Describe), with shard messages interleaved in random orders
/// and, in a demand-driven order, with the merge ended early once LIMIT rows are out.
@Suite(.serialized) struct FanOutMergeDifferentialTests {
    static let table = "\(DifferentialData.schema).t_all"

    /// The shared server, with the data installed once.
    static let port: Result<Int, WireSessionError> = {
        do {
            let server = try TestCluster.shared.primary()
            let session = try WireSession(port: server.port)
            try DifferentialData.install(session)
            return .success(server.port)
        } catch {
            return .failure(WireSessionError(message: "cannot prepare the test server: \(error)"))
        }
    }()

    static let handWritten: [String] = [
        "SELECT id, i FROM {t}",
        "SELECT id, i, tx FROM {t} ORDER BY i, id",
        "SELECT id, i FROM {t} ORDER BY i DESC NULLS LAST, id DESC",
        "SELECT id, n FROM {t} ORDER BY n NULLS FIRST, id",
        "SELECT id, n FROM {t} ORDER BY n DESC, id LIMIT 10 OFFSET 3",
        "SELECT id, f, g FROM {t} ORDER BY g, id",
        "SELECT id, g FROM {t} ORDER BY g DESC NULLS LAST, id LIMIT 20",
        "SELECT id, r FROM {t} ORDER BY 2 DESC, 1",
        "SELECT id, tx FROM {t} ORDER BY tx, id",
        "SELECT id, vc AS v FROM {t} ORDER BY v DESC NULLS FIRST, id OFFSET 5",
        "SELECT id, ch FROM {t} ORDER BY ch, id",
        "SELECT id, ts FROM {t} ORDER BY ts, id",
        "SELECT id, tz FROM {t} ORDER BY tz DESC, id FETCH FIRST 15 ROWS ONLY",
        "SELECT id, d FROM {t} ORDER BY d NULLS FIRST, id",
        "SELECT id, tm FROM {t} ORDER BY tm DESC, id",
        "SELECT id, bo FROM {t} ORDER BY bo, id DESC",
        "SELECT id, u FROM {t} ORDER BY u, id",
        "SELECT id, by FROM {t} ORDER BY by DESC, id",
        "SELECT id, o FROM {t} ORDER BY o, id",
        "SELECT id, b, s FROM {t} ORDER BY s DESC, b, id LIMIT 7 OFFSET 7",
        "SELECT * FROM {t} ORDER BY tx DESC NULLS LAST, n, id LIMIT 25",
        "SELECT i::bigint * 2 AS twice, id FROM {t} ORDER BY i::bigint * 2, id",
        "SELECT lower(tx), id FROM {t} ORDER BY lower(tx) DESC, 2",
        "SELECT id, i FROM {t} WHERE false ORDER BY i",
        "SELECT id, i FROM {t} ORDER BY i, id LIMIT 0",
        "SELECT id, i FROM {t} ORDER BY i, id OFFSET 1000",
        "SELECT id, n FROM {t} WHERE n BETWEEN -10 AND 10 ORDER BY n USING >, id USING <",
        "SELECT id, i FROM {t} ORDER BY i, id OFFSET 2 ROWS FETCH NEXT 5 ROWS ONLY",
        "SELECT id, tx, ch, vc FROM {t} ORDER BY ch DESC NULLS FIRST, vc NULLS FIRST, tx, id",
        "SELECT i, bo FROM {t} ORDER BY i DESC, bo NULLS FIRST",
        "SELECT tx FROM {t} ORDER BY tx LIMIT 30 OFFSET 10",
        "SELECT d, ts, tz, id FROM {t} WHERE d IS NOT NULL ORDER BY 3 NULLS FIRST, 2 DESC, 1, id",
        "WITH x AS (SELECT * FROM {t} WHERE i > 0) SELECT id, i FROM x ORDER BY i DESC, id LIMIT 12",
        "SELECT count(*) FROM {t}",
        "SELECT count(*), count(i), count(n), sum(i), sum(b), sum(s) FROM {t}",
        "SELECT sum(n), avg(n) FROM {t} WHERE n BETWEEN -1e40 AND 1e40",
        "SELECT sum(n), avg(n), max(n), min(n) FROM {t}",
        "SELECT avg(i) AS ai, avg(b), avg(s) FROM {t}",
        "SELECT avg(f), sum(f) FROM {t} WHERE f BETWEEN -1e9 AND 1e9",
        "SELECT avg(f), sum(f), min(f), max(f) FROM {t}",
        "SELECT sum(r), avg(r), min(r), max(r) FROM {t}",
        "SELECT sum(r), avg(r) FROM {t} WHERE r <> 'NaN'",
        "SELECT min(tx), max(tx), min(vc), max(ch), min(ts), max(tz), min(d), max(d), min(tm), max(g) FROM {t}",
        "SELECT count(*), sum(i), avg(n), min(tx) FROM {t} WHERE false",
        "SELECT count(*) FILTER (WHERE bo), avg(i) FILTER (WHERE i > 0) AS pos FROM {t}",
        "SELECT 'const' AS label, count(*) AS c FROM {t}",
        "SELECT count(*) FROM {t} LIMIT 0",
        "SELECT count(*) FROM {t} OFFSET 1",
        "SELECT avg(n) FROM {t} WHERE n BETWEEN 0 AND 1e40 AND id % 3 = 0",
        "SELECT avg(i) FROM {t} WHERE i BETWEEN 0 AND 2",
        "SELECT avg(b) FROM {t} WHERE b IS NOT NULL",
        "SELECT max(o), min(o), max(i), min(s) FROM {t}",
        "SELECT sum(s), sum(i) FROM {t} WHERE i > 0",
        "SELECT avg(n) FROM {t} WHERE n IN (1.5, 2.25, -3.125, 0.0001)",
        "SELECT avg(n * 1000) FROM {t} WHERE n BETWEEN -1e10 AND 1e10",
        "SELECT avg(i::numeric / 3), sum(i::numeric / 7) FROM {t}",
        "SELECT avg(b), avg(n) FROM {t} WHERE id > 200",
        "SELECT avg(f), avg(r) FROM {t} WHERE f > 0 AND r > 0",
        "SELECT avg(i) FROM {t} WHERE i = 1",
        "SELECT avg(i), avg(s) FROM {t} WHERE i = -7 OR s = 100",
        "SELECT avg(n) FROM {t} WHERE n = 0.0001",
        "SELECT avg(n), sum(n) FROM {t} WHERE n IN (9999.9999, 10000, 0.00005)",
        "SELECT avg(n) FROM {t} WHERE n = 99999999",
        "SELECT sum(h), avg(h), sum(e), avg(e), sum(q), avg(q) FROM {t}",
        "SELECT sum(h), avg(h), sum(e), avg(e), sum(q), avg(q) FROM {t} WHERE id % 4 = 1",
        "SELECT id, h, e, q FROM {t} ORDER BY h DESC, e, q NULLS FIRST, id",
    ]

    static let sortable = [
        "i", "b", "s", "n", "f", "g", "r", "tx", "vc", "ch", "ts", "tz", "d", "tm", "bo", "u", "by", "o", "h", "e", "q",
    ]
    static let filters = ["", " WHERE i > 0", " WHERE n < 100", " WHERE tx IS NOT NULL", " WHERE id % 2 = 0", " WHERE false", " WHERE bo"]

    /// ORDER BY queries over random columns, directions, NULLS placements, reference forms and
    /// LIMIT/OFFSET; `id` last so the order is total.
    static func generatedOrderQueries(count: Int) -> [String] {
        var random = SeededGenerator(seed: 42)
        return (0..<count).map { _ in
            let columns = Array(sortable.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random)))
            var select = ["id"]
            var order: [String] = []
            for (index, column) in columns.enumerated() {
                let reference: String
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    select.append(column)
                    reference = column
                case 1:
                    select.append(column)
                    reference = String(select.count)
                default:
                    select.append("\(column) AS c\(index)")
                    reference = "c\(index)"
                }
                let direction = ["", " ASC", " DESC"].randomElement(using: &random)!
                let nulls = ["", " NULLS FIRST", " NULLS LAST"].randomElement(using: &random)!
                order.append(reference + direction + nulls)
            }
            order.append(Bool.random(using: &random) ? "id" : "1")
            var window = ""
            switch Int.random(in: 0..<5, using: &random) {
            case 0: window = " LIMIT \(Int.random(in: 0...30, using: &random))"
            case 1: window = " OFFSET \(Int.random(in: 0...40, using: &random))"
            case 2:
                window = " LIMIT \(Int.random(in: 0...30, using: &random)) OFFSET \(Int.random(in: 0...40, using: &random))"
            case 3:
                window =
                    " OFFSET \(Int.random(in: 0...10, using: &random)) ROWS FETCH FIRST \(Int.random(in: 1...20, using: &random)) ROWS ONLY"
            default: break
            }
            let filter = filters.randomElement(using: &random)!
            return "SELECT \(select.joined(separator: ", ")) FROM {t}\(filter) ORDER BY \(order.joined(separator: ", "))\(window)"
        }
    }

    static let summable = ["i", "b", "s", "n", "f", "r", "h", "e", "q"]
    static let comparable = ["i", "b", "s", "n", "f", "g", "r", "tx", "vc", "ch", "ts", "tz", "d", "tm", "o", "h", "e"]
    static let aggregateFilters = [
        "", " WHERE n BETWEEN -1e40 AND 1e40", " WHERE f BETWEEN -1e9 AND 1e9 AND r <> 'NaN'", " WHERE id % 5 = 1",
        " WHERE i < 0", " WHERE false", " WHERE id % 7 = 3 AND n < 1e9", " WHERE id < 40", " WHERE i BETWEEN 0 AND 2",
        " WHERE s > 0 AND f > 0", " WHERE n BETWEEN -1 AND 1",
    ]

    /// Aggregate queries over random columns and filters.
    static func generatedAggregateQueries(count: Int) -> [String] {
        var random = SeededGenerator(seed: 4242)
        return (0..<count).map { _ in
            let items = (0..<Int.random(in: 1...5, using: &random)).map { index -> String in
                let item: String
                switch Int.random(in: 0..<6, using: &random) {
                case 0: item = "count(*)"
                case 1: item = "count(\(comparable.randomElement(using: &random)!))"
                case 2: item = "sum(\(summable.randomElement(using: &random)!))"
                case 3: item = "avg(\(summable.randomElement(using: &random)!))"
                case 4: item = "min(\(comparable.randomElement(using: &random)!))"
                default: item = "max(\(comparable.randomElement(using: &random)!))"
                }
                return Bool.random(using: &random) ? "\(item) AS a\(index)" : item
            }
            return "SELECT \(items.joined(separator: ", ")) FROM {t}\(aggregateFilters.randomElement(using: &random)!)"
        }
    }

    static let queries = handWritten + generatedOrderQueries(count: 70) + generatedAggregateQueries(count: 60)

    @Test(arguments: queries.enumerated().map { ($0.offset, $0.element) })
    func mergedShardResultsEqualTheDirectResult(_ index: Int, _ query: String) throws {
        let session = try WireSession(port: try Self.port.get())
        try session.run("SET TimeZone = 'Asia/Kolkata'")
        let sql = query.replacing("{t}", with: Self.table)
        let plan = try #require(FanOutPlan(sql: sql).mergePlan, "not mergeable: \(FanOutPlan(sql: sql))")
        let window = try plan.window().get()
        let shardSQL = (0..<DifferentialData.shardCount).map {
            plan.shardSQL.replacing(Self.table, with: "\(DifferentialData.schema).t_\($0)")
        }

        // Text format, simple Query: the merger sends the RowDescription.
        let expected = try session.simple(sql)
        #expect(expected.error == nil, "\(sql): \(expected.error ?? [:])")
        let shards = try shardSQL.map { try session.simple($0) }
        for shard in shards { #expect(shard.error == nil, "\(shard.error ?? [:])") }
        for seed in [UInt64(index), UInt64(index) + 1000] {
            let merged = try MergeDriver.merge(
                shards, plan: plan, window: window, sendsRowDescription: true, interleaving: .random(seed: seed))
            self.expectSame(merged, expected, plan: plan, sql: sql)
        }
        let demandDriven = try MergeDriver.merge(
            shards, plan: plan, window: window, sendsRowDescription: true, interleaving: .demandDriven(seed: UInt64(index)))
        self.expectSame(demandDriven, expected, plan: plan, sql: sql)

        // Binary format, extended protocol: the daemon answers Describe from the plan.
        let expectedBinary = try session.extended(sql, resultFormat: 1)
        #expect(expectedBinary.error == nil, "\(sql): \(expectedBinary.error ?? [:])")
        let binaryShards = try shardSQL.map { try session.extended($0, resultFormat: 1) }
        let shardDescription = try #require(binaryShards[0].description)
        var mergedBinary = try MergeDriver.merge(
            binaryShards, plan: plan, window: window, sendsRowDescription: false, describedBy: shardDescription,
            interleaving: .random(seed: UInt64(index) + 2000))
        #expect(mergedBinary.description == nil)
        mergedBinary.description = try plan.clientRowDescription(from: shardDescription).get()
        self.expectSame(mergedBinary, expectedBinary, plan: plan, sql: sql)
    }

    /// LIMIT and OFFSET parameters: the window comes from the Bind values.
    static let parameterized: [(String, [String?])] = [
        ("SELECT id, i FROM {t} WHERE i > $3 ORDER BY i DESC, id LIMIT $1 OFFSET $2", ["5", "3", "-10"]),
        ("SELECT id, n FROM {t} ORDER BY n, id LIMIT $1 OFFSET $2", [nil, "7"]),
        ("SELECT id, n FROM {t} ORDER BY n, id LIMIT $1 OFFSET $2", ["4", nil]),
        ("SELECT id, tx FROM {t} ORDER BY tx DESC, id LIMIT 6 OFFSET $1", ["9"]),
        ("SELECT id, tx FROM {t} ORDER BY tx, id LIMIT $1 OFFSET 2", ["11"]),
        ("SELECT id, d FROM {t} ORDER BY d, id OFFSET $1", ["200"]),
        ("SELECT id, ts FROM {t} ORDER BY ts, id OFFSET $1 ROWS FETCH FIRST ($2) ROWS ONLY", ["3", "8"]),
        ("SELECT count(*), avg(i) FROM {t} WHERE i > $1 LIMIT $2", ["0", "0"]),
        ("SELECT count(*), avg(n) FROM {t} WHERE n < $1 OFFSET $2", ["1000", "0"]),
    ]

    @Test(arguments: parameterized)
    func parametersOfLimitAndOffsetComeFromTheBind(_ query: String, _ parameters: [String?]) throws {
        let session = try WireSession(port: try Self.port.get())
        let sql = query.replacing("{t}", with: Self.table)
        let plan = try #require(FanOutPlan(sql: sql).mergePlan)
        let window = try self.window(plan, parameters)
        let expected = try session.extended(sql, parameters: parameters, resultFormat: 0)
        #expect(expected.error == nil, "\(sql): \(expected.error ?? [:])")
        let shards = try (0..<DifferentialData.shardCount).map { shard in
            let text = plan.shardSQL.replacing(Self.table, with: "\(DifferentialData.schema).t_\(shard)")
            return try session.extended(text, parameters: parameters, resultFormat: 0)
        }
        for shard in shards { #expect(shard.error == nil, "\(shard.error ?? [:])") }
        var merged = try MergeDriver.merge(
            shards, plan: plan, window: window, sendsRowDescription: false, describedBy: shards[0].description,
            interleaving: .random(seed: 7))
        merged.description = try plan.clientRowDescription(from: try #require(shards[0].description)).get()
        self.expectSame(merged, expected, plan: plan, sql: sql)
    }

    /// Negative parameters fail on the shards with PostgreSQL's own errors, as on one server.
    @Test(arguments: [["-1", "2"], ["3", "-2"]])
    func negativeParametersFailOnTheShardsAsOnOneServer(_ parameters: [String]) throws {
        let session = try WireSession(port: try Self.port.get())
        let sql = "SELECT id FROM \(Self.table) ORDER BY id LIMIT $1 OFFSET $2"
        let plan = try #require(FanOutPlan(sql: sql).mergePlan)
        let expected = try session.extended(sql, parameters: parameters, resultFormat: 0)
        let shard = try session.extended(
            plan.shardSQL.replacing(Self.table, with: "\(DifferentialData.schema).t_0"),
            parameters: parameters, resultFormat: 0)
        #expect(expected.error?["C"] != nil)
        #expect(shard.error?["C"] == expected.error?["C"])
        #expect(shard.error?["M"] == expected.error?["M"])
    }

    // MARK: - Helpers

    private func window(_ plan: MergePlan, _ parameters: [String?]) throws -> RowWindow {
        let buffers = parameters.map { text in
            text.map { text in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: text.utf8.count, alignment: 1)
                buffer.copyBytes(from: text.utf8)
                return buffer
            }
        }
        defer { buffers.forEach { $0?.deallocate() } }
        return try plan.window { number in
            guard number >= 1, number <= buffers.count else { return nil }
            return ParameterValue(bytes: buffers[number - 1].map(UnsafeRawBufferPointer.init), format: .text)
        }.get()
    }

    private func expectSame(_ merged: MergedResult, _ expected: ReceivedResult, plan: MergePlan, sql: String) {
        #expect(merged.failure == nil, "\(sql): \(merged.failure?.message ?? "")")
        let mergedColumns = merged.description?.columns.map(Self.shape) ?? []
        let expectedColumns = expected.description?.columns.map(Self.shape) ?? []
        #expect(mergedColumns == expectedColumns, "\(sql)")
        #expect(merged.tag == expected.tag, "\(sql)")
        if case .rows(let keys) = plan.mode, keys.isEmpty {
            // No ORDER BY: any order is PostgreSQL's order.
            let order: ([UInt8], [UInt8]) -> Bool = { $0.lexicographicallyPrecedes($1) }
            #expect(merged.rows.sorted(by: order) == expected.rows.sorted(by: order), "\(sql)")
        } else {
            #expect(merged.rows.map(Self.values) == expected.rows.map(Self.values), "\(sql)")
            #expect(merged.rows == expected.rows, "\(sql)")
        }
    }

    /// A column as the client sees it, without the table OID, which differs between shard tables.
    private static func shape(_ column: BackendMessage.RowDescription.Column) -> String {
        "\(column.name) #\(column.columnNumber) type \(column.typeOID)/\(column.typeSize)/\(column.typeModifier) format \(column.format)"
    }

    /// A row's values, readable in failure messages (binary values as their bytes).
    private static func values(_ frame: [UInt8]) -> [String] {
        guard let row = try? ShardRow(frame: frame) else { return ["malformed"] }
        var writer = [String]()
        var reader = frame[7...]
        for _ in 0..<row.columnCount {
            let length = reader.prefix(4).reduce(Int32(0)) { $0 << 8 | Int32($1) }
            reader = reader.dropFirst(4)
            guard length >= 0 else {
                writer.append("NULL")
                continue
            }
            let value = reader.prefix(Int(length))
            reader = reader.dropFirst(Int(length))
            writer.append(String(validating: value, as: UTF8.self) ?? value.map { String($0) }.joined(separator: " "))
        }
        return writer
    }
}
