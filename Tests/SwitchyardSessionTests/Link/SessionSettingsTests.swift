// SessionSettingsTests: replaying a client's settings onto a server connection with other settings.
import SwitchyardSession
import Testing

@Suite struct SessionSettingsTests {
    @Test func identicalSettingsNeedNoReplay() {
        var a = SessionSettings()
        a.setStartupParameter("application_name", "pgbench")
        #expect(a.replay(over: a) == nil)
        #expect(SessionSettings().replay(over: SessionSettings()) == nil)
    }

    @Test func startupParametersReplayThroughSetConfigWithQuotedValues() {
        var client = SessionSettings()
        client.setStartupParameter("TimeZone", "Europe/Paris")
        client.setStartupParameter("application_name", "o'brien")
        #expect(
            client.replay(over: SessionSettings())
                == "SELECT pg_catalog.set_config('application_name', 'o''brien', false);"
                + "SELECT pg_catalog.set_config('timezone', 'Europe/Paris', false)"
        )
    }

    @Test func parametersTheServerHasButTheClientDoesNotAreReset() {
        var server = SessionSettings()
        server.recordSet("search_path", statement: "SET search_path TO a, b")
        server.setStartupParameter("application_name", "x")
        var client = SessionSettings()
        client.setStartupParameter("application_name", "x")
        #expect(client.replay(over: server) == "RESET \"search_path\"")
    }

    @Test func backslashesAreQuotedWithAnEscapeStringLiteral() {
        #expect(SessionSettings.quoteLiteral(#"a\b"#) == #"E'a\\b'"#)
        #expect(SessionSettings.quoteLiteral("plain") == "'plain'")
        #expect(SessionSettings.quoteIdentifier("we\"ird") == "\"we\"\"ird\"")
    }

    @Test func resetAllForgetsEverything() {
        var settings = SessionSettings()
        settings.recordSet("work_mem", statement: "SET work_mem = '64MB'")
        settings.resetAll()
        #expect(settings.isEmpty)
    }
}
