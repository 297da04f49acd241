// SwitchyardTesting: module placeholder, replaced as the module grows.
package enum ModuleMarker {}
