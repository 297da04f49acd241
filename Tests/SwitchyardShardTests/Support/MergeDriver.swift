// MergeDriver: feeds shard results to a ResultMerger in a chosen interleaving and collects what it sends.

import SwitchyardShard
import SwitchyardWire

/// What a merger sent, as a client would see it.
struct MergedResult {
    var description: BackendMessage.RowDescription?
    var rows: [[UInt8]] = []
    var tag: String?
    var failure: MergeError?
}

enum MergeDriver {
    enum Event {
        case description(BackendMessage.RowDescription)
        case row([UInt8])
        case complete
    }

    /// How shard messages reach the merger.
    enum Interleaving {
        /// A random shard's next message each time.
        case random(seed: UInt64)
        /// Only shards the merger `needsRows(from:)`; once `isSatisfied`, stop and
        /// `finishAfterLimit()`, as a daemon that cancels the shards would.
        case demandDriven(seed: UInt64)
    }

    static func events(of result: ReceivedResult) -> [Event] {
        var events: [Event] = []
        if let description = result.description { events.append(.description(description)) }
        events += result.rows.map(Event.row)
        events.append(.complete)
        return events
    }

    static func merge(
        _ shards: [ReceivedResult], plan: MergePlan, window: RowWindow, sendsRowDescription: Bool,
        describedBy description: BackendMessage.RowDescription? = nil, interleaving: Interleaving
    ) throws -> MergedResult {
        var merger = ResultMerger(
            plan: plan, shardCount: shards.count, window: window, sendsRowDescription: sendsRowDescription)
        var merged = MergedResult()
        func apply(_ actions: [ResultMerger.Action]) {
            for action in actions {
                switch action {
                case .sendRowDescription(let description): merged.description = description
                case .sendDataRow(let frame): merged.rows.append(frame)
                case .sendCommandComplete(let complete): merged.tag = complete.tag
                case .fail(let error): merged.failure = error
                }
            }
        }
        if let description { apply(merger.rowDescriptionReceived(shard: 0, description)) }
        var queues = shards.map(Self.events)
        var positions = Array(repeating: 0, count: shards.count)
        let seed: UInt64
        let isDemandDriven: Bool
        switch interleaving {
        case .random(let value): (seed, isDemandDriven) = (value, false)
        case .demandDriven(let value): (seed, isDemandDriven) = (value, true)
        }
        var random = SeededGenerator(seed: seed)
        while merged.tag == nil, merged.failure == nil {
            if isDemandDriven, merger.isSatisfied {
                apply(merger.finishAfterLimit())
                break
            }
            var candidates = (0..<shards.count).filter { positions[$0] < queues[$0].count }
            if isDemandDriven {
                // A shard's RowDescription and CommandComplete are always read; rows only on demand.
                let wanted = candidates.filter { shard in
                    if case .row = queues[shard][positions[shard]] { return merger.needsRows(from: shard) }
                    return true
                }
                if !wanted.isEmpty { candidates = wanted }
            }
            guard let shard = candidates.randomElement(using: &random) else { break }
            let event = queues[shard][positions[shard]]
            positions[shard] += 1
            switch event {
            case .description(let description):
                apply(merger.rowDescriptionReceived(shard: shard, description))
            case .row(let frame):
                apply(merger.dataRowReceived(shard: shard, try ShardRow(frame: frame)))
            case .complete:
                apply(merger.commandCompleteReceived(shard: shard))
            }
        }
        queues.removeAll()
        return merged
    }
}
