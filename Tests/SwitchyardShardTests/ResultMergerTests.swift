// ResultMergerTests: merger transcripts — streaming, k-way merge, LIMIT/OFFSET, aggregates, failures.

import SwitchyardShard
import SwitchyardWire
import Testing

@Suite struct ResultMergerTests {
    typealias Column = BackendMessage.RowDescription.Column

    static let int4 = Column(name: "n", typeOID: 23, typeSize: 4)
    static let text = Column(name: "t", typeOID: 25, typeSize: -1)

    static func description(_ columns: Column...) -> BackendMessage.RowDescription {
        BackendMessage.RowDescription(columns: columns)
    }

    static func row(_ values: String?...) -> ShardRow {
        ShardRow(BackendMessage.DataRow(texts: values))
    }

    static func send(_ values: String?...) -> ResultMerger.Action {
        .sendDataRow(ShardRow(BackendMessage.DataRow(texts: values)).frame)
    }

    static func complete(_ count: Int) -> ResultMerger.Action {
        .sendCommandComplete(BackendMessage.CommandComplete(tag: "SELECT \(count)"))
    }

    static func plan(_ sql: String) throws -> MergePlan {
        try #require(FanOutPlan(sql: sql).mergePlan)
    }

    @Test func concatenationStreamsRowsAsTheyArrive() throws {
        let description = Self.description(Self.int4, Self.text)
        var merger = ResultMerger(plan: try Self.plan("SELECT n, t FROM x"), shardCount: 2)
        #expect(merger.rowDescriptionReceived(shard: 1, description) == [.sendRowDescription(description)])
        #expect(merger.dataRowReceived(shard: 1, Self.row("2", "b")) == [Self.send("2", "b")])
        #expect(merger.rowDescriptionReceived(shard: 0, description) == [])
        #expect(merger.dataRowReceived(shard: 0, Self.row("1", nil)) == [Self.send("1", nil)])
        #expect(merger.commandCompleteReceived(shard: 0) == [])
        #expect(merger.needsRows(from: 1))
        #expect(!merger.needsRows(from: 0))
        #expect(merger.commandCompleteReceived(shard: 1) == [Self.complete(2)])
        #expect(merger.dataRowReceived(shard: 1, Self.row("3", "c")) == [])
    }

    @Test func sortedMergeSendsARowOnceEveryShardHasOne() throws {
        let description = Self.description(Self.int4)
        var merger = ResultMerger(plan: try Self.plan("SELECT n FROM x ORDER BY n"), shardCount: 2)
        #expect(merger.rowDescriptionReceived(shard: 0, description) == [.sendRowDescription(description)])
        #expect(merger.dataRowReceived(shard: 0, Self.row("5")) == [])
        // Shard 0 is ahead: only shard 1 can let the merge go on.
        #expect(!merger.needsRows(from: 0))
        #expect(merger.needsRows(from: 1))
        #expect(merger.rowDescriptionReceived(shard: 1, description) == [])
        #expect(merger.dataRowReceived(shard: 1, Self.row("3")) == [Self.send("3")])
        #expect(merger.dataRowReceived(shard: 1, Self.row("5")) == [Self.send("5")])
        // Shard 0's buffer is empty again: nothing can go until it sends or completes.
        #expect(merger.dataRowReceived(shard: 1, Self.row("9")) == [])
        #expect(merger.commandCompleteReceived(shard: 1) == [])
        #expect(merger.dataRowReceived(shard: 0, Self.row("8")) == [Self.send("5"), Self.send("8")])
        #expect(merger.commandCompleteReceived(shard: 0) == [Self.send("9"), Self.complete(5)])
    }

    /// PostgreSQL's defaults: NULLs sort as larger than any value, so last in ASC and first in
    /// DESC; NULLS FIRST/LAST overrides either.
    @Test(arguments: [
        ("SELECT n FROM x ORDER BY n", ["1", "2", "3", "4", nil]),
        ("SELECT n FROM x ORDER BY n DESC", [nil, "4", "3", "2", "1"]),
        ("SELECT n FROM x ORDER BY n NULLS FIRST", [nil, "1", "2", "3", "4"]),
        ("SELECT n FROM x ORDER BY n DESC NULLS LAST", ["4", "3", "2", "1", nil]),
    ] as [(String, [String?])])
    func nullsSortWherePostgreSQLPutsThem(_ sql: String, _ expected: [String?]) throws {
        let plan = try Self.plan(sql)
        let isDescending = sql.contains("DESC")
        var merger = ResultMerger(plan: plan, shardCount: 2)
        var sent: [ResultMerger.Action] = merger.rowDescriptionReceived(shard: 0, Self.description(Self.int4))
        // Each shard's rows in the shard's own (correct) order.
        let shard0: [String?] = isDescending ? ["4", "2"] : ["2", "4"]
        let shard1: [String?] = isDescending ? ["3", "1"] : ["1", "3"]
        let nullsFirst = expected[0] == nil
        for value in (nullsFirst ? [nil] + shard0 : shard0 + [nil]) { sent += merger.dataRowReceived(shard: 0, Self.row(value)) }
        for value in shard1 { sent += merger.dataRowReceived(shard: 1, Self.row(value)) }
        sent += merger.commandCompleteReceived(shard: 0)
        sent += merger.commandCompleteReceived(shard: 1)
        let rows = sent.dropFirst().dropLast()
        #expect(Array(rows) == expected.map { Self.send($0) })
        #expect(sent.last == Self.complete(5))
    }

