/// Large results a command prints just before the process ends, kept until it exits instead of
/// being freed: the system reclaims the memory at exit at once, while freeing a snapshot of
/// 100,000 users and their memberships object by object takes tens of milliseconds of `free`
/// that only delay the exit (measured for `dirsync read`, Documentation/Performance.md).
enum ExitWithoutFreeing {
    private final class Box<Value> {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Keeps `value` alive until the process exits (a deliberate leak: call it only on the way out).
    static func keep<Value>(_ value: Value) {
        _ = Unmanaged.passRetained(Box(value))
    }
}
