import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ``LoopbackHTTPServer`` could not start listening. Branch on ``code``; the description names
/// the port, the cause and the fix.
public struct LoopbackServerError: DirectorySyncError {
    /// The stable codes of this error (``DirectorySync/ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<LoopbackServerError>

    /// What went wrong.
    public var code: Code
    /// The port asked for (0: any free port).
    public var port: UInt16
    /// The system's error number.
    public var errno: Int32

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - port: The port asked for.
    ///   - errno: The system's error number.
    public init(_ code: Code, port: UInt16, errno: Int32) {
        self.code = code
        self.port = port
        self.errno = errno
    }

    /// The cause, naming the port.
    public var detail: String {
        switch code {
        case .addressInUse: "port \(port) on 127.0.0.1 is already in use by another process"
        default: "cannot listen on 127.0.0.1 port \(port): \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }

    /// What to do about it.
    public var fix: String {
        switch code {
        case .addressInUse: "Choose another port (0 picks a free one), or stop the process that listens on \(port)."
        default: "Choose another port, or free file descriptors if the process has run out of them."
        }
    }
}

extension ErrorCode where Area == LoopbackServerError {
    /// Another socket already listens on the port (`EADDRINUSE`).
    public static let addressInUse = Self(rawValue: "addressInUse")
    /// The socket could not be made, bound or put to listening for another reason (see ``LoopbackServerError/errno``).
    public static let cannotListen = Self(rawValue: "cannotListen")
}
