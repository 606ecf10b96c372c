@testable import BridgeCore

/// Waits, woken by `signal` and never polling, until `condition` holds; false after `timeout`.
func waitWoken(by signal: ChangeSignal, within timeout: Duration, until condition: () -> Bool) async -> Bool {
    let wakeup = Wakeup(rungBy: [signal])
    defer { wakeup.stopListening() }
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        await wakeup.wait(until: deadline)
    }
    return true
}
