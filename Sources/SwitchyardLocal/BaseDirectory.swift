// BaseDirectory: temporary directories that hold local servers, tagged with their owner's pid.
import Foundation
import Glibc

/// A directory under which local servers live, one subdirectory each.
package enum BaseDirectory {
    /// The name prefix of temporary base directories.
    static let prefix = "switchyard-"
    private static let ownerFile = "owner.pid"

    /// Creates `/tmp/switchyard-XXXXXX`, owned by `account` and deleted at exit.
    ///
    /// `/tmp` rather than `$TMPDIR`: the server account must reach the directory, and a private
    /// temporary directory usually is closed to other users. The file `owner.pid` lets a later
    /// process clean up after this one if it crashes (`LocalRegistry.reapOrphans`).
    package static func makeTemporary(account: ServerAccount) throws -> String {
        var template = Array("/tmp/\(prefix)XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw LocalError.systemCall(name: "mkdtemp", errno: errno)
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        LocalRegistry.shared.temporaryDirectoryCreated(path)
        try "\(getpid())\n".write(toFile: path + "/" + ownerFile, atomically: false, encoding: .utf8)
        try account.takeOwnership(of: path)
        return path
    }

    /// Prepares a caller-chosen directory: creates it if needed and checks the server account can enter it.
    package static func prepare(_ path: String, account: ServerAccount) throws -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // Ours to create, but left owned by the caller: servers get subdirectories of their own.
        try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
        try account.checkTraversable(absolute)
        return absolute
    }

    /// The pid recorded in a temporary base directory, if it is one.
    static func owner(of directory: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: directory + "/" + ownerFile, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingTrailingWhitespace())
    }
}
