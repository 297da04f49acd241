// ExternalProgram: finds optional tools (python3, chromium) that some tests use when installed.
import Foundation

/// Programs found on `PATH`, for tests that skip themselves when a tool is missing.
enum ExternalProgram {
    /// The first executable file called `name` in a `PATH` directory.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
