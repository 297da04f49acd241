// EventLoop: one serial DispatchQueue whose single read source watches the loop's own epoll set.
import CSwitchyardSys
import Dispatch
import Glibc

/// Receives readiness events for a descriptor registered with an `EventLoop`.
package protocol EventHandler: AnyObject {
    /// Called on the loop's queue with epoll's event bits (`EventLoop.readable` and friends).
    func handleEvents(_ events: UInt32)
}

/// A registration in a loop's epoll set; stale tokens (after `deregister`) are ignored.
package struct Registration: Hashable, Sendable {
    package let token: UInt64
    package static let none = Registration(token: .max)
}

/// An event loop: sockets are registered once, edge-triggered, in the loop's epoll set; the set's
/// descriptor is the only thing libdispatch watches, so one wake-up serves every ready socket and no
/// socket is ever re-armed (see DESIGN.md, "What Dispatch costs").
///
/// Thread safety: `execute` and `schedule*` may be called from anywhere. Everything else, and every
/// handler, runs on `queue` only; `assertOnLoop()` checks it in debug builds. That confinement is
/// why the type may be marked `@unchecked Sendable`: its mutable state is never touched off-queue.
package final class EventLoop: @unchecked Sendable {
    package static let readable: UInt32 = 0x001  // EPOLLIN
    package static let writable: UInt32 = 0x004  // EPOLLOUT
    package static let error: UInt32 = 0x008  // EPOLLERR
    package static let hangup: UInt32 = 0x010 | 0x2000  // EPOLLHUP | EPOLLRDHUP
    private static let edgeTriggered: UInt32 = 1 << 31  // EPOLLET

    /// The loop's index among the daemon's loops.
    package let index: Int
    package let queue: DispatchQueue
    private let epollFD: Int32
    private var source: (any DispatchSourceRead)?
    private var slots: [(any EventHandler)?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    private let events: UnsafeMutablePointer<sy_event>
    private static let batch = 256
    private var endOfPassWork: [() -> Void] = []
    private var isPolling = false
    /// Wakes a lingering pass when work is posted to the queue (see `poll()`).
    private let wakeFD: Int32
    private static let wakeToken: UInt64 = .max - 1
    /// How long a pass waits for the next event before handing the thread back to Dispatch.
    private let lingerNs: Int
    /// The longest a pass holds the queue, so timers and posted work are never starved.
    private static let maximumPassNs: UInt64 = 2_000_000

    /// Monotonic nanoseconds at the start of the current pass: one clock read per wake-up.
    package private(set) var now: UInt64 = monotonicNanoseconds()
    /// Buffers for this loop's connections.
    package let buffers = BufferPool()

    /// - Parameter lingerMicroseconds: how long a pass keeps waiting for more events before it
    ///   returns the thread to Dispatch (0 = never linger).
    package init(index: Int, lingerMicroseconds: Int = 500) throws {
        self.index = index
        self.queue = DispatchQueue(label: "switchyard.loop.\(index)", qos: .userInteractive)
        self.lingerNs = lingerMicroseconds * 1000
        let fd = sy_epoll_create()
        guard fd >= 0 else { throw SystemCallError("epoll_create1", errno: errno) }
        self.epollFD = fd
        let wake = sy_eventfd()
        guard wake >= 0 else { throw SystemCallError("eventfd", errno: errno) }
        self.wakeFD = wake
        guard sy_epoll_add(fd, wake, Self.readable, Self.wakeToken) == 0 else {
            throw SystemCallError("epoll_ctl(ADD)", errno: errno)
        }
        self.events = .allocate(capacity: Self.batch)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: self.queue)
        source.setEventHandler { [unowned self] in self.poll() }
        // Descriptors close only once libdispatch is done with the source: closing earlier lets
        // another loop reuse the number while libdispatch still watches it, and lose its events.
        source.setCancelHandler {
            Glibc.close(fd)
            Glibc.close(wake)
        }
        self.source = source
        source.activate()
    }

    deinit {
        self.events.deallocate()
        self.source?.cancel()
    }

    /// Runs `work` on the loop, later; wakes a pass that lingers so the work is not delayed.
    package func execute(_ work: @escaping @Sendable () -> Void) {
        self.queue.async(execute: work)
        sy_eventfd_signal(self.wakeFD)
    }

    /// Checks, in debug builds, that the caller is on this loop.
    @inline(__always)
    package func assertOnLoop() {
        #if DEBUG
        dispatchPrecondition(condition: .onQueue(self.queue))
        #endif
    }

    // MARK: - Registration

    /// Adds `fd` to the epoll set, edge-triggered for reads, writes and hang-ups. Never re-armed.
    package func register(_ fd: Int32, handler: any EventHandler) throws -> Registration {
        self.assertOnLoop()
        let slot: Int
        if let reused = self.freeSlots.popLast() {
            slot = reused
            self.slots[slot] = handler
        } else {
            slot = self.slots.count
            self.slots.append(handler)
            self.generations.append(0)
        }
        let token = UInt64(self.generations[slot]) << 32 | UInt64(slot)
        let mask = Self.readable | Self.writable | 0x2000 | Self.edgeTriggered
        guard sy_epoll_add(self.epollFD, fd, mask, token) == 0 else {
            let error = errno
            self.release(slot: slot)
            throw SystemCallError("epoll_ctl(ADD)", errno: error)
        }
        return Registration(token: token)
    }

    /// Removes `fd` from the epoll set; events already fetched for it in this pass are dropped.
    package func deregister(_ fd: Int32, _ registration: Registration) {
        self.assertOnLoop()
        guard registration != .none else { return }
        _ = sy_epoll_remove(self.epollFD, fd)
        let slot = Int(registration.token & 0xFFFF_FFFF)
        guard slot < self.slots.count, UInt64(self.generations[slot]) == registration.token >> 32 else { return }
        self.release(slot: slot)
    }

    private func release(slot: Int) {
        self.slots[slot] = nil
        self.generations[slot] &+= 1
        self.freeSlots.append(slot)
    }

    /// Number of registered descriptors.
    package var registeredCount: Int { self.slots.count - self.freeSlots.count }

    // MARK: - Polling

    /// Drains every ready event, then lingers: the next events are waited for here, in
    /// `epoll_wait` with a short timeout, instead of going back to Dispatch, whose wake-up costs a
    /// thread hand-off and a re-arm per event. Under steady traffic a pass thus behaves like a
    /// plain epoll loop; it returns when no event came for `lingerNs`, when work is posted to the
    /// queue (the wake eventfd), or after `maximumPassNs`, so timers and posted blocks still run.
    private func poll() {
        self.isPolling = true
        let start = monotonicNanoseconds()
        var timeout = 0
        passes: while true {
            let count = Int(sy_epoll_wait_ns(self.epollFD, self.events, Int32(Self.batch), timeout))
            if count <= 0 { break }
            self.now = monotonicNanoseconds()
            var woken = false
            for index in 0..<count {
                let event = self.events[index]
                if event.token == Self.wakeToken {
                    sy_eventfd_drain(self.wakeFD)
                    woken = true
                    continue
                }
                let slot = Int(event.token & 0xFFFF_FFFF)
                guard slot < self.slots.count, UInt64(self.generations[slot]) == event.token >> 32,
                    let handler = self.slots[slot]
                else { continue }
                handler.handleEvents(event.events)
            }
            self.runEndOfPassWork()
            if woken || self.now &- start > Self.maximumPassNs { break passes }
            timeout = count == Self.batch ? 0 : self.lingerNs
        }
        self.isPolling = false
        self.runEndOfPassWork()
    }

    /// Runs `work` once the current pass has handled every ready event (or soon, outside a pass).
    /// Used to coalesce writes and to retry work that waited for a lease.
    package func afterPass(_ work: @escaping () -> Void) {
        self.assertOnLoop()
        self.endOfPassWork.append(work)
        if !self.isPolling && self.endOfPassWork.count == 1 {
            let loop = LoopBound(self, loop: self)
            self.queue.async { loop.value.runEndOfPassWork() }
        }
    }

    private func runEndOfPassWork() {
        while !self.endOfPassWork.isEmpty {
            let work = self.endOfPassWork
            self.endOfPassWork.removeAll(keepingCapacity: true)
            for item in work { item() }
        }
    }

    /// Refreshes `now`, for work that runs outside a poll pass (timers, posted blocks).
    package func refreshNow() { self.now = monotonicNanoseconds() }

    // MARK: - Timers

    /// Calls `body` on the loop every `intervalMs` milliseconds until the returned timer is cancelled.
    package func scheduleRepeating(everyMs intervalMs: Int, _ body: @escaping () -> Void) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: self.queue)
        timer.schedule(
            deadline: .now() + .milliseconds(intervalMs),
            repeating: .milliseconds(intervalMs),
            leeway: .milliseconds(max(1, intervalMs / 10))
        )
        timer.setEventHandler { [unowned self] in
            self.refreshNow()
            body()
        }
        timer.activate()
        return timer
    }

    /// Stops watching the epoll set; call once every connection is closed.
    package func shutdown() {
        self.source?.cancel()
        self.source = nil
    }
}
