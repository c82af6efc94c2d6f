import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Checks the one error shape on any error: the code's text is the one pinned, the description is
/// `<code>: <message>`, the message ends with the fix, and the code encodes as a plain string.
func expectErrorShape<E: DirectorySyncError>(_ error: E, code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(error.code.rawValue == code, "code text changed: \(error.code)", sourceLocation: sourceLocation)
    #expect(error.code.description == code, sourceLocation: sourceLocation)
    #expect(!error.detail.isEmpty && !error.fix.isEmpty, "\(error)", sourceLocation: sourceLocation)
    #expect(error.message.contains(error.fix), "the message does not name the fix: \(error.message)", sourceLocation: sourceLocation)
    #expect(error.message.hasSuffix(error.fix), sourceLocation: sourceLocation)
    #expect(error.description == "\(code): \(error.message)", sourceLocation: sourceLocation)
    #expect(!error.description.contains(".."), "\(error)", sourceLocation: sourceLocation)
    let encoded = String(decoding: try JSONEncoder().encode(error.code), as: UTF8.self)
    #expect(encoded == "\"\(code)\"", "a code is encoded as its text", sourceLocation: sourceLocation)
    #expect(try JSONDecoder().decode(E.Code.self, from: Data(encoded.utf8)) == error.code, sourceLocation: sourceLocation)
    #expect("\(error as any Error)" == error.description, "printing the error prints its description", sourceLocation: sourceLocation)
}

/// An error from below, to check that an error keeps the one it wraps.
struct Cause: Error, Equatable { var name: String }

@Suite("Errors: one shape across the package")
struct ErrorShapeTests {
    /// One of every code of every public error type of the core and the testing module, with the
    /// code's text. The text is stable: hosts branch on it and store it.
    static let errors: [(any DirectorySyncError, String)] = [
        (IdentityStoreError(.notFound, detail: "no user u1"), "notFound"),
        (IdentityStoreError(.addressInUse, detail: "ann@contoso.com"), "addressInUse"),
        (IdentityStoreError(.groupNameInUse, detail: "Sales"), "groupNameInUse"),
        (IdentityStoreError(.groupNotEmpty, detail: "Sales"), "groupNotEmpty"),
        (IdentityStoreError(.invalidValue, detail: "empty email"), "invalidValue"),
        (IdentityStoreError(.modifiedConcurrently, detail: "stale ETag"), "modifiedConcurrently"),
        (IdentityStoreError(.unavailable, detail: "down"), "unavailable"),
        (IdentityStoreError(.forbidden, detail: "401"), "forbidden"),
        (IdentityStoreError(.damaged, detail: "bad CRC"), "damaged"),
        (IdentityStoreError(.newerFormat, detail: "format 4"), "newerFormat"),
        (SecretStoreError(.readOnly, key: .clientSecret("contoso"), detail: "the environment is read-only"), "readOnly"),
        (SecretStoreError(.storageFailed, key: .clientSecret("contoso"), detail: "disk full"), "storageFailed"),
        (SecretStoreError(.notFound, key: .webhookToken, detail: "the settings say there is a token"), "notFound"),
        (SyncStateError.unsupportedFormatVersion(found: 9, supported: 1, key: "contoso/preview"), "unsupportedFormatVersion"),
        (SyncStateError.unreadable(key: "contoso/preview", detail: "no format version"), "unreadable"),
        (SyncStateError.unwritable(key: "contoso/preview", detail: "read-only file system"), "unwritable"),
        (ScheduleError.hourMultipleMustDivide24(5), "hourMultipleMustDivide24"),
        (ScheduleError.invalidHour(24), "invalidHour"),
        (ScheduleError.invalidMinute(60), "invalidMinute"),
        (ScheduleError.malformedTime("2pm"), "malformedTime"),
        (ScheduleError.noWeekdays, "noWeekdays"),
        (ScheduleError.duplicateWeekday(.monday), "duplicateWeekday"),
        (ScheduleError.unknownWeekday("funday"), "unknownWeekday"),
        (ScheduleError.monthlyDateCount(3), "monthlyDateCount"),
        (ScheduleError.invalidDayOfMonth(32), "invalidDayOfMonth"),
        (ScheduleError.duplicateDayOfMonth(15), "duplicateDayOfMonth"),
        (ScheduleError.unknownTimeZone("GMT+5"), "unknownTimeZone"),
        (FilterError.tooManyConditions(count: 11, limit: 10), "tooManyConditions"),
        (FilterError.tooDeeplyNested(levels: 4, limit: 3), "tooDeeplyNested"),
        (FilterError.tooFewOperands, "tooFewOperands"),
        (FilterError.unknownAttribute("x", target: .users), "unknownAttribute"),
        (FilterError.wrongValueCount(attribute: .city, operator: .in, count: 0), "wrongValueCount"),
        (FilterError.wrongValueCount(attribute: .city, operator: .equals, count: 2), "wrongValueCount"),
        (FilterError.emptyValue(attribute: .city), "emptyValue"),
        (FilterError.notABoolean(attribute: .accountEnabled, value: "yes"), "notABoolean"),
        (FilterError.operatorNotSupported(attribute: .mailEnabled, operator: .contains), "operatorNotSupported"),
        (FilterError.syntax(message: "the filter is empty", column: 1), "syntax"),
        (PreviewError.sourceIsOn, "sourceIsOn"),
        (PreviewError.expired(at: Date(timeIntervalSince1970: 0)), "expired"),
        (PreviewError.invalidatedBySynchronization(at: Date(timeIntervalSince1970: 0)), "invalidatedBySynchronization"),
        (PreviewError.tooManyRecordsToDisplay(count: 20_001, limit: 20_000), "tooManyRecordsToDisplay"),
        (PreviewError.invalidPage(offset: -1, limit: 5), "invalidPage"),
        (PreviewError.notFound("contoso"), "notFound"),
        (SyncPlanningError.incompleteRead, "incompleteRead"),
        (SyncPlanningError.invalidFilter(.tooFewOperands), "invalidFilter"),
        (SyncPlanningError.missingTime, "missingTime"),
        (SyncExecutionError.deletionGuardExceeded([.init(kind: .users, count: 5, owned: 10, limit: "at most 2")]), "deletionGuardExceeded"),
        (DirectoryTrackingLost(.expired, detail: "syncStateNotFound"), "expired"),
        (DirectoryTrackingLost(.reset, detail: "resyncRequired"), "reset"),
        (LoopbackServerError(.addressInUse, port: 8080, errno: 98), "addressInUse"),
        (LoopbackServerError(.cannotListen, port: 8080, errno: 24), "cannotListen"),
        (OwnerOnlyFile.Problem(.untrusted, path: "/s/x", "'/s/x' belongs to another user"), "untrusted"),
        (OwnerOnlyFile.Problem(.unusable, path: "/s/x", "'/s/x' cannot be written"), "unusable"),
        (OwnerOnlyFile.Problem(.damaged, path: "/s/x", "'/s/x' is cut short"), "damaged"),
    ] + DirectoryServiceErrorCodes.all.map { (DirectoryServiceError($0.code, "the request broke a rule", fix: "Do it right."), $0.text) }

