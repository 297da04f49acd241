// LoopBound: carries a loop-confined value through a @Sendable closure, checked on use.

/// Wraps a value that belongs to one loop so that it can cross a `@Sendable` boundary on its way
/// back to that loop. Reading `value` anywhere else is a programming error, caught in debug builds.
///
/// This is the one place the package uses `@unchecked Sendable`: it is safe because the wrapped
/// value is only ever touched on `loop.queue`, which is serial.
package struct LoopBound<Value>: @unchecked Sendable {
    private let stored: Value
    package let loop: EventLoop

    package init(_ value: Value, loop: EventLoop) {
        loop.assertOnLoop()
        self.stored = value
        self.loop = loop
    }

    package var value: Value {
        self.loop.assertOnLoop()
        return self.stored
    }
}
