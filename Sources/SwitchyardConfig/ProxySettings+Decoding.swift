// ProxySettings+Decoding: reads and checks the [proxy] table, defaults as in SPEC section 2.

extension ProxySettings {
    static func decode(_ table: TableReader) -> ProxySettings {
        let defaultListen = ListenAddress(host: "127.0.0.1", port: 6432, family: .ipv4)
        let defaultAdminListen = ListenAddress(host: "127.0.0.1", port: 6480, family: .ipv4)
        let listen = Self.address(table, "listen", default: defaultListen) ?? defaultListen
        let adminListen = Self.address(table, "admin_listen", default: defaultAdminListen)
        if let adminListen, adminListen == listen {
            table.report(.sameListenAddress(listen.description), at: "admin_listen")
        }
        let adminToken = table.string("admin_token", default: "")

        let settings = ProxySettings(
            listen: listen,
            adminListen: adminListen,
            adminToken: adminToken.isEmpty ? nil : adminToken,
            workers: table.integer("workers", default: 0, in: 0...ConfigLimits.maxWorkers),
            poolMode: table.choice("pool_mode", default: .transaction),
            maxClientConnections: table.integer(
                "max_client_connections", default: 10_000, in: 1...ConfigLimits.int32Max),
            clientLoginTimeoutMs: table.milliseconds("client_login_timeout_ms", default: 5_000),
            queryWaitTimeoutMs: table.milliseconds("query_wait_timeout_ms", default: 5_000),
            idleTransactionTimeoutMs: table.milliseconds("idle_transaction_timeout_ms", default: 0),
            shutdownTimeoutMs: table.milliseconds("shutdown_timeout_ms", default: 10_000),
            maxMessageBytes: table.integer(
                "max_message_bytes", default: 67_108_864, in: ConfigLimits.messageBytes),
            tlsCertificate: Self.certificate(table),
            clientTLS: table.choice("client_tls", default: .allow),
            serverTLS: table.choice("server_tls", default: .prefer),
            serverTLSCAFile: Self.optionalString(table, "server_tls_ca_file"),
            serverConnectTimeoutMs: table.milliseconds("server_connect_timeout_ms", default: 5_000),
            serverIdleTimeoutMs: table.milliseconds("server_idle_timeout_ms", default: 600_000),
            maxPreparedStatements: table.integer(
                "max_prepared_statements", default: 1_000, in: 1...ConfigLimits.int32Max),
            logLevel: table.choice("log_level", default: .info)
        )
        if settings.clientTLS == .require && settings.tlsCertificate == nil {
            table.report(.clientTLSWithoutCertificate, at: "client_tls")
        }
        table.finish()
        return settings
    }

    /// `""` disables an address (only `admin_listen` has that meaning; `listen` rejects it).
    private static func address(
        _ table: TableReader, _ key: String, default defaultValue: ListenAddress
    ) -> ListenAddress? {
        let text = table.string(key, default: defaultValue.description)
        if text.isEmpty && key == "admin_listen" { return nil }
        guard let address = ListenAddress(parsing: text) else {
            table.report(.invalidAddress(key: key, value: text), at: key)
            return defaultValue
        }
        return address
    }

    /// `tls_cert_file` and `tls_key_file` must be set together.
    private static func certificate(_ table: TableReader) -> TLSCertificateFiles? {
        let certFile = table.string("tls_cert_file", default: "")
        let keyFile = table.string("tls_key_file", default: "")
        switch (certFile.isEmpty, keyFile.isEmpty) {
        case (true, true):
            return nil
        case (false, false):
            return TLSCertificateFiles(certFile: certFile, keyFile: keyFile)
        case (false, true):
            table.report(.incompleteTLSFiles(set: "tls_cert_file", missing: "tls_key_file"), at: "tls_cert_file")
            return nil
        case (true, false):
            table.report(.incompleteTLSFiles(set: "tls_key_file", missing: "tls_cert_file"), at: "tls_key_file")
            return nil
        }
    }

    private static func optionalString(_ table: TableReader, _ key: String) -> String? {
        let text = table.string(key, default: "")
        return text.isEmpty ? nil : text
    }
}
