// HashPartitionOracle: PostgreSQL's own hash partitioning (MODULUS 2) as the judge of where a
// key belongs, through a real partitioned table on one server.
import SwitchyardTesting

/// A table `PARTITION BY HASH (k)` with partitions `<name>_p0` (REMAINDER 0) and `<name>_p1`
/// (REMAINDER 1) in `place`'s database: the partition PostgreSQL puts a key in is the shard
/// `pg_hash` must put it on.
struct HashPartitionOracle {
    let place: CrossClusterDatabases.Place
    let name: String
    /// The key column's type: `bigint` or `text`.
    let keyType: String
    static let modulus = 2

    /// Creates the table (columns `n int`, `k <keyType>`, `found int`).
    static func create(in place: CrossClusterDatabases.Place, name: String, keyType: String) throws -> HashPartitionOracle {
        var sql = "CREATE TABLE \(name) (n int NOT NULL, k \(keyType), found int) PARTITION BY HASH (k);"
        for remainder in 0..<modulus {
            sql += " CREATE TABLE \(name)_p\(remainder) PARTITION OF \(name) FOR VALUES WITH (MODULUS \(modulus), REMAINDER \(remainder));"
        }
        try place.query(sql)
        return HashPartitionOracle(place: place, name: name, keyType: keyType)
    }

    /// Loads rows `(n, key literal, found shard or NULL)`.
    func load(_ rows: [(n: Int, key: String, found: Int?)]) throws {
        let connection = try place.connect()
        defer { connection.close() }
        for start in stride(from: 0, to: rows.count, by: 500) {
            let values = rows[start..<min(start + 500, rows.count)].map { row in
                "(\(row.n), (\(row.key))::\(keyType), \(row.found.map(String.init) ?? "NULL"))"
            }
            _ = try connection.exec("INSERT INTO \(name) (n, k, found) VALUES " + values.joined(separator: ", "))
        }
    }

    /// The partition (remainder) of every loaded row, by `n`.
    func partitions() throws -> [Int: Int] {
        var result: [Int: Int] = [:]
        for remainder in 0..<Self.modulus {
            for row in try place.rows("SELECT n FROM \(name)_p\(remainder)") {
                result[Int(row[0]!)!] = remainder
            }
        }
        return result
    }

    /// Rows whose `found` shard is not their partition: `n key found→partition`.
    func misplaced(limit: Int = 20) throws -> [String] {
        var result: [String] = []
        for remainder in 0..<Self.modulus {
            let rows = try place.rows(
                "SELECT n, k::text, found FROM \(name)_p\(remainder) WHERE found IS DISTINCT FROM \(remainder) ORDER BY n LIMIT \(limit)")
            result += rows.map { "n=\($0[0]!) k=\($0[1] ?? "NULL") on shard \($0[2] ?? "none"), partition \(remainder)" }
        }
        return result
    }

    func drop() throws {
        try place.query("DROP TABLE \(name)")
    }
}
