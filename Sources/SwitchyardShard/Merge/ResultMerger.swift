// ResultMerger: turns the results of one statement on several shards into the one result the client expects.

import SwitchyardWire

/// Merges the shards' answers to a fan-out SELECT, fed message by message in whatever order
/// they arrive, into one RowDescription, the DataRows in order and one `SELECT n`
/// CommandComplete (SPEC §3 "Sharding").
///
/// - Without ORDER BY, rows pass through as they come (streaming, nothing buffered).
/// - With ORDER BY, it is a k-way merge: a row goes out once every shard still running has
///   a row buffered, so the shard that is behind decides what to read next (`needsRows(from:)`).
///   Ties keep shard order.
/// - OFFSET rows are skipped and LIMIT rows sent after the merge; after the last one
///   (`isSatisfied`), further rows are dropped and the daemon may cancel the shards and call
///   `finishAfterLimit()`.
/// - Aggregates wait for every shard's one row and send one combined row.
///
/// Errors sent by shards are not the merger's business: the daemon reports them and drops the
/// merger. The merger's own failures (`.fail`) end it; later events return nothing.
package struct ResultMerger: Sendable {
    package enum Action: Equatable, Sendable {
        /// The client's RowDescription (only when the merger sends it; see `init`).
        case sendRowDescription(BackendMessage.RowDescription)
        /// A complete DataRow message.
        case sendDataRow([UInt8])
        case sendCommandComplete(BackendMessage.CommandComplete)
        /// Report this error instead of the result (after any rows already sent).
        case fail(MergeError)
    }

    private enum State: Sendable {
        /// No RowDescription yet.
        case awaitingDescription
        case merging(MergeLayout, Body)
        /// CommandComplete was sent.
        case finished
        /// A failure was reported.
        case failed
        /// Only while an event updates the buffers: the state gives up its reference to them so
        /// they are mutated in place instead of copied.
        case modifying
    }

    /// What the merge keeps between events.
    private enum Body: Sendable {
        case concatenating
        case sorting(SortBuffer)
        /// Each shard's one row, when it has come.
        case aggregating([ShardRow?])
    }

    private let plan: MergePlan
    private let shardCount: Int
    private let window: RowWindow
    private let sendsRowDescription: Bool
    private var state: State = .awaitingDescription
    private var completedShards: [Bool]
    private var skippedRows: Int64 = 0
    private var sentRows: Int64 = 0

    /// - Parameters:
    ///   - shardCount: the shards the statement runs on; events name them `0..<shardCount`.
    ///   - window: from `MergePlan.window(parameters:)`.
    ///   - sendsRowDescription: `true` for a simple Query, whose result starts with a
    ///     RowDescription; `false` after an extended-protocol Describe, which the daemon answers
    ///     itself with `MergePlan.clientRowDescription(from:)` (it must still pass the shards'
    ///     description to `rowDescriptionReceived` before the rows).
    package init(plan: MergePlan, shardCount: Int, window: RowWindow = .all, sendsRowDescription: Bool = true) {
        precondition(shardCount > 0, "a fan-out runs on at least one shard")
        self.plan = plan
        self.shardCount = shardCount
        self.window = window
        self.sendsRowDescription = sendsRowDescription
        self.completedShards = Array(repeating: false, count: shardCount)
    }

    /// Whether LIMIT rows have been sent (the RowDescription too): the rest of the shards' rows
    /// will be dropped.
    package var isSatisfied: Bool {
        guard let limit = self.window.limit, self.sentRows >= limit else { return false }
        switch self.state {
        case .merging, .finished, .failed, .modifying: return true
        case .awaitingDescription: return false
        }
    }

    /// Whether reading more from `shard` can let the merge go on. With ORDER BY, a shard with a
    /// row buffered is not needed until the others catch up (reading it anyway only buffers).
    package func needsRows(from shard: Int) -> Bool {
        guard !self.completedShards[shard], !self.isSatisfied else { return false }
        switch self.state {
        case .awaitingDescription: return true
        case .merging(_, .sorting(let buffer)): return buffer.isEmpty(shard)
        case .merging(_, .concatenating), .merging(_, .aggregating): return true
        case .finished, .failed: return false
        case .modifying: preconditionFailure("the merger is not observed during an event")
        }
    }

    // MARK: - Events

    /// A shard's RowDescription (every shard sends one for a simple Query; pass at least one
    /// before any DataRow).
    package mutating func rowDescriptionReceived(shard: Int, _ description: BackendMessage.RowDescription) -> [Action] {
        switch self.state {
        case .awaitingDescription:
            switch MergeLayout.make(plan: self.plan, shardDescription: description) {
            case .failure(let error):
                return self.fail(error)
            case .success(let layout):
                let body: Body
                switch layout.mode {
                case .rows(let sortColumns) where sortColumns.isEmpty: body = .concatenating
                case .rows: body = .sorting(SortBuffer(shardCount: self.shardCount))
                case .aggregate: body = .aggregating(Array(repeating: nil, count: self.shardCount))
                }
                self.state = .merging(layout, body)
                return self.sendsRowDescription ? [.sendRowDescription(layout.clientDescription)] : []
            }
        case .merging(let layout, _):
            guard layout.isCompatible(with: description) else {
                return self.fail(.unexpected("shard \(shard) returned other columns than the other shards"))
            }
            return []
        case .finished, .failed:
            return []
        case .modifying:
            preconditionFailure("events do not nest")
        }
    }

    /// A shard's DataRow.
    package mutating func dataRowReceived(shard: Int, _ row: ShardRow) -> [Action] {
        switch self.state {
        case .awaitingDescription:
            return self.fail(.unexpected("shard \(shard) sent a row before any RowDescription"))
        case .finished, .failed:
            return []
        case .modifying:
            preconditionFailure("events do not nest")
        case .merging(let layout, _) where row.columnCount != layout.shardDescription.columns.count:
            return self.fail(.unexpected("shard \(shard) sent a row of \(row.columnCount) columns"))
        case .merging where self.isSatisfied:
            return []
        case .merging(_, .concatenating):
            return self.admit() ? [.sendDataRow(row.frame)] : []
        case .merging(let layout, .sorting(var buffer)):
            guard case .rows(let sortColumns) = layout.mode else { preconditionFailure("a sorting merge has sort columns") }
            guard let entry = SortBuffer.Entry(row: row, columns: sortColumns) else {
                return self.fail(.unexpected("shard \(shard) sent a value its column type cannot hold"))
            }
            self.state = .modifying
            buffer.append(entry, shard: shard)
            var actions: [Action] = []
            self.drain(&buffer, sortColumns: sortColumns, into: &actions)
            self.state = .merging(layout, .sorting(buffer))
            return actions
        case .merging(let layout, .aggregating(var rows)):
            guard rows[shard] == nil else {
                return self.fail(.unexpected("shard \(shard) returned more than one row for an aggregate"))
            }
            rows[shard] = row
            self.state = .merging(layout, .aggregating(rows))
            return []
        }
    }

    /// A shard's CommandComplete: its rows are all in.
    package mutating func commandCompleteReceived(shard: Int) -> [Action] {
        self.completedShards[shard] = true
        switch self.state {
        case .awaitingDescription:
            // Only a shard that sent no rows can complete before any description.
            return self.completedShards.allSatisfy { $0 } ? self.complete() : []
        case .finished, .failed:
            return []
        case .modifying:
            preconditionFailure("events do not nest")
        case .merging(let layout, .sorting(var buffer)):
            guard case .rows(let sortColumns) = layout.mode else { preconditionFailure("a sorting merge has sort columns") }
            self.state = .modifying
            var actions: [Action] = []
            self.drain(&buffer, sortColumns: sortColumns, into: &actions)
            self.state = .merging(layout, .sorting(buffer))
            if self.completedShards.allSatisfy({ $0 }) { actions += self.complete() }
            return actions
        case .merging(_, .concatenating):
            return self.completedShards.allSatisfy { $0 } ? self.complete() : []
        case .merging(let layout, .aggregating(let rows)):
            guard self.completedShards.allSatisfy({ $0 }) else { return [] }
            guard case .aggregate(let columns) = layout.mode else {
                preconditionFailure("an aggregating merge has aggregate columns")
            }
            let arrived = rows.compactMap { $0 }
            // No row at all: the shards ran under LIMIT 0.
            guard !arrived.isEmpty else { return self.complete() }
            switch AggregateCombiner.combine(arrived, columns: columns) {
            case .failure(let error):
                return self.fail(error)
            case .success(let frame):
                var actions: [Action] = self.admit() ? [.sendDataRow(frame)] : []
                actions += self.complete()
                return actions
            }
        }
    }

    /// After `isSatisfied`, ends the result without waiting for the shards (which the daemon
    /// cancels or drains and ignores). Returns nothing if LIMIT rows have not all been sent.
    package mutating func finishAfterLimit() -> [Action] {
        switch self.state {
        case .merging where self.isSatisfied: return self.complete()
        case .merging, .awaitingDescription, .finished, .failed: return []
        case .modifying: preconditionFailure("events do not nest")
        }
    }

    // MARK: - Output

    /// Whether the next merged row goes to the client (OFFSET skips, LIMIT stops).
    private mutating func admit() -> Bool {
        if self.skippedRows < self.window.offset {
            self.skippedRows += 1
            return false
        }
        guard !self.isSatisfied else { return false }
        self.sentRows += 1
        return true
    }

    /// Sends the smallest buffered row while every shard still running has one.
    private mutating func drain(_ buffer: inout SortBuffer, sortColumns: [MergeLayout.SortColumn], into actions: inout [Action]) {
        while !self.isSatisfied {
            for shard in 0..<self.shardCount where !self.completedShards[shard] && buffer.isEmpty(shard) {
                return
            }
            guard let entry = buffer.popSmallest(sortColumns: sortColumns) else { return }
            if self.admit() { actions.append(.sendDataRow(entry.row.frame)) }
        }
    }

    private mutating func complete() -> [Action] {
        self.state = .finished
        return [.sendCommandComplete(BackendMessage.CommandComplete(tag: "SELECT \(self.sentRows)"))]
    }

    private mutating func fail(_ error: MergeError) -> [Action] {
        self.state = .failed
        return [.fail(error)]
    }
}
