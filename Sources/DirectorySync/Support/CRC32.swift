import Foundation

/// CRC-32 (IEEE 802.3, the polynomial of zlib, PNG and gzip), written here because the package
/// takes no dependencies. `CRC32.checksum(Data("123456789".utf8)) == 0xCBF43926`.
package struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    private var state: UInt32 = 0xFFFF_FFFF

    /// A checksum of nothing yet.
    package init() {}

    /// Adds bytes.
    package mutating func update(_ bytes: some Sequence<UInt8>) {
        // Contiguous bytes (Data, arrays and their slices) are read through a pointer: iterating a
        // `Data` byte by byte costs several times the checksum itself.
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) != nil { return }
        if let data = bytes as? Data {
            data.withUnsafeBytes { update($0) }
            return
        }
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// Adds the bytes of a buffer.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        state = crc
    }

    /// The checksum of the bytes added so far.
    package var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// The checksum of `bytes`.
    package static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
