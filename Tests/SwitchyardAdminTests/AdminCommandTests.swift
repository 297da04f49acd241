// AdminCommandTests: which console statements parse, and to what.
import SwitchyardAdmin
import Testing

@Suite("AdminCommand")
struct AdminCommandTests {
    @Test(arguments: [
        ("SHOW CLUSTERS", AdminCommand.show(.clusters)),
        ("show servers", .show(.servers)),
        ("Show Pools;", .show(.pools)),
        ("  SHOW\tCLIENTS  ;  ", .show(.clients)),
        ("SHOW STATS", .show(.stats)),
        ("SHOW CONFIG", .show(.config)),
        ("show version;", .show(.version)),
        ("\r\nSHOW\r\nVERSION\r\n", .show(.version)),
        ("RELOAD", .reload),
        ("reload;", .reload),
        ("PAUSE", .pause(cluster: nil)),
        ("PAUSE main", .pause(cluster: "main")),
        ("pause Main;", .pause(cluster: "Main")),
        ("PAUSE shard-0.eu_west", .pause(cluster: "shard-0.eu_west")),
        ("PAUSE \"my cluster\"", .pause(cluster: "my cluster")),
        ("PAUSE \"say \"\"hi\"\"\"", .pause(cluster: "say \"hi\"")),
        ("RESUME", .resume(cluster: nil)),
        ("resume main ;", .resume(cluster: "main")),
    ])
    func parses(sql: String, command: AdminCommand) {
        #expect(AdminCommand.parse(sql) == command)
    }

    @Test(arguments: [
        "",
        ";",
        "SHOW",
        "SHOW ALL",
        "SHOW CLUSTERS EXTRA",
        "SHOW CLUSTERS;;",
        "SELECT 1",
        "SHOWCLUSTERS",
        "RELOAD NOW",
        "PAUSE a b",
        "PAUSE \"open",
        "PAUSE \"\"",
        "PAUSE main;DROP",
        "PAUSE ma'in",
        "RESUME \"a\"b",
        "show clusters; show pools",
    ])
    func rejects(sql: String) {
        #expect(AdminCommand.parse(sql) == nil)
    }

    @Test(arguments: [
        (AdminCommand.show(.pools), "SHOW"), (.reload, "RELOAD"), (.pause(cluster: "x"), "PAUSE"),
        (.resume(cluster: nil), "RESUME"),
    ])
    func tags(command: AdminCommand, tag: String) {
        #expect(command.tag == tag)
    }
}
