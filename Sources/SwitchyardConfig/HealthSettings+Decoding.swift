// HealthSettings+Decoding: reads and checks the [health] table, defaults as in SPEC section 2.

extension HealthSettings {
    static func decode(_ table: TableReader) -> HealthSettings {
        let user = table.string("user", default: "")
        let password = table.string("password", default: "")
        if user.isEmpty && !password.isEmpty {
            table.report(.passwordWithoutUser(table: table.path), at: "password")
        }
        let settings = HealthSettings(
            intervalMs: table.integer("interval_ms", default: 1_000, in: 1...ConfigLimits.int32Max),
            timeoutMs: table.integer("timeout_ms", default: 1_000, in: 1...ConfigLimits.int32Max),
            failureThreshold: table.integer("failure_threshold", default: 2, in: 1...ConfigLimits.int32Max),
            maxReplicaLagBytes: table.integer("max_replica_lag_bytes", default: 16_777_216, in: 0...Int.max),
            promote: table.choice("promote", default: .external),
            promoteAfterMs: table.milliseconds("promote_after_ms", default: 10_000),
            user: user.isEmpty ? nil : user,
            password: password
        )
        table.finish()
        return settings
    }
}
