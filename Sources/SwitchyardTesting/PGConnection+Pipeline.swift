// PGConnection+Pipeline: several extended-protocol statements sent before any result is read.
import CLibPQ

extension PGConnection {
    /// One statement of a pipeline: text and parameters.
    package struct PipelineStep: Sendable {
        package var sql: String
        package var params: [String?]

        package init(_ sql: String, params: [String?] = []) {
            self.sql = sql
            self.params = params
        }
    }

    /// Sends every step (Parse/Bind/Describe/Execute each) and one Sync, then reads the results.
    ///
    /// After a failed step the server skips the rest until the Sync: those come back as errors of
    /// kind `.client` ("statement skipped"), as libpq reports them `PGRES_PIPELINE_ABORTED`.
    package func pipeline(_ steps: [PipelineStep]) throws -> [Result<PGResult, PGError>] {
        let connection = try open()
        guard PQenterPipelineMode(connection) == 1 else { throw clientError() }
        defer { PQexitPipelineMode(connection) }
        for step in steps {
            let sent = withCStrings(step.params) { values in
                PQsendQueryParams(connection, step.sql, Int32(values.count), nil, values, nil, nil, 0)
            }
            guard sent == 1 else { throw clientError() }
        }
        guard PQpipelineSync(connection) == 1 else { throw clientError() }

        var outcomes: [Result<PGResult, PGError>] = []
        while outcomes.count < steps.count {
            // Each step's results end with a NULL from PQgetResult.
            var outcome: Result<PGResult, PGError>?
            while let result = PQgetResult(connection) {
                defer { PQclear(result) }
                do {
                    outcome = .success(try PGResult.make(from: result, connection: connection))
                } catch let error as PGError {
                    outcome = .failure(error)
                }
            }
            guard let outcome else { throw clientError() }
            outcomes.append(outcome)
        }
        // The Sync's own result, then the NULL after it.
        if let sync = PQgetResult(connection) { PQclear(sync) }
        return outcomes
    }
}
