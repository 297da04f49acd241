// SwitchyardConfigTests: placeholder.
