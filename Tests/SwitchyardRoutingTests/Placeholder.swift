// SwitchyardRoutingTests: placeholder.
