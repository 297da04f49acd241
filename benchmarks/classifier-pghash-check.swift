// classifier-pghash-check: compares Switchyard's pg_hash with PostgreSQL's own hash partitioning.
//
// Built by classifier-pghash-check.sh together with the SwitchyardSQL and SwitchyardRouting
// sources. `generate DIR` writes random keys; `verify DIR` reads the partition PostgreSQL chose
// for each key (`key<TAB>modulus<TAB>remainder`, text keys hex-encoded) and checks ours.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct PostgresHashCheck {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count == 3 else {
            print("usage: classifier-pghash-check generate|verify DIR")
            exit(2)
        }
        switch arguments[1] {
        case "generate": generate(into: arguments[2])
        case "verify": exit(verify(from: arguments[2]) ? 0 : 1)
        default: exit(2)
        }
    }

    static func generate(into directory: String) {
        var random = SplitMix64(seed: 20_240_515)
        var integers: [Int64] = [0, 1, -1, 2, -2, 42, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1,
                                 4_294_967_295, 4_294_967_296, -4_294_967_296, 2_147_483_647, -2_147_483_648]
        for _ in 0..<3000 {
            switch random.next() % 4 {
            case 0: integers.append(Int64(bitPattern: random.next()))
            case 1: integers.append(Int64(bitPattern: random.next()) >> 40)
            case 2: integers.append(Int64(random.next() % 2000) - 1000)
            default: integers.append(-Int64(bitPattern: random.next() >> 1))
            }
        }
        var texts: [[UInt8]] = [[], Array("a".utf8), Array("customer-1".utf8), Array("é".utf8), Array("日本語".utf8),
                                Array("🙂 emoji".utf8), Array(" leading space".utf8), Array("x".utf8)]
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_'\\\"".utf8)
        let nonASCII = ["é", "ß", "Ж", "中", "𝄞", "ü", "ø"].map { Array($0.utf8) }
        for _ in 0..<3000 {
            let length = Int(random.next() % 48)
            var text: [UInt8] = []
            for _ in 0..<length {
                if random.next() % 8 == 0 {
                    text += nonASCII[Int(random.next() % UInt64(nonASCII.count))]
                } else {
                    text.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
                }
            }
            texts.append(text)
        }
        write(integers.map(String.init).joined(separator: "\n") + "\n", to: directory + "/bigint.txt")
        write(texts.map(hex).joined(separator: "\n") + "\n", to: directory + "/text.txt")
    }

    static func verify(from directory: String) -> Bool {
        var checked = 0
        var failures = 0
        for (file, isText) in [("bigint-result.txt", false), ("text-result.txt", true)] {
            guard let contents = read(directory + "/" + file) else {
                print("missing \(file)")
                return false
            }
            for line in contents.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 3, let modulus = Int(fields[1]), let remainder = Int(fields[2]) else {
                    print("bad line: \(line)")
                    return false
                }
                let hash: UInt64
                if isText {
                    let bytes = unhex(String(fields[0]))
                    hash = bytes.withUnsafeBufferPointer { PostgresHash.partitionHash(ofText: $0) }
                } else {
                    hash = PostgresHash.partitionHash(ofInt64: Int64(String(fields[0]))!)
                }
                let ours = PostgresHash.remainder(ofPartitionHash: hash, modulus: modulus)
                checked += 1
                if ours != remainder {
                    failures += 1
                    if failures < 10 { print("MISMATCH \(isText ? "text" : "bigint") \(fields[0]) modulus \(modulus): PostgreSQL \(remainder), ours \(ours)") }
                }
            }
        }
        print("checked \(checked) placements, \(failures) mismatches")
        return failures == 0 && checked > 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    static func unhex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(value(high) << 4 | value(low)))
        }
        return bytes
    }

    static func value(_ digit: UInt8) -> Int {
        digit <= UInt8(ascii: "9") ? Int(digit - UInt8(ascii: "0")) : Int(digit - UInt8(ascii: "a") + 10)
    }

    static func write(_ text: String, to path: String) {
        guard let file = fopen(path, "w") else { fatalError("cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }

    static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A small deterministic generator (SplitMix64), so every run checks the same keys.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
