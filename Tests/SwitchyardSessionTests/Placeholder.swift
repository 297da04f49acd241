// SwitchyardSessionTests: placeholder.
