import DirectorySyncHTTP
import Foundation

/// The request framing rules of ``LoopbackHTTPServer``, as pure functions over bytes so they are
/// tested without sockets. Anything they refuse becomes a 4xx/5xx answer and a closed connection.
enum HTTPFraming {
    typealias Rejection = LoopbackHTTPServer.Rejection

    /// A parsed request head.
    struct Head: Equatable {
        var method: String
        var target: String
        var headers: HTTPHeaders
        var contentLength: Int
        var keepAlive: Bool
        var expectsContinue: Bool
    }

    /// The longest method name accepted (`OPTIONS` is 7; some room for extensions).
    static let maximumMethodLength = 16
    /// The most digits a `Content-Length` may have before it is refused as nonsense (18 digits
    /// always fit an `Int`).
    static let maximumLengthDigits = 18

    static func badRequest(_ message: String) -> Rejection { Rejection(status: 400, code: "BadRequest", message: message) }

    static func headersTooLarge(_ limit: Int) -> Rejection {
        Rejection(status: 431, code: "RequestHeaderFieldsTooLarge", message: "The request line and headers are longer than the limit of \(limit) bytes")
    }

    static func timedOut(_ seconds: Double) -> Rejection {
        Rejection(status: 408, code: "RequestTimeout", message: "The request did not arrive completely within \(seconds) seconds")
    }

    /// Refuses, as early as the first bytes, input that cannot be an HTTP/1.x request: it must
    /// start with a method name (letters) and a space. A TLS ClientHello (0x16 0x03 …), an HTTP/2
    /// preface's binary frames or any other binary protocol fail here without waiting for more.
    static func checkStart(_ buffer: [UInt8]) throws {
        for (index, byte) in buffer.prefix(maximumMethodLength + 1).enumerated() {
            if byte == UInt8(ascii: " ") {
                if index == 0 { throw badRequest("The request does not start with a method") }
                return
            }
            guard isMethodCharacter(byte) else { throw badRequest("The request is not HTTP/1.1") }
            if index == maximumMethodLength { throw badRequest("The request does not start with a method") }
        }
    }

    /// The index of `pattern` in `buffer`, searching from `start`.
    static func find(_ pattern: [UInt8], in buffer: [UInt8], from start: Int = 0) -> Int? {
        guard buffer.count >= pattern.count, start <= buffer.count - pattern.count else { return nil }
        for index in start...(buffer.count - pattern.count) where buffer[index] == pattern[0] {
            if buffer[index..<index + pattern.count].elementsEqual(pattern) { return index }
        }
        return nil
    }

    /// Parses a request head (without its final empty line).
    /// - Throws: ``LoopbackHTTPServer/Rejection``: 400 for malformed framing (request line,
    ///   header syntax, control characters, a negative, non-numeric, huge or conflicting
    ///   `Content-Length`, both `Content-Length` and `Transfer-Encoding`), 501 for a
    ///   `Transfer-Encoding` (request bodies must have a length), 505 for another HTTP version.
    static func parseHead(_ bytes: [UInt8]) throws -> Head {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 13 {
                guard index + 1 < bytes.count, bytes[index + 1] == 10 else { throw badRequest("A bare CR in the request head") }
                lines.append(bytes[lineStart..<index])
                index += 2
                lineStart = index
                continue
            }
            if byte == 10 { throw badRequest("A bare LF in the request head") }
            if (byte < 0x20 && byte != 9) || byte == 0x7F { throw badRequest("A control character in the request head") }
            index += 1
        }
        lines.append(bytes[lineStart..<bytes.count])

        let requestLine = lines.removeFirst().split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard requestLine.count == 3, !requestLine[0].isEmpty, requestLine[0].allSatisfy(isMethodCharacter) else {
            throw badRequest("The request line is not 'METHOD /path HTTP/1.1'")
        }
        let version = String(decoding: requestLine[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            if version.hasPrefix("HTTP/") {
                throw Rejection(status: 505, code: "HTTPVersionNotSupported", message: "Only HTTP/1.0 and HTTP/1.1 are served, not \(version)")
            }
            throw badRequest("The request line is not 'METHOD /path HTTP/1.1'")
        }
        guard requestLine[1].first == UInt8(ascii: "/") else { throw badRequest("The request target must be a path starting with '/'") }

        var headers = HTTPHeaders()
        var lengths: [Int] = []
        var transferEncoding = false
        for line in lines {
            guard let first = line.first else { throw badRequest("An empty header line") }
            if first == UInt8(ascii: " ") || first == 9 { throw badRequest("Folded header lines are not accepted") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy(isTokenCharacter)
            else { throw badRequest("A header line is not 'Name: value'") }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: [" ", "\t"])
            headers.add(name, value)
            switch name.lowercased() {
            case "content-length": lengths += try contentLengths(value)
            case "transfer-encoding": transferEncoding = true
            default: break
            }
        }
        if transferEncoding {
            if !lengths.isEmpty { throw badRequest("The request has both Content-Length and Transfer-Encoding") }
            throw Rejection(status: 501, code: "NotImplemented", message: "Transfer-Encoding is not supported: send the body with a Content-Length")
        }
        guard Set(lengths).count <= 1 else { throw badRequest("The request has conflicting Content-Length values") }

        let connection = (headers["Connection"] ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return Head(
            method: String(decoding: requestLine[0], as: UTF8.self), target: String(decoding: requestLine[1], as: UTF8.self), headers: headers,
            contentLength: lengths.first ?? 0,
            keepAlive: version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive"),
            expectsContinue: headers["Expect"]?.lowercased() == "100-continue")
    }

    /// The values of one `Content-Length` field (a list repeats the same value).
    private static func contentLengths(_ value: String) throws -> [Int] {
        try value.split(separator: ",", omittingEmptySubsequences: false).map { part in
            let digits = part.trimmingCharacters(in: [" ", "\t"])
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw badRequest("The Content-Length '\(digits.prefix(40))' is not a non-negative whole number")
            }
            guard digits.utf8.count <= maximumLengthDigits, let length = Int(digits) else {
                throw badRequest("The Content-Length has more than \(maximumLengthDigits) digits")
            }
            return length
        }
    }

    private static func isMethodCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
