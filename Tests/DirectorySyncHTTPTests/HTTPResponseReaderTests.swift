import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Bytes in memory, handed out in the pieces a test chose.
private struct PiecedBytes: HTTPByteSource {
    var pieces: [[UInt8]]

    mutating func receive(into buffer: inout [UInt8]) throws -> Bool {
        guard !pieces.isEmpty else { return false }
        buffer += pieces.removeFirst()
        return true
    }
}

@Suite("HTTPResponseReader: one answer from bytes")
struct HTTPResponseReaderTests {
    @Test("however the bytes arrive — one at a time, in random pieces — the answer read is the same (seeded)")
    func piecesDoNotMatter() throws {
        var random = SeededRandomNumberGenerator(seed: 20)
        for round in 0..<200 {
            // Every seventh answer is large: the reader drops what it read while lines and chunks
            // are still being searched (once, that moved a search past the buffer's end).
            let size = round % 7 == 0 ? Int.random(in: 70_000...300_000, using: &random) : Int.random(in: 0...3_000, using: &random)
            let body = (0..<size).map { _ in UInt8.random(in: 32...126, using: &random) }
            var chunked: [UInt8] = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n".utf8)
            var rest = body[...]
            while !rest.isEmpty {
                let size = min(rest.count, Int.random(in: 1...(body.count > 10_000 ? 64 : 700), using: &random))
                chunked += Array("\(String(size, radix: 16))\r\n".utf8) + rest.prefix(size) + Array("\r\n".utf8)
                rest = rest.dropFirst(size)
            }
            chunked += Array("0\r\nX-T: 1\r\n\r\n".utf8)
            let lengthFramed = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
            for bytes in [chunked, lengthFramed] {
                var pieces: [[UInt8]] = []
                var remaining = bytes[...]
                while !remaining.isEmpty {
                    let size = round % 10 == 0 && bytes.count < 10_000 ? 1 : min(remaining.count, Int.random(in: 1...900, using: &random))
                    pieces.append(Array(remaining.prefix(size)))
                    remaining = remaining.dropFirst(size)
                }
                var reader = HTTPResponseReader(source: PiecedBytes(pieces: pieces), host: "h", maximumBodyBytes: 1 << 20)
                let (response, reusable) = try reader.read(method: .get)
                #expect(response.status == 200)
                #expect(Array(response.body) == body)
                #expect(reusable)
            }
        }
    }

    @Test("a compressed body that was not asked for is connectionFailed saying so; identity, and a HEAD or 204 answer, are read", arguments: [
        ("gzip", false, 200), ("deflate, gzip", false, 200), ("br", false, 404), ("identity", true, 200), ("gzip", true, 204),
    ])
    func compressed(_ coding: String, _ readable: Bool, _ status: Int) throws {
        let bytes = Array("HTTP/1.1 \(status) X\r\nContent-Encoding: \(coding)\r\nContent-Length: 4\r\n\r\n".utf8) + (status == 204 ? [] : [0x1F, 0x8B, 8, 0])
        var reader = HTTPResponseReader(source: PiecedBytes(pieces: [bytes]), host: "h", maximumBodyBytes: 1 << 20)
        if readable {
            #expect(try reader.read(method: .get).response.status == status)
        } else {
            #expect { try reader.read(method: .get) } throws: { error in
                guard let error = error as? HTTPTransportError else { return false }
                return error.code == .connectionFailed && error.detail.contains("compressed (Content-Encoding: \(coding))")
            }
        }
    }

    @Test("an answer cut short is connectionFailed, not a shorter body")
    func cutShort() throws {
        let full = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8)
        for end in 0..<full.count {
            var reader = HTTPResponseReader(source: PiecedBytes(pieces: [Array(full[..<end])]), host: "h", maximumBodyBytes: 1 << 20)
            #expect(throws: HTTPTransportError.self) { try reader.read(method: .get) }
        }
    }
}
