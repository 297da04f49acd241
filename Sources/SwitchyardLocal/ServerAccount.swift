// ServerAccount: the operating-system user that runs local servers (never root) and how to act as it.
import Foundation
import Glibc

/// The operating-system account that runs PostgreSQL server commands.
///
/// PostgreSQL refuses to run as root. When this process is root, every server command runs as an
/// unprivileged user (by default `postgres`) through `runuser`, and the directories the servers use
/// are handed to that user. Otherwise commands run directly as the current user.
package struct ServerAccount: Sendable, Equatable {
    /// The user name commands run as.
    package let userName: String
    package let uid: uid_t
    package let gid: gid_t
    /// Whether commands are wrapped in `runuser` (this process is root).
    package let switchesUser: Bool

    /// The account for this process: `postgres` (or `userName`) when root, else the current user.
    package static func current(unprivilegedUser userName: String = "postgres") throws -> ServerAccount {
        if geteuid() != 0 {
            let name = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "\(geteuid())"
            return ServerAccount(userName: name, uid: geteuid(), gid: getegid(), switchesUser: false)
        }
        guard let entry = getpwnam(userName) else { throw LocalError.serverAccountMissing(userName) }
        return ServerAccount(
            userName: userName, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, switchesUser: true)
    }

    /// `executable arguments` as a command run by this account.
    ///
    /// The working directory is `/` unless given: the caller's directory may be closed to the account
    /// (`/root`), and PostgreSQL tools complain when they cannot return to it.
    package func command(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String = "/",
        input: String? = nil
    ) -> Command {
        guard switchesUser else {
            return Command(
                executable, arguments, environment: environment, workingDirectory: workingDirectory, input: input)
        }
        return Command(
            Self.runuserPath, ["-u", userName, "--", executable] + arguments,
            environment: environment, workingDirectory: workingDirectory, input: input)
    }

    /// Makes `path` (not recursively) belong to this account; a no-op when not switching users.
    package func takeOwnership(of path: String) throws {
        guard switchesUser else { return }
        guard chown(path, uid, gid) == 0 else { throw LocalError.systemCall(name: "chown \(path)", errno: errno) }
    }

    /// Writes `contents` to `path`, owned by this account and readable only by it.
    package func writeFile(_ path: String, _ contents: String) throws {
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o600)
        try takeOwnership(of: path)
    }

    /// Creates `path` (and missing parents) as a directory this account owns.
    package func makeDirectory(_ path: String, mode: mode_t = 0o700) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, mode)
        try takeOwnership(of: path)
    }

    /// Throws unless this account can enter `directory` (and so reach what we create inside it).
    package func checkTraversable(_ directory: String) throws {
        let result = try command("/usr/bin/test", ["-x", directory]).run(timeout: 10)
        guard result.succeeded else {
            throw LocalError.directoryNotUsable(
                path: directory,
                reason: "user '\(userName)' cannot enter it (check the permissions of it and its parents)")
        }
    }

    private static let runuserPath: String =
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "runuser"
}