    @Test("every code of every error has its stable text, and a description `<code>: <detail>. <fix>`", arguments: 0..<errors.count)
    func shape(index: Int) throws {
        let (error, code) = Self.errors[index]
        try expectErrorShape(error, code: code)
    }

    @Test("a host catches every error alike through the protocol")
    func catchingTheProtocol() throws {
        func fail() throws { _ = try SyncSchedule.hourly(every: 5, startingAt: LocalTime(hour: 2), timeZone: "UTC") }
        do {
            try fail()
            Issue.record("a 5-hourly schedule was accepted")
        } catch let error as any DirectorySyncError {
            #expect(error.code.rawValue == "hourMultipleMustDivide24")
            #expect(error.fix == "Choose one of those.")
            #expect(error.underlying == nil)
        }
    }

    @Test("the underlying error is kept, and equality and hashing ignore it")
    func underlying() throws {
        let cause = Cause(name: "disk")
        let wrapping: [(any DirectorySyncError, any DirectorySyncError)] = [
            (IdentityStoreError(.unavailable, detail: "down", underlying: cause), IdentityStoreError(.unavailable, detail: "down")),
            (SecretStoreError(.storageFailed, key: SecretKey("k"), detail: "d", underlying: cause), SecretStoreError(.storageFailed, key: SecretKey("k"), detail: "d")),
            (DirectoryServiceError(.invalidInput, "d", fix: "f", underlying: cause), DirectoryServiceError(.invalidInput, "d", fix: "f")),
            (SyncStateError.unreadable(key: "k", detail: "d", underlying: cause), SyncStateError.unreadable(key: "k", detail: "d")),
            (SyncPlanningError(.incompleteRead, detail: "d", fix: "f", underlying: cause), SyncPlanningError(.incompleteRead, detail: "d", fix: "f")),
            (DirectoryTrackingLost(.reset, detail: "d", underlying: cause), DirectoryTrackingLost(.reset, detail: "d")),
        ]
        for (with, without) in wrapping {
            #expect(with.underlying as? Cause == cause, "\(type(of: with)) lost its underlying error")
            #expect(without.underlying == nil)
            #expect(AnyHashable(with) == AnyHashable(without), "\(type(of: with)): equality looks at the underlying error")
            #expect(with.hashValue == without.hashValue)
            #expect(!with.description.contains("disk"), "the description is the error's own, not the underlying one's")
        }
    }

