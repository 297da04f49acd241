// SwitchyardWireTests: placeholder.
