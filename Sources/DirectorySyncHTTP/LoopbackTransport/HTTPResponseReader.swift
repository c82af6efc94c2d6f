import Foundation

/// Where an ``HTTPResponseReader`` gets an answer's bytes: a socket, or bytes in memory in tests.
package protocol HTTPByteSource {
    /// Appends the next bytes the peer sent to `buffer`, waiting for at least one.
    /// - Returns: `false` when the peer closed the connection and nothing more will come.
    /// - Throws: ``HTTPTransportError`` (`timedOut`, `connectionFailed`) or `CancellationError`.
    mutating func receive(into buffer: inout [UInt8]) throws -> Bool
}

/// Reads one HTTP/1.1 response from a byte source: the status line (skipping `1xx` answers), the
/// header fields, and the body framed by `Content-Length`, by chunks (with trailer fields, which are
/// read and dropped: etcd's JSON gateway sends one with every error answer), or by the end of the
/// connection. Anything else fails with ``HTTPTransportError`` (`connectionFailed`: the answer is
/// not HTTP/1.1) or (`responseTooLarge`).
package struct HTTPResponseReader<Source: HTTPByteSource> {
    /// The longest status line, header or trailer field, or chunk-size line accepted.
    static var maximumLineBytes: Int { 16_384 }
    /// The most bytes all header (or trailer) fields of one answer may take together.
    static var maximumHeaderBytes: Int { 262_144 }
    /// The most interim (`1xx`) answers accepted before the final one.
    static var maximumInterimAnswers: Int { 16 }

    private var source: Source
    private var buffer: [UInt8] = []
    private var position = 0
    private let host: String
    private let maximumBodyBytes: Int

    /// Creates a reader.
    /// - Parameters:
    ///   - source: Where the bytes come from.
    ///   - host: The server's host, for messages.
    ///   - maximumBodyBytes: The largest body accepted.
    package init(source: Source, host: String, maximumBodyBytes: Int) {
        self.source = source
        self.host = host
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// Reads one response.
    /// - Parameter method: The request's method (`HEAD` answers have no body).
    /// - Returns: The response, and whether the connection may carry another request.
    package mutating func read(method: HTTPRequest.Method) throws -> (response: HTTPResponse, reusable: Bool) {
        var (status, version, headers) = try head()
        var interim = 0
        while (100..<200).contains(status) {
            guard status != 101 else { throw notHTTP("it switches protocols, which was not asked for") }
            interim += 1
            guard interim <= Self.maximumInterimAnswers else { throw notHTTP("it sent more than \(Self.maximumInterimAnswers) interim (1xx) answers") }
            (status, version, headers) = try head()
        }
        let closes = headers.values(of: "Connection").contains("close")
        var reusable = version == "HTTP/1.1" ? !closes : headers.values(of: "Connection").contains("keep-alive")
        var body = Data()
        let codings = headers.values(of: "Transfer-Encoding")
        let compressed = headers.values(of: "Content-Encoding").filter { $0 != "identity" }
        if method == .head || status == 204 || status == 304 {
            // No body, whatever the fields say.
        } else if !compressed.isEmpty {
            // The request asks for no compression (it sends no Accept-Encoding): say so, rather
            // than hand compressed bytes on as the answer.
            throw notHTTP("its body is compressed (Content-Encoding: \(compressed.joined(separator: ", "))), which was not asked for")
        } else if !codings.isEmpty {
            guard codings.last == "chunked" else {
                throw notHTTP("its Transfer-Encoding '\(codings.joined(separator: ", "))' does not end with chunked")
            }
            guard codings.count == 1 else { throw notHTTP("its body is encoded (\(codings.joined(separator: ", "))), which was not asked for") }
            // RFC 9112 6.1 and 6.3: a chunked answer that also has a length, or comes as HTTP/1.0,
            // is read by its chunks, and the connection is not used again.
            if version != "HTTP/1.1" || !headers.values(of: "Content-Length").isEmpty { reusable = false }
            try chunkedBody(into: &body)
        } else if let length = try contentLength(headers) {
            guard length <= maximumBodyBytes else { throw tooLarge() }
            try take(length, into: &body)
        } else {
            try untilClosed(into: &body)
            reusable = false
        }
        // Bytes after the answer that nobody asked for: the connection is not in a known state.
        if position < buffer.count { reusable = false }
        return (HTTPResponse(status: status, headers: headers, body: body), reusable)
    }

    // MARK: Parts

    private mutating func head() throws -> (status: Int, version: String, headers: HTTPHeaders) {
        let statusLine = try line()
        let parts = statusLine.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        let version = parts.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard version == "HTTP/1.1" || version == "HTTP/1.0", parts.count >= 2, parts[1].count == 3,
            parts[1].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let status = Int(String(decoding: parts[1], as: UTF8.self)),
            status >= 100
        else { throw notHTTP("its first line is not 'HTTP/1.1 NNN reason'") }
        return (status, version, try fields())
    }

    /// Header or trailer fields up to the empty line.
    private mutating func fields() throws -> HTTPHeaders {
        var headers = HTTPHeaders()
        var total = 0
        while true {
            let field = try line()
            if field.isEmpty { return headers }
            total += field.count
            guard total <= Self.maximumHeaderBytes else { throw notHTTP("its header fields are longer than \(Self.maximumHeaderBytes) bytes") }
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")), colon > field.startIndex,
                field[field.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else { throw notHTTP("a header field is not 'Name: value'") }
            let value = String(decoding: field[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: [" ", "\t"])
            headers.add(String(decoding: field[field.startIndex..<colon], as: UTF8.self), value)
        }
    }

    private func contentLength(_ headers: HTTPHeaders) throws -> Int? {
        let values = headers.values(of: "Content-Length")
        guard let first = values.first else { return nil }
        guard values.allSatisfy({ $0 == first }), first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let length = Int(first)
        else { throw notHTTP("its Content-Length is not one whole number") }
        return length
    }

    private mutating func chunkedBody(into body: inout Data) throws {
        while true {
            // The size in hexadecimal, then perhaps extensions after ';' (ignored); blanks only
            // around the size.
            let sizeLine = try line()
            let digits = sizeLine.prefix { $0 != UInt8(ascii: ";") }.drop { $0 == 32 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
            guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy(isHexDigit),
                let size = Int(String(decoding: digits, as: UTF8.self), radix: 16)
            else { throw notHTTP("a chunk's size is not a hexadecimal number") }
            if size == 0 {
                _ = try fields()
                return
            }
            guard body.count + size <= maximumBodyBytes else { throw tooLarge() }
            try take(size, into: &body)
            guard try line().isEmpty else { throw notHTTP("a chunk does not end where its size says") }
        }
    }

    private mutating func untilClosed(into body: inout Data) throws {
        while try source.receive(into: &buffer) {
            guard buffer.count - position <= maximumBodyBytes else { throw tooLarge() }
        }
        body.append(contentsOf: buffer[position...])
        position = buffer.count
    }

    /// The next line, without its CRLF (a bare LF ends a line too, as RFC 9112 allows).
    private mutating func line() throws -> ArraySlice<UInt8> {
        // How far past `position` was searched already (`more()` may move what is unread).
        var searched = 0
        while true {
            if let newline = buffer[(position + searched)...].firstIndex(of: 10) {
                let end = newline > position && buffer[newline - 1] == 13 ? newline - 1 : newline
                defer { position = newline + 1 }
                return buffer[position..<end]
            }
            guard buffer.count - position <= Self.maximumLineBytes else { throw notHTTP("a line is longer than \(Self.maximumLineBytes) bytes") }
            searched = buffer.count - position
            try more()
        }
    }

    /// Appends the next `count` bytes to `body`.
    private mutating func take(_ count: Int, into body: inout Data) throws {
        while buffer.count - position < count { try more() }
        body.append(contentsOf: buffer[position..<position + count])
        position += count
    }

    private mutating func more() throws {
        // What was read is dropped once it is most of the buffer, so a long answer is not kept twice.
        if position > 65_536 && position * 2 > buffer.count {
            buffer.removeFirst(position)
            position = 0
        }
        guard try source.receive(into: &buffer) else {
            throw HTTPTransportError(.connectionFailed, detail: "\(host) closed the connection before its answer was complete")
        }
    }

    private func notHTTP(_ why: String) -> HTTPTransportError {
        HTTPTransportError(.connectionFailed, detail: "\(host): the server's answer is not HTTP/1.1 (\(why))")
    }

    private func tooLarge() -> HTTPTransportError {
        HTTPTransportError(.responseTooLarge, detail: "\(host) sent more than \(maximumBodyBytes) bytes (HTTPTransportConfiguration.maximumResponseBytes)")
    }
}

extension HTTPHeaders {
    /// Every comma-separated value of every field with this name, lowercased and trimmed.
    fileprivate func values(of name: String) -> [String] {
        filter { $0.name.lowercased() == name.lowercased() }.flatMap { field in
            field.value.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: [" ", "\t"]) }
        }
    }
}

/// Whether a byte is a hexadecimal digit.
private func isHexDigit(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
    default: false
    }
}