    @Test("a planning error over an invalid filter keeps the filter error underneath and its fix")
    func planningOverFilter() throws {
        let filter = FilterError.tooDeeplyNested(levels: 4, limit: 3)
        let error = SyncPlanningError.invalidFilter(filter)
        #expect(error.code == .invalidFilter)
        #expect(error.underlying as? FilterError == filter)
        #expect(error.fix == filter.fix)
        #expect(error.detail == "The source's filter is invalid: \(filter.detail)")
        #expect(error != SyncPlanningError.invalidFilter(.tooFewOperands))
    }

    @Test("a state document that does not decode keeps the DecodingError underneath")
    func stateUnderlying() async throws {
        let store = InMemorySyncStateStore()
        let key = StateKey("contoso", "names")
        try await store.setData(Data(#"{"formatVersion":1,"value":42}"#.utf8), for: key)
        await #expect {
            _ = try await store.load([String].self, for: key)
        } throws: { error in
            guard let error = error as? SyncStateError else { return false }
            return error.code == .unreadable && error.key == "contoso/names" && error.underlying is DecodingError
        }
    }

    @Test("a deletion guard error carries the violations it names")
    func violations() {
        let violations = [DeletionGuard.Violation(kind: .groups, count: 3, owned: 4, limit: "at most 50%")]
        let error = SyncExecutionError.deletionGuardExceeded(violations)
        #expect(error.violations == violations)
        #expect(error.detail.contains(violations[0].description))
        #expect(error.fix.contains("apply again allowing them"))
    }

    @Test("a syntax error carries its column; other filter errors have none")
    func filterColumn() {
        #expect(FilterError.syntax(message: "x", column: 7).column == 7)
        #expect(FilterError.syntax(message: "x", column: 7).detail == "Filter syntax error at column 7: x")
        #expect(FilterError.tooFewOperands.column == nil)
    }

    @Test("the text a person reads keeps the words it had: the rule, then what to do", arguments: [
        (ScheduleError.invalidHour(24) as any DirectorySyncError, "The hour 24 is not a time of day. Use 0 to 23."),
        (ScheduleError.unknownTimeZone("GMT+5"), "'GMT+5' is not a known time zone. Use an IANA identifier such as Europe/Oslo or America/New_York, or Etc/GMT-5 for a fixed offset of UTC+5 (IANA inverts the sign of Etc/GMT names)."),
        (PreviewError.tooManyRecordsToDisplay(count: 20_001, limit: 20_000), "The preview has 20001 records, more than the 20000 that can be shown as pages. Export it (JSON, JSON Lines or CSV) instead."),
        (FilterError.syntax(message: "unexpected character '#'", column: 13), "Filter syntax error at column 13: unexpected character '#'. Correct the filter at column 13."),
        (SyncPlanningError.incompleteRead, "The directory read did not finish, so no plan was made and nothing was changed. Run the synchronization again once the directory can be read completely."),
        (SyncStateError.unsupportedFormatVersion(found: 2, supported: 1, key: "contoso/preview"), "The state 'contoso/preview' has format version 2, but this version of DirectorySync reads up to 1. Upgrade DirectorySync."),
        (IdentityStoreError(.notFound, detail: "no user", identityID: "u1"), "no user (identity u1). Read the store again: the identity was deleted or never existed."),
        (SecretStoreError(.readOnly, key: SecretKey("k"), detail: "read from K"), "The secret 'k' cannot be stored: read from K. Set it where this store reads it from, or use a writable secret store."),
        (SecretStoreError(.notFound, key: SecretKey("k"), detail: "the settings say there is one"), "The secret 'k' is not in the store: the settings say there is one. Store the secret again."),
        (DirectoryTrackingLost(.expired, detail: "too old"), "Change tracking was lost: too old. A full read follows automatically."),
        (LoopbackServerError(.addressInUse, port: 8080, errno: 98), "port 8080 on 127.0.0.1 is already in use by another process. Choose another port (0 picks a free one), or stop the process that listens on 8080."),
    ])
    func messages(error: any DirectorySyncError, message: String) {
        #expect(error.message == message)
    }

    @Test("every public error is Sendable and crosses a task boundary whole")
    func sendable() async {
        let error = await Task.detached { () -> any DirectorySyncError in ScheduleError.noWeekdays }.value
        #expect(error as? ScheduleError == .noWeekdays)
    }
}

/// Every ``DirectoryServiceError/Code`` with its pinned text.
enum DirectoryServiceErrorCodes {
    static let all: [(code: DirectoryServiceError.Code, text: String)] = [
        (.tooManySources, "tooManySources"), (.duplicateName, "duplicateName"), (.duplicateDomain, "duplicateDomain"),
        (.onPremisesDomain, "onPremisesDomain"), (.invalidInput, "invalidInput"), (.unknownSource, "unknownSource"),
        (.sourceIsOn, "sourceIsOn"), (.sourceIsOff, "sourceIsOff"), (.credentialsNotTested, "credentialsNotTested"),
        (.missingSecret, "missingSecret"), (.credentialsTestFailed, "credentialsTestFailed"), (.synchronizationRunning, "synchronizationRunning"), (.noPreview, "noPreview"), (.noReport, "noReport"),
    ]
}
