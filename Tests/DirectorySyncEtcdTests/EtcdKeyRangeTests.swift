@testable import DirectorySyncEtcd
import Foundation
import Testing

@Suite("EtcdKeyRange")
struct EtcdKeyRangeTests {
    @Test("a prefix ends at the prefix with its last byte incremented, carrying past 0xFF")
    func prefixEnd() {
        #expect(EtcdKeyRange.end(of: Data("/d/".utf8)) == Data("/d0".utf8))
        #expect(EtcdKeyRange.end(of: Data([0x61, 0xFF])) == Data([0x62]))
        #expect(EtcdKeyRange.end(of: Data([0xFF, 0xFF])) == Data([0]))
        #expect(EtcdKeyRange.end(of: Data()) == Data([0]))
        #expect(EtcdKeyRange.key("/a").end == nil)
        #expect(EtcdKeyRange.prefix("/p/", after: "/p/x").key == "/p/x\u{0}")
    }
}
