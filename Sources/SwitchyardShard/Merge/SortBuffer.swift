// SortBuffer: the rows each shard has sent ahead of the k-way merge, with their sort keys decoded once.

/// Per-shard queues of rows waiting for the merge. Each shard's rows arrive already sorted (the
/// shard ran the same ORDER BY), so the next merged row is the smallest queue head.
struct SortBuffer: Sendable {
    /// A buffered row and its sort-key values (`nil` for NULL).
    struct Entry: Sendable {
        var row: ShardRow
        var keys: [SortValue?]

        /// `nil` when a key's bytes are not a value of its column's type.
        init?(row: ShardRow, columns: [MergeLayout.SortColumn]) {
            var keys: [SortValue?] = []
            keys.reserveCapacity(columns.count)
            for column in columns {
                guard let bytes = row.value(column.index) else {
                    keys.append(nil)
                    continue
                }
                guard let value = SortValue(bytes, type: column.type, isBinary: column.isBinary) else { return nil }
                keys.append(value)
            }
            self.row = row
            self.keys = keys
        }
    }

    private var queues: [[Entry]]
    /// The index of each queue's first unconsumed entry (consumed entries are dropped in batches).
    private var heads: [Int]

    init(shardCount: Int) {
        self.queues = Array(repeating: [], count: shardCount)
        self.heads = Array(repeating: 0, count: shardCount)
    }

    func isEmpty(_ shard: Int) -> Bool {
        self.heads[shard] == self.queues[shard].count
    }

    mutating func append(_ entry: Entry, shard: Int) {
        self.queues[shard].append(entry)
    }

    /// Removes and returns the smallest head; ties go to the lowest shard.
    mutating func popSmallest(sortColumns: [MergeLayout.SortColumn]) -> Entry? {
        var best: Int?
        for shard in self.queues.indices where !self.isEmpty(shard) {
            guard let current = best else {
                best = shard
                continue
            }
            let candidate = self.queues[shard][self.heads[shard]]
            let leader = self.queues[current][self.heads[current]]
            if Self.compare(candidate, leader, sortColumns: sortColumns) < 0 { best = shard }
        }
        guard let shard = best else { return nil }
        let entry = self.queues[shard][self.heads[shard]]
        self.heads[shard] += 1
        if self.heads[shard] == self.queues[shard].count {
            self.queues[shard].removeAll(keepingCapacity: true)
            self.heads[shard] = 0
        } else if self.heads[shard] >= 1024, self.heads[shard] * 2 >= self.queues[shard].count {
            self.queues[shard].removeFirst(self.heads[shard])
            self.heads[shard] = 0
        }
        return entry
    }

    /// ORDER BY comparison of two rows: key by key, NULLs placed by NULLS FIRST/LAST (which
    /// does not flip with DESC), values by their type's order, reversed for DESC.
    static func compare(_ a: Entry, _ b: Entry, sortColumns: [MergeLayout.SortColumn]) -> Int {
        for (index, column) in sortColumns.enumerated() {
            let result: Int
            switch (a.keys[index], b.keys[index]) {
            case (nil, nil):
                continue
            case (nil, _):
                result = column.nullsFirst ? -1 : 1
            case (_, nil):
                result = column.nullsFirst ? 1 : -1
            case (let x?, let y?):
                let order = SortValue.compare(x, y)
                result = column.isDescending ? -order : order
            }
            if result != 0 { return result }
        }
        return 0
    }
}
