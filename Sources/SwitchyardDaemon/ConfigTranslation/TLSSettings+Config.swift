// TLSSettings+Config: `[proxy]` TLS keys become the data plane's TLS settings, contexts loaded from disk.
import SwitchyardConfig
import SwitchyardIO

extension ClientTLSSettings {
    /// `client_tls` with a context from `tls_cert_file` and `tls_key_file` when both are set.
    /// The files are read now (at start and at every reload, so replaced files take effect).
    /// - Parameter configPath: relative file names are taken from the configuration file's folder.
    init(_ proxy: ProxySettings, configPath: String) throws(TLSError) {
        let policy: ClientTLSPolicy
        switch proxy.clientTLS {
        case .disable: policy = .disable
        case .allow: policy = .allow
        case .require: policy = .require
        }
        var context: TLSContext?
        if let files = proxy.tlsCertificate {
            context = try TLSContext(
                certificateFile: resolve(files.certFile, beside: configPath),
                keyFile: resolve(files.keyFile, beside: configPath)
            )
        }
        self.init(policy: policy, context: context)
    }
}

extension ServerTLSSettings {
    /// `server_tls` with a client context verifying against `server_tls_ca_file` when it is set.
    init(_ proxy: ProxySettings, configPath: String) throws(TLSError) {
        switch proxy.serverTLS {
        case .disable:
            self = .disabled
        case .prefer, .require:
            let context = try TLSContext(
                trustedCAFile: proxy.serverTLSCAFile.map { resolve($0, beside: configPath) })
            self.init(policy: proxy.serverTLS == .require ? .require : .prefer, context: context)
        }
    }
}

/// `path` as given when absolute, else relative to the folder of the file at `configPath`.
private func resolve(_ path: String, beside configPath: String) -> String {
    guard !path.hasPrefix("/"), let slash = configPath.lastIndex(of: "/") else { return path }
    return String(configPath[...slash]) + path
}
