import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("RecordFile and CRC32: damage is detected, never parsed around")
struct RecordFileTests {
    /// A real log: the header and changes as the file identity store writes them.
    static let payloads: [Data] = {
        var payloads = [Data(#"{"file":"log","format":2,"generation":3}"#.utf8)]
        for index in 0..<12 {
            let user = IdentityUser(id: IdentityID("u\(index)"), origin: .manual, profile: UserProfile(name: "User \(index) ✓", email: "user\(index)@example.com"))
            payloads.append(try! JSONEncoder().encode(StoreChange.putUser(user)))
        }
        return payloads
    }()
    static let log = RecordFile.frame(payloads)

    @Test("CRC-32 matches the standard check value and zlib's value for a longer text")
    func checksum() {
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Data()) == 0)
        #expect(CRC32.checksum(Data("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test("whole records read back as written")
    func roundTrip() {
        let scan = RecordFile.scan(Self.log)
        #expect(scan.end == .clean)
        #expect(scan.payloads == Self.payloads)
        #expect(scan.validLength == Self.log.count)
    }

    @Test("a change of any single byte anywhere is never silent: the records before it are kept and the scan ends in damage or a torn tail")
    func everyBytePosition() {
        let bytes = [UInt8](Self.log)
        let recordStarts = Self.payloads.reduce(into: [0]) { $0.append($0.last! + $1.count + RecordFile.overhead) }
        for position in bytes.indices {
            for replacement: UInt8 in [bytes[position] ^ 0x01, 0x0A, 0x58] where replacement != bytes[position] {
                var damaged = bytes
                damaged[position] = replacement
                let scan = RecordFile.scan(Data(damaged))
                let record = recordStarts.lastIndex { $0 <= position }!
                #expect(scan.payloads == Array(Self.payloads.prefix(record)), "byte \(position) → \(replacement)")
                switch scan.end {
                case .clean: Issue.record("byte \(position) → \(replacement) was not detected")
                case .torn: #expect(record == Self.payloads.count - 1, "only the last record may read as torn (byte \(position))")
                case .damaged(let offset, let index, _):
                    #expect(offset == recordStarts[record] && index == record, "byte \(position)")
                }
            }
        }
    }

    @Test("a log cut at any byte (a crash while appending) keeps every whole record and reads as torn")
    func everyCut() {
        for length in 0..<Self.log.count {
            let scan = RecordFile.scan(Self.log.prefix(length))
            let whole = Self.payloads.indices.first { Self.payloads.prefix($0 + 1).reduce(0) { $0 + $1.count + RecordFile.overhead } > length } ?? Self.payloads.count
            #expect(scan.payloads == Array(Self.payloads.prefix(whole)), "cut at \(length)")
            if scan.validLength == length { #expect(scan.end == .clean) } else { #expect(scan.end == .torn(offset: scan.validLength), "cut at \(length)") }
        }
    }

    @Test("random garbage never crashes the reader and never yields a record that was not framed", arguments: [1, 2, 3])
    func garbage(seed: UInt64) {
        var generator = SeededRandomNumberGenerator(seed: seed)
        for _ in 0..<300 {
            let data = Data((0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let scan = RecordFile.scan(data)
            let reframed = RecordFile.frame(scan.payloads)
            #expect(reframed == data.prefix(scan.validLength))
        }
    }
}

