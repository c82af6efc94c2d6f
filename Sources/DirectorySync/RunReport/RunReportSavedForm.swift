import Foundation

/// How a run report is saved (format 2): every string once, in a table that grows part by part,
/// and each record as a JSON array of the table's indices — a membership record takes about 30
/// bytes instead of about 180 as an object with its field names and values spelled out. What was
/// planned is written while the plan is applied; the outcomes, once it was.
///
/// Part `n` of a report is two documents: the records (`report-<run>-<n>`), each
/// `[action, objectKind, subject, group, code, externalID, identityID, groupID, reason,
/// removalPendingUntil, attributes, changes]` — table indices or `null`, trailing `null`s left
/// out, `reason` only when it is not the one its `code` gives, `removalPendingUntil` as an ISO 8601
/// string with fractional seconds, `attributes` as `[name, value, …]` and `changes` as
/// `[field, old, new, …]` (reports saved before staged deletion have nine fields before the
/// lists, and read the same); and the strings first used in it (`…-strings`), so reading from part
/// `n` needs the strings of parts `0…n` and never the records before it. The report has one
/// document of outcomes (`report-<run>-outcomes`: a number per record, ``RunReportRecord/Outcome``
/// in declaration order, then the number of records with an error), written in one go once the
/// plan was applied, and, when there are any, their error codes and messages (`…-errors`).
enum RunReportSavedForm {
    /// The form's number, in each report's index entry (`format`).
    static let version = 2

    /// Each string's index, and the strings added since the last part was written.
    struct Writer {
        private var indices: [String: Int] = [:]
        private(set) var added: [String] = []

        /// Fields of the record being written (-1 for `null`), kept between records so writing
        /// one allocates nothing.
        private var fields: [Int] = []
        private var attributes: [Int] = []
        private var changes: [Int] = []