    @Test func offsetAndLimitApplyAfterTheMerge() throws {
        var merger = ResultMerger(
            plan: try Self.plan("SELECT t FROM x LIMIT 2 OFFSET 1"), shardCount: 2, window: RowWindow(offset: 1, limit: 2))
        _ = merger.rowDescriptionReceived(shard: 0, Self.description(Self.text))
        #expect(!merger.isSatisfied)
        #expect(merger.dataRowReceived(shard: 0, Self.row("a")) == [])
        #expect(merger.dataRowReceived(shard: 1, Self.row("b")) == [Self.send("b")])
        #expect(merger.dataRowReceived(shard: 0, Self.row("c")) == [Self.send("c")])
        #expect(merger.isSatisfied)
        #expect(!merger.needsRows(from: 1))
        #expect(merger.dataRowReceived(shard: 1, Self.row("d")) == [])
        #expect(merger.finishAfterLimit() == [Self.complete(2)])
        #expect(merger.commandCompleteReceived(shard: 0) == [])
    }

    @Test func finishAfterLimitWaitsForTheLimit() throws {
        var merger = ResultMerger(plan: try Self.plan("SELECT t FROM x LIMIT 0"), shardCount: 2, window: RowWindow(limit: 0))
        // Satisfied only once the RowDescription is out: the client still needs it.
        #expect(!merger.isSatisfied)
        #expect(merger.finishAfterLimit() == [])
        let description = Self.description(Self.text)
        #expect(merger.rowDescriptionReceived(shard: 0, description) == [.sendRowDescription(description)])
        #expect(merger.isSatisfied)
        #expect(merger.finishAfterLimit() == [Self.complete(0)])
    }

