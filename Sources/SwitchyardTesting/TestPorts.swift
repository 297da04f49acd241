// TestPorts: free loopback ports for proxies and fake servers started by tests.

/// A free TCP port on 127.0.0.1 in 20000–29999, never returned twice in this process.
package func freePort() throws -> Int {
    try FreePort.next()
}
