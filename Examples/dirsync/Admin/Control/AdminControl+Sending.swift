import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AdminControl {
    /// Sends a request to the folder's owner and waits for its reply.
    /// - Returns: The reply, or `nil` when the owner ended before it took the request (the request
    ///   is withdrawn; the sender may take the folder and carry it out itself).
    static func send(_ request: Request, folder: URL, owner: Ownership.Holder?) async throws -> Reply? {
        let control = folder.appendingPathComponent("control")
        let id = UUID().uuidString
        let requestFile = control.appendingPathComponent("\(id).request")
        let claimedFile = control.appendingPathComponent("\(id).claimed")
        let replyFile = control.appendingPathComponent("\(id).reply")
        try OwnerOnlyFile.write(try encoder.encode(request), to: requestFile)
        // The owner named in errors: the one that took the request, once it is taken.
        var taker = owner
        func named() -> String { taker.map { " (process \($0.pid), '\($0.command)')" } ?? "" }
        let clock = ContinuousClock()
        let start = clock.now
        var taken = false
        while true {
            if let data = try OwnerOnlyFile.read(replyFile) {
                try? FileManager.default.removeItem(at: replyFile)
                return try decoder.decode(Reply.self, from: data)
            }
            let waited = clock.now - start
            let unclaimed = FileManager.default.fileExists(atPath: requestFile.path)
            if !unclaimed, !taken {
                taken = true
                taker = Ownership.holder(of: folder) ?? taker
            }
            let ownerGone = unclaimed && Ownership.isFree(folder)
            if unclaimed, ownerGone || waited > .seconds(requestLifetime) {
                // Not taken: withdraw it (a rename either side wins, never both).
                let withdrawn = control.appendingPathComponent("\(id).withdrawn")
                if rename(requestFile.path, withdrawn.path) == 0 {
                    try? FileManager.default.removeItem(at: withdrawn)
                    if ownerGone { return nil }
                    throw ForwardedFailure(
                        description: "the process that holds '\(folder.path)'\(named()) did not take the request within \(Int(requestLifetime)) s (is it stopped?); run the command again")
                }
            } else if !unclaimed, Ownership.isFree(folder) || !FileManager.default.fileExists(atPath: claimedFile.path), try OwnerOnlyFile.read(replyFile) == nil {
                // An owner answers what it took before it lets the folder go, and writes the answer
                // before it removes its claim: this one ended without answering (its claim is gone
                // when the next owner cleared it away).
                try? FileManager.default.removeItem(at: claimedFile)
                throw ForwardedFailure(
                    description: "the process that held '\(folder.path)'\(named()) took the request but ended before answering (it was stopped or killed); check with 'status', then run the command again")
            } else if !unclaimed, !request.waitsForRun, waited > .seconds(answerTimeout) {
                throw ForwardedFailure(
                    description: "the process that holds '\(folder.path)'\(named()) took the request but did not answer within \(Int(answerTimeout)) s; check with 'status' whether it was carried out")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