    @Test func aggregatesCombineWithPostgreSQLsTypesAndNulls() throws {
        let plan = try Self.plan("SELECT count(*), sum(i), sum(n), min(t), max(t), avg(i) FROM x")
        // What the shards describe for `count(*), sum(i), sum(n), min(t), max(t), sum(i), count(i)`.
        let shardDescription = Self.description(
            Column(name: "count", typeOID: 20, typeSize: 8), Column(name: "sum", typeOID: 20, typeSize: 8),
            Column(name: "sum", typeOID: 1700, typeSize: -1), Column(name: "min", typeOID: 25, typeSize: -1),
            Column(name: "max", typeOID: 25, typeSize: -1), Column(name: "sum", typeOID: 20, typeSize: 8),
            Column(name: "count", typeOID: 20, typeSize: 8))
        var clientColumns = Array(shardDescription.columns[0..<5])
        // avg(int4) is numeric (pg_aggregate: int8_avg's result type).
        clientColumns.append(Column(name: "avg", typeOID: 1700, typeSize: -1))
        var merger = ResultMerger(plan: plan, shardCount: 3)
        #expect(
            merger.rowDescriptionReceived(shard: 2, shardDescription)
                == [.sendRowDescription(BackendMessage.RowDescription(columns: clientColumns))])
        #expect(merger.dataRowReceived(shard: 0, Self.row("3", nil, "1.50", "b", "b", "4", "2")) == [])
        #expect(merger.dataRowReceived(shard: 1, Self.row("2", nil, "-0.5", "a", "c", "5", "1")) == [])
        #expect(merger.dataRowReceived(shard: 2, Self.row("0", nil, nil, nil, nil, nil, "0")) == [])
        #expect(merger.commandCompleteReceived(shard: 0) == [])
        #expect(merger.commandCompleteReceived(shard: 2) == [])
        // 9 / 3 at select_div_scale's 16 digits, as `SELECT avg(x) FROM (VALUES (1), (3), (5)) v(x)` prints.
        #expect(
            merger.commandCompleteReceived(shard: 1)
                == [Self.send("5", nil, "1.00", "a", "c", "3.0000000000000000"), Self.complete(1)])
    }

    @Test func aggregatesOverNoRowsAreZeroAndNull() throws {
        let plan = try Self.plan("SELECT count(x), avg(x), 'k' AS label FROM x")
        let description = Self.description(
            Column(name: "count", typeOID: 20, typeSize: 8), Column(name: "sum", typeOID: 1700, typeSize: -1),
            Column(name: "count", typeOID: 20, typeSize: 8), Column(name: "label", typeOID: 25, typeSize: -1))
        var merger = ResultMerger(plan: plan, shardCount: 2, sendsRowDescription: false)
        #expect(merger.rowDescriptionReceived(shard: 0, description) == [])
        _ = merger.dataRowReceived(shard: 0, Self.row("0", nil, "0", "k"))
        _ = merger.dataRowReceived(shard: 1, Self.row("0", nil, "0", "k"))
        _ = merger.commandCompleteReceived(shard: 1)
        #expect(merger.commandCompleteReceived(shard: 0) == [Self.send("0", nil, "k"), Self.complete(1)])
    }

    @Test func aggregateUnderLimitZeroSendsNoRow() throws {
        let plan = try Self.plan("SELECT count(*) FROM x LIMIT 0")
        var merger = ResultMerger(plan: plan, shardCount: 2, window: RowWindow(limit: 0))
        _ = merger.rowDescriptionReceived(shard: 0, Self.description(Column(name: "count", typeOID: 20, typeSize: 8)))
        _ = merger.commandCompleteReceived(shard: 0)
        #expect(merger.commandCompleteReceived(shard: 1) == [Self.complete(0)])
    }

    @Test func namedSortKeysAreFoundInTheRowDescription() throws {
        // `SELECT *, n * 2 ... ORDER BY t DESC, n * 2`: t by name, n * 2 as the last column.
        let plan = try Self.plan("SELECT *, n * 2 FROM x ORDER BY t DESC, n * 2")
        let description = Self.description(Self.int4, Self.text, Column(name: "?column?", typeOID: 23, typeSize: 4))
        var merger = ResultMerger(plan: plan, shardCount: 2)
        _ = merger.rowDescriptionReceived(shard: 0, description)
        #expect(merger.dataRowReceived(shard: 0, Self.row("1", "b", "4")) == [])
        #expect(merger.dataRowReceived(shard: 1, Self.row("9", "b", "2")) == [Self.send("9", "b", "2")])
        #expect(merger.commandCompleteReceived(shard: 1) == [Self.send("1", "b", "4")])
    }

    static let failures: [(String, BackendMessage.RowDescription, String)] = [
        (
            "SELECT * FROM x ORDER BY missing", description(int4),
            "cannot merge results of several shards: ORDER BY \"missing\" is not an output column"
        ),
        ("SELECT * FROM x ORDER BY 3", description(int4), "cannot merge results of several shards: ORDER BY 3 is not an output column"),
        (
            "SELECT i FROM x ORDER BY 1", description(Column(name: "i", typeOID: 1186, typeSize: 16)),
            "cannot merge results of several shards: cannot order values of type OID 1186 (column \"i\")"
        ),
        (
            "SELECT sum(i) FROM x", description(Column(name: "sum", typeOID: 1186, typeSize: 16)),
            "cannot merge results of several shards: cannot add up sums of type OID 1186"
        ),
    ]

    @Test(arguments: failures)
    func columnsTheMergeCannotHandleFailIt(_ sql: String, _ description: BackendMessage.RowDescription, _ message: String) throws {
        var merger = ResultMerger(plan: try Self.plan(sql), shardCount: 2)
        let actions = merger.rowDescriptionReceived(shard: 0, description)
        #expect(actions.map(\.failureMessage) == [message])
        #expect(merger.dataRowReceived(shard: 0, Self.row("1")) == [])
    }

    @Test func shardsThatDisagreeFailTheMerge() throws {
        var merger = ResultMerger(plan: try Self.plan("SELECT n FROM x ORDER BY 1"), shardCount: 2)
        _ = merger.rowDescriptionReceived(shard: 0, Self.description(Self.int4))
        #expect(
            merger.rowDescriptionReceived(shard: 1, Self.description(Self.text)).map(\.failureMessage)
                == ["shard 1 returned other columns than the other shards"])

        var early = ResultMerger(plan: try Self.plan("SELECT n FROM x"), shardCount: 2)
        #expect(early.dataRowReceived(shard: 0, Self.row("1")).map(\.failureMessage) == ["shard 0 sent a row before any RowDescription"])

        var unreadable = ResultMerger(plan: try Self.plan("SELECT n FROM x ORDER BY 1"), shardCount: 2)
        _ = unreadable.rowDescriptionReceived(shard: 0, Self.description(Self.int4))
        #expect(
            unreadable.dataRowReceived(shard: 1, Self.row("x1")).map(\.failureMessage)
                == ["shard 1 sent a value its column type cannot hold"])
        #expect(unreadable.commandCompleteReceived(shard: 0) == [])
    }

    @Test func malformedFramesAreRefused() {
        let good = ShardRow(BackendMessage.DataRow(texts: ["1"])).frame
        var wrongLength = good
        wrongLength[4] &+= 1
        #expect(throws: MergeError.self) { try ShardRow(frame: wrongLength) }
        #expect(throws: MergeError.self) { try ShardRow(frame: Array(good.dropLast())) }
        #expect(throws: MergeError.self) { try ShardRow(frame: [0x43] + good.dropFirst()) }
        #expect((try? ShardRow(frame: good))?.columnCount == 1)
    }
}

extension ResultMerger.Action {
    var failureMessage: String? {
        if case .fail(let error) = self { return error.message }
        return nil
    }
}
