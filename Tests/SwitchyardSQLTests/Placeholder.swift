// SwitchyardSQLTests: placeholder.
