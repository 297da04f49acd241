// ListenAddressTests: `listen` / `admin_listen` accept IP literals with a port, nothing else.
import SwitchyardConfig
import Testing

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:6432", "127.0.0.1", 6432, ListenAddress.Family.ipv4),
        ("0.0.0.0:1", "0.0.0.0", 1, .ipv4),
        ("255.255.255.255:65535", "255.255.255.255", 65535, .ipv4),
        ("[::1]:6432", "::1", 6432, .ipv6),
        ("[::]:6432", "::", 6432, .ipv6),
        ("[fe80::1:2]:80", "fe80::1:2", 80, .ipv6),
        ("[2001:db8:0:0:0:0:2:1]:5432", "2001:db8:0:0:0:0:2:1", 5432, .ipv6),
        ("[::ffff:192.0.2.128]:5432", "::ffff:192.0.2.128", 5432, .ipv6),
    ])
    func parses(_ text: String, _ host: String, _ port: Int, _ family: ListenAddress.Family) {
        let address = ListenAddress(parsing: text)
        #expect(address == ListenAddress(host: host, port: port, family: family))
        #expect(address?.description == text)
    }

    @Test(arguments: [
        "", "127.0.0.1", "127.0.0.1:", ":6432", "localhost:6432", "127.0.0.1:0", "127.0.0.1:65536",
        "127.0.0.1:+80", "127.0.0.1:6432 ", "256.0.0.1:80", "1.2.3:80", "01.2.3.4:80", "1.2.3.4.5:80",
        "::1:6432", "[::1]", "[::1]6432", "[::1:6432", "[1::2::3]:80", "[12345::]:80",
        "[1:2:3:4:5:6:7:8:9]:80", "[1:2:3:4:5:6:7]:80", "[::1.2.3.4.5]:80", "[g::1]:80",
        "[１::1]:80",
    ])
    func rejects(_ text: String) {
        #expect(ListenAddress(parsing: text) == nil)
    }
}
