// ConfigFile: reads and validates the configuration file, for start-up, `check` and reload.
import Glibc
import SwitchyardConfig

/// Loading the configuration file from disk.
package enum ConfigFile {
    /// Reads and validates the file at `path`; an unreadable file is reported like any other problem.
    package static func load(_ path: String) throws(ConfigErrors) -> Config {
        let contents: String
        switch Self.read(path) {
        case .success(let text):
            contents = text
        case .failure(let reason):
            throw ConfigErrors([ConfigError(file: path, line: nil, keyPath: .root, problem: .unreadableFile(reason: reason.message))])
        }
        return try Config.load(contents: contents, path: path)
    }

    /// Why a file could not be read.
    package struct ReadFailure: Error {
        package var message: String
    }

    /// The whole file as UTF-8 text (TOML requires UTF-8), or why it could not be read.
    package static func read(_ path: String) -> Result<String, ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadFailure(message: String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(message: String(cString: strerror(errno))))
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ReadFailure(message: "file is not valid UTF-8"))
        }
        return .success(text)
    }
}
