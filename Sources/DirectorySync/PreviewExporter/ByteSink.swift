import Foundation

/// Where an export writes its bytes, piece by piece.
public protocol ByteSink {
    /// Appends bytes.
    /// - Parameter data: The bytes.
    /// - Throws: The destination's error.
    mutating func write(_ data: Data) throws
}

/// Writes to a `FileHandle` through a fixed buffer, so memory stays flat however large the export.
public struct FileHandleSink: ByteSink {
    private let handle: FileHandle
    private var buffer = Data()
    private let capacity: Int

    /// Creates a sink.
    /// - Parameters:
    ///   - handle: The file (or standard output) to write to.
    ///   - bufferSize: Bytes gathered before each write.
    public init(_ handle: FileHandle, bufferSize: Int = 1 << 16) {
        self.handle = handle
        capacity = bufferSize
        buffer.reserveCapacity(bufferSize)
    }

    public mutating func write(_ data: Data) throws {
        buffer.append(data)
        if buffer.count >= capacity { try flush() }
    }

    /// Writes what is buffered. Call it once the export is done.
    public mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Collects everything in memory: for tests and small exports.
public struct DataSink: ByteSink {
    /// The bytes written so far.
    public private(set) var data = Data()

    /// Creates an empty sink.
    public init() {}

    public mutating func write(_ data: Data) throws { self.data.append(data) }

    /// The bytes as UTF-8 text.
    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// Small writes gathered into 64 KiB pieces before they reach a sink: one `Data` per piece rather
/// than per record, which matters for million-record exports.
struct ChunkedBytes {
    /// The bytes gathered since the last piece was written.
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    /// Writes the gathered bytes once they make a piece.
    mutating func spill<Sink: ByteSink>(to sink: inout Sink) throws {
        if bytes.count >= 1 << 16 { try flush(to: &sink) }
    }

    /// Writes what is gathered.
    mutating func flush<Sink: ByteSink>(to sink: inout Sink) throws {
        try sink.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }
}
