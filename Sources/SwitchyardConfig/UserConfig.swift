// UserConfig: one [[users]] entry, a login that clients may use to connect to the proxy.

/// One `[[users]]` entry: a client login the proxy authenticates itself.
package struct UserConfig: Equatable, Sendable {
    /// `name`: the user name clients put in their DSN.
    package var name: String
    /// `password`: "plaintext, "md5..." or "SCRAM-SHA-256$..." (pg_authid format)".
    package var password: PasswordSecret
    /// `admin`: "may use the admin console database "switchyard"".
    package var isAdmin: Bool
}
