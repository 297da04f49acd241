// PendingShardTests: finishing a parameter-keyed decision at Bind with the parameter values.

import SwitchyardRouting
import SwitchyardSQL
import Testing

/// The daemon decides a prepared statement once at Parse and completes the shard at each Bind.
/// Expected shards are PostgreSQL 15's hash-partition placements (MODULUS 2): 0 and 42 in
/// remainder 0; -1, 3, 6 in remainder 1; NULL in remainder 0.
@Suite struct PendingShardTests {
    enum Value {
        case null
        case text(String)
        case binary([UInt8], UInt32)
    }

    private func resolve(_ sql: String, _ values: [Value]) -> Result<RouteDecision, RoutingError> {
        guard case .success(let decision) = Fixtures.router.decide(sql: sql, database: "app") else {
            Issue.record("\(sql) did not route")
            return .failure(RoutingError(sqlState: "", message: ""))
        }
        // Bind values live in the daemon's receive buffer during the call; here, in buffers
        // that outlive it.
        let buffers = values.map { value -> UnsafeMutableRawBufferPointer? in
            let bytes: [UInt8]
            switch value {
            case .null: return nil
            case .text(let text): bytes = Array(text.utf8)
            case .binary(let binary, _): bytes = binary
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        defer { for buffer in buffers { buffer?.deallocate() } }
        return decision.resolvingShards { number in
            guard number >= 1, number <= values.count else { return nil }
            let bytes = buffers[number - 1].map { UnsafeRawBufferPointer($0) }
            switch values[number - 1] {
            case .null, .text: return ParameterValue(bytes: bytes, format: .text)
            case .binary(_, let oid): return ParameterValue(bytes: bytes, format: .binary, typeOID: oid)
            }
        }
    }

    private func decision(
        _ kind: RouteDecision.Kind, _ shards: ShardRoute, cluster: String?, reason: String
    ) -> Result<RouteDecision, RoutingError> {
        .success(
            RouteDecision(
                database: "app", kind: kind, target: kind == .read ? .replica : .primary, cluster: cluster,
                shards: shards,
                tables: ["orders"], reason: reason))
    }

    @Test func readsResolveToTheParametersShard() {
        let sql = "SELECT * FROM orders WHERE customer_id = $1"
        #expect(
            self.resolve(sql, [.text("3")])
                == self.decision(.read, .one(Shard.orders(1)), cluster: "shard1", reason: "plain SELECT"))
        #expect(
            self.resolve(sql, [.text("42")])
                == self.decision(.read, .one(Shard.orders(0)), cluster: "shard0", reason: "plain SELECT"))
        #expect(
            self.resolve(sql, [.binary([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 20)])
                == self.decision(.read, .one(Shard.orders(1)), cluster: "shard1", reason: "plain SELECT"))
        #expect(
            self.resolve(sql, [.binary([0, 0, 0, 6], 23)])
                == self.decision(.read, .one(Shard.orders(1)), cluster: "shard1", reason: "plain SELECT"))
        #expect(
            self.resolve(sql, [.null])
                == self.decision(.read, .one(Shard.orders(0)), cluster: "shard0", reason: "plain SELECT"))
    }

    @Test func unusableValuesSendReadsEverywhere() {
        let sql = "SELECT * FROM orders WHERE customer_id = $1"
        let everywhere = self.decision(
            .read, .several([Shard.orders(0), Shard.orders(1)]), cluster: nil, reason: "plain SELECT")
        #expect(self.resolve(sql, [.text("x")]) == everywhere)
        #expect(self.resolve(sql, [.binary([1, 2, 3], 0)]) == everywhere)
        #expect(self.resolve(sql, []) == everywhere)
    }

    @Test func unusableValuesFailWrites() {
        let sql = "DELETE FROM orders WHERE customer_id = $1"
        let missing = Result<RouteDecision, RoutingError>.failure(
            RoutingError(
                sqlState: RoutingError.Code.featureNotSupported,
                message: #"sharded write on "orders" needs the shard key "customer_id""#))
        #expect(self.resolve(sql, [.text("x")]) == missing)
        #expect(self.resolve(sql, []) == missing)
        #expect(
            self.resolve(sql, [.text("6")])
                == self.decision(.write, .one(Shard.orders(1)), cluster: "shard1", reason: "DELETE"))
    }

    @Test func severalValuesUniteTheirShards() {
        #expect(
            self.resolve("SELECT * FROM orders WHERE customer_id IN ($1, 3)", [.text("0")])
                == self.decision(
                    .read, .several([Shard.orders(0), Shard.orders(1)]), cluster: nil, reason: "plain SELECT"))
        #expect(
            self.resolve("SELECT * FROM orders WHERE customer_id IN ($1, 3)", [.text("6")])
                == self.decision(.read, .one(Shard.orders(1)), cluster: "shard1", reason: "plain SELECT"))
        #expect(
            self.resolve(
                "INSERT INTO orders (customer_id, n) VALUES ($1, $2), ($3, $4)",
                [.text("3"), .text("x"), .text("6"), .text("y")])
                == self.decision(.write, .one(Shard.orders(1)), cluster: "shard1", reason: "INSERT"))
        #expect(
            self.resolve(
                "INSERT INTO orders (customer_id, n) VALUES ($1, $2), ($3, $4)",
                [.text("3"), .text("x"), .text("0"), .text("y")])
                == self.decision(.write, .several([Shard.orders(0), Shard.orders(1)]), cluster: nil, reason: "INSERT"))
    }

    @Test func decisionsWithoutParametersAreUnchanged() throws {
        let decision = try Fixtures.router.decide(sql: "SELECT * FROM orders WHERE customer_id = 3", database: "app")
            .get()
        #expect(decision.resolvingShards { _ in nil } == .success(decision))
    }

    @Test func pendingDecisionsNameTheirParameters() throws {
        let decision = try Fixtures.router.decide(
            sql: "UPDATE orders SET n = $1 WHERE customer_id IN ($2, 5, $3)", database: "app"
        ).get()
        guard case .pending(let pending) = decision.shards else {
            Issue.record("expected a pending shard choice")
            return
        }
        #expect(pending.parameterNumbers == [2, 3])
        #expect(decision.shard == nil && decision.shardIndices == nil && decision.cluster == nil)
    }
}
