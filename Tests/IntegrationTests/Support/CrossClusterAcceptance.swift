// CrossClusterAcceptance: the parent of the suites that spread one client database over several
// clusters (routes, two-phase commit, sharding, Django), run one after another.
import Testing

/// The cross-cluster suites share the users and shard servers and start proxies whose start-up
/// recovery looks at every prepared transaction on their servers; run one at a time, no suite's
/// proxy ever meets another suite's transactions half-way through their commit.
@Suite("Cross-cluster acceptance", .serialized)
enum CrossClusterAcceptance {}
