import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Wraps the in-memory connector so reads throw whatever error a test sets (`nil`: read as usual),
/// and counts connection tests — the outages and revoked credentials quarantine is about.
final class FaultyConnector: DirectoryConnector {
    let base: InMemoryDirectoryConnector
    let failure = Locked<(any Error)?>(nil)
    let tests = Locked(0)
    /// Connection tests wait here first (when set).
    let testGate = Locked<Gate?>(nil)
    /// Reads wait here first (when set), then fail or read.
    let readGate = Locked<Gate?>(nil)

    init(base: InMemoryDirectoryConnector) { self.base = base }

    var sourceType: String { base.sourceType }

    func provider(for connection: SourceConnection) throws -> any DirectoryProvider {
        FaultyProvider(base: try base.provider(for: connection), failure: failure, gate: readGate)
    }

    func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult {
        tests.withLock { $0 += 1 }
        if let gate = testGate.withLock({ $0 }) { await gate.wait() }
        return await base.testConnection(connection)
    }

    /// Reads fail with `error` from now on (`nil`: they work again).
    func fail(with error: (any Error)?) { failure.withLock { $0 = error } }
}

struct FaultyProvider: DirectoryProvider {
    let base: any DirectoryProvider
    let failure: Locked<(any Error)?>
    let gate: Locked<Gate?>

    func read(filter: SyncFilter) async throws -> DirectorySnapshot {
        if let gate = gate.withLock({ $0 }) { await gate.wait() }
        if let error = failure.withLock({ $0 }) { throw error }
        return try await base.read(filter: filter)
    }
}

/// A network outage: it heals by itself (no ``DirectorySyncError`` says otherwise).
struct Outage: Error, CustomStringConvertible {
    var description: String { "the directory could not be reached" }
}

/// An error of the one shape whose codes say whether they heal (`revoked` does not).
struct DirectoryAccessError: DirectorySyncError {
    typealias Code = ErrorCode<DirectoryAccessError>
    var code: Code
    var detail: String
    var fix: String { "Grant the permission again." }
    var underlying: (any Error)? { nil }
    var healsByItself: Bool { code != .revoked }
}

extension ErrorCode where Area == DirectoryAccessError {
    static let revoked = Self(rawValue: "consentRevoked")
    static let busy = Self(rawValue: "busy")
}

/// An error that wraps another (as a planning or transport error wraps its cause).
struct WrappingError: DirectorySyncError {
    typealias Code = ErrorCode<WrappingError>
    var code = Code(rawValue: "readFailed")
    var detail = "the read failed"
    var fix = "See the error underneath."
    var cause: any Error
    var underlying: (any Error)? { cause }
    static func == (lhs: WrappingError, rhs: WrappingError) -> Bool { lhs.code == rhs.code }
    func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// A service over the harness's parts whose reads fail on demand.
struct FaultyServiceHarness {
    let harness: ServiceHarness
    let connector: FaultyConnector
    let service: DirectoryService

    init(configuration: DirectoryService.Configuration = .init(), state: any SyncStateStore = InMemorySyncStateStore()) async throws {
        harness = try await ServiceHarness(state: state)
        connector = FaultyConnector(base: harness.connector)
        service = try await Self.open(harness, connector, configuration)
    }

    static func open(_ harness: ServiceHarness, _ connector: FaultyConnector, _ configuration: DirectoryService.Configuration) async throws -> DirectoryService {
        try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: harness.secrets, connector: connector, configuration: configuration,
            clock: harness.clock.syncClock)
    }

    var clock: TestClock { harness.clock }

    /// `Contoso`, with tested credentials, on, and scheduled every hour.
    func readySource(schedule: SyncSchedule? = nil) async throws -> Source {
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        #expect(try await service.testConnection(source.id).isSuccessful)
        try await service.setSchedule(source.id, try schedule ?? SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        try await service.turnOn(source.id)
        return try await service.source(source.id)
    }
}

/// Reads a service's events as they come, up to the end of a run (the run's events all come before it).
final class EventLog {
    private var iterator: AsyncStream<ServiceEvent>.Iterator

    init(_ service: DirectoryService) { iterator = service.events(includingOperations: false).makeAsyncIterator() }

    /// Every event up to and including the next `.runFinished` of `id`.
    func untilRunFinished(_ id: SourceID) async -> [ServiceEvent] {
        var events: [ServiceEvent] = []
        while let event = await iterator.next() {
            events.append(event)
            if case .runFinished(id, _) = event { break }
        }
        return events
    }
}