        /// Appends one record's planned part.
        mutating func append(_ preview: PreviewRecord, to output: inout [UInt8]) {
            let reason = isCodesOwn(preview) ? nil : preview.reason
            fields.removeAll(keepingCapacity: true)
            fields.append(index(preview.action.rawValue, slot: 0))
            fields.append(index(preview.objectKind.rawValue, slot: 1))
            fields.append(index(preview.subject, slot: 2))
            fields.append(index(preview.group, slot: 3))
            fields.append(index(preview.code, slot: 4))
            fields.append(index(preview.externalID, slot: 5))
            fields.append(index(preview.identityID?.rawValue, slot: 6))
            fields.append(index(preview.groupID?.rawValue, slot: 7))
            fields.append(index(reason))
            fields.append(index(preview.removalPendingUntil.map(Self.dateText)))
            attributes.removeAll(keepingCapacity: true)
            if !preview.attributes.isEmpty {
                for (position, (name, value)) in preview.attributes.sorted(by: { $0.key < $1.key }).enumerated() {
                    attributes += [index(name, slot: Self.namesFirstSlot + position), index(value)]
                }
            }
            changes.removeAll(keepingCapacity: true)
            for change in preview.changes { changes += [index(change.field), index(change.old), index(change.new)] }
            if attributes.isEmpty && changes.isEmpty { while fields.last == -1 { fields.removeLast() } }
            output.append(UInt8(ascii: "["))
            Self.appendNumbers(fields, to: &output)
            if !attributes.isEmpty || !changes.isEmpty {
                output.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: "[")])
                Self.appendNumbers(attributes, to: &output)
                output.append(UInt8(ascii: "]"))
            }
            if !changes.isEmpty {
                output.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: "[")])
                Self.appendNumbers(changes, to: &output)
                output.append(UInt8(ascii: "]"))
            }
            output.append(UInt8(ascii: "]"))
        }

        /// The strings added since the last call, as the JSON array a strings document holds.
        mutating func takeAdded() -> [String] {
            defer { added = [] }
            return added
        }

        /// The last record's code and reason, and whether the reason is the sentence of its code:
        /// consecutive records mostly share both, and comparing costs less than looking the code up.
        private var lastReason: (code: String, reason: String, isCodesOwn: Bool)?

        /// Whether the record's reason is the sentence its code gives (it is then not saved).
        private mutating func isCodesOwn(_ preview: PreviewRecord) -> Bool {
            if let last = lastReason, last.code == preview.code, last.reason == preview.reason { return last.isCodesOwn }
            let isCodesOwn = SyncReason(rawValue: preview.code)?.explanation == preview.reason
            lastReason = (preview.code, preview.reason, isCodesOwn)
            return isCodesOwn
        }

        /// Each field's last string and index: consecutive records mostly repeat their action,
        /// kind, code and group (a plan lists a group's memberships together), and the names of
        /// their attributes (by place); comparing with the last costs less than hashing.
        private var recent = [(string: String, index: Int)?](repeating: nil, count: 16)

        /// The slot of the first attribute's name; the names after the eighth are not kept.
        private static let namesFirstSlot = 8

        private mutating func index(_ string: String?, slot: Int) -> Int {
            guard let string else { return -1 }
            guard slot < recent.count else { return index(string) }
            if let last = recent[slot], last.string == string { return last.index }
            let found = index(string)
            recent[slot] = (string, found)
            return found
        }

        private mutating func index(_ string: String?) -> Int {
            guard let string else { return -1 }
            if let known = indices[string] { return known }
            let next = indices.count
            indices[string] = next
            added.append(string)
            return next
        }

        /// A saved date: ISO 8601 with fractional seconds, so it reads back equal.
        static func dateText(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }

        /// Writes comma-separated numbers, -1 as `null`, digit by digit (no string per number).
        static func appendNumbers(_ values: [Int], to output: inout [UInt8]) {
            for (position, value) in values.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                if value < 0 {
                    output.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
                    continue
                }
                var divisor = 1
                while divisor <= value / 10 { divisor *= 10 }
                var rest = value
                while divisor > 0 {
                    output.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                    rest %= divisor
                    divisor /= 10
                }
            }
        }
    }

    /// Reads the planned part of one part's records, given every string up to and including its own.
    /// - Throws: ``SyncStateError/unreadable(key:detail:)`` when the part is not in this form.
    /// - Parameter naming: When given, only the records whose subject, group, directory object id,
    ///   identity id or group id is one of these string indices are built; the others are `nil`.
    static func records(_ bytes: [UInt8], strings: [String], key: String, naming: Set<Int>? = nil) throws -> [PreviewRecord?] {
        var parser = Parser(bytes: bytes)
        do {
            return try parser.records(strings, naming: naming)
        } catch let unknown as UnknownString {
            throw SyncStateError.unreadable(
                key: key,
                detail: "a record of this part (at byte \(parser.position) of its document) names string \(unknown.index), but the strings read with it hold \(strings.count)",
                underlying: unknown)
        } catch {
            throw SyncStateError.unreadable(key: key, detail: "a run report part is damaged at byte \(parser.position) of its document")
        }
    }

    /// Reads one part's outcomes, and how many of its records have an error.
    /// - Throws: ``SyncStateError/unreadable(key:detail:)`` when the document is not in this form.
    static func outcomes(_ bytes: [UInt8], key: String) throws -> (outcomes: [RunReportRecord.Outcome], errors: Int) {
        var parser = Parser(bytes: bytes)
        do {
            var numbers = try parser.numbers()
            guard let errors = numbers.popLast() ?? nil else { throw Parser.Damaged() }
            return (try numbers.map { number in
                guard let number, number < outcomeOrder.count else { throw Parser.Damaged() }
                return outcomeOrder[number]
            }, errors)
        } catch {
            throw SyncStateError.unreadable(key: key, detail: "a run report's outcomes are damaged at byte \(parser.position) of their document")
        }
    }

    /// Outcomes by their saved number (their place in the declaration).
    static let outcomeOrder = RunReportRecord.Outcome.allCases

    /// An outcome's saved number.
    static func number(_ outcome: RunReportRecord.Outcome) -> Int { outcomeOrder.firstIndex(of: outcome)! }

    /// A record names a string beyond those its part is read with: the part, or its strings, changed.
    struct UnknownString: Error {
        var index: Int
    }

    /// The error code and message of one record of a part (by its position in the part).
    struct RecordError: Codable, Sendable {
        var position: Int
        var code: String?
        var message: String?
    }

    /// A parser of exactly this form: arrays of small integers, `null`s and arrays of them, in the
    /// state store's envelope — a hundred times faster than decoding it with `JSONDecoder`.
    private struct Parser {
        struct Damaged: Error {}
        let bytes: [UInt8]
        var position = 0

        /// The envelope's value: `{"formatVersion":N,"value":[ … ]}`.
        private mutating func value() throws {
            guard let start = find(Array("\"value\":".utf8)) else { throw Damaged() }
            position = start
        }

        /// The envelope's value as a list of numbers.
        mutating func numbers() throws -> [Int?] {
            try value()
            return try list()
        }

        mutating func records(_ strings: [String], naming: Set<Int>?) throws -> [PreviewRecord?] {
            try value()
            try expect(UInt8(ascii: "["))
            var records: [PreviewRecord?] = []
            if peek() == UInt8(ascii: "]") { return records }
            repeat {
                records.append(try record(strings, naming: naming))
            } while try separator(closing: UInt8(ascii: "]"))
            return records
        }

        /// The fields of the record being read, kept between records (no allocation per record).
        var fields: [Int?] = []

        private mutating func record(_ strings: [String], naming: Set<Int>?) throws -> PreviewRecord? {
            try expect(UInt8(ascii: "["))
            fields.removeAll(keepingCapacity: true)
            var lists: [[Int?]] = []
            if peek() != UInt8(ascii: "]") {
                repeat {
                    if peek() == UInt8(ascii: "[") {
                        lists.append(try list())
                    } else {
                        // Numbers come first, then at most the two lists.
                        guard lists.isEmpty else { throw Damaged() }
                        fields.append(try number())
                    }
                } while try separator(closing: UInt8(ascii: "]"))
            }
            // Nine fields before the lists in reports saved before staged deletion, ten since.
            guard fields.count <= 10, lists.count <= 2, lists.isEmpty || fields.count >= 9 else { throw Damaged() }
            if let naming, ![2, 3, 5, 6, 7].contains(where: { $0 < fields.count && fields[$0].map(naming.contains) == true }) { return nil }
            func string(_ field: Int) throws -> String? {
                guard field < fields.count else { return nil }
                return try lookUp(fields[field])
            }
            func lookUp(_ index: Int?) throws -> String? {
                guard let index else { return nil }
                guard index < strings.count else { throw UnknownString(index: index) }
                return strings[index]
            }
            guard let actionText = try string(0), let action = PreviewRecord.Action(rawValue: actionText),
                let kindText = try string(1), let kind = PreviewRecord.ObjectKind(rawValue: kindText), let subject = try string(2),
                let code = try string(4), let reason = try string(8) ?? SyncReason(rawValue: code)?.explanation
            else { throw Damaged() }
            var attributes: [String: String] = [:]
            if let pairs = lists.first {
                guard pairs.count % 2 == 0 else { throw Damaged() }
                for index in stride(from: 0, to: pairs.count, by: 2) {
                    guard let name = try lookUp(pairs[index]), let value = try lookUp(pairs[index + 1]) else { throw Damaged() }
                    attributes[name] = value
                }
            }
            var changes: [FieldChange] = []
            if lists.count > 1 {
                let triples = lists[1]
                guard triples.count % 3 == 0 else { throw Damaged() }
                for index in stride(from: 0, to: triples.count, by: 3) {
                    guard let field = try lookUp(triples[index]) else { throw Damaged() }
                    changes.append(FieldChange(field: field, old: try lookUp(triples[index + 1]), new: try lookUp(triples[index + 2])))
                }
            }
            let group = try string(3)
            let externalID = try string(5)
            let identityID = try string(6).map { IdentityID($0) }
            let groupID = try string(7).map { IdentityID($0) }
            var removalPendingUntil: Date?
            if let text = try string(9) {
                guard let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) else { throw Damaged() }
                removalPendingUntil = date
            }
            return PreviewRecord(
                action: action, objectKind: kind, subject: subject, group: group, groupID: groupID, externalID: externalID,
                identityID: identityID, attributes: attributes, changes: changes, code: code, reason: reason, removalPendingUntil: removalPendingUntil)
        }

        private mutating func list() throws -> [Int?] {
            try expect(UInt8(ascii: "["))
            var values: [Int?] = []
            if peek() == UInt8(ascii: "]") {
                position += 1
                return values
            }
            repeat { values.append(try number()) } while try separator(closing: UInt8(ascii: "]"))
            return values
        }

        private mutating func number() throws -> Int? {
            if bytes[position...].starts(with: [0x6E, 0x75, 0x6C, 0x6C]) {
                position += 4
                return nil
            }
            var value = 0
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9"), position - start < 12 {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                position += 1
            }
            guard position > start else { throw Damaged() }
            return value
        }

        /// After a value: `,` (another follows: `true`) or the closing bracket (`false`).
        private mutating func separator(closing: UInt8) throws -> Bool {
            guard position < bytes.count else { throw Damaged() }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: ",") { return true }
            if byte == closing { return false }
            throw Damaged()
        }

        private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        private mutating func expect(_ byte: UInt8) throws {
            guard peek() == byte else { throw Damaged() }
            position += 1
        }

        private func find(_ needle: [UInt8]) -> Int? {
            guard bytes.count >= needle.count else { return nil }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] && bytes[start..<(start + needle.count)].elementsEqual(needle) {
                return start + needle.count
            }
            return nil
        }
    }
}
