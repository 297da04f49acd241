// Exports: test code that imports SwitchyardTesting also sees the local-server API it hands out.
@_exported import SwitchyardLocal
