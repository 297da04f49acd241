// SwitchyardIOTests: placeholder.
