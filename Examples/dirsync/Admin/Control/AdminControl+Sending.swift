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
        let replyFile = control.appendingPathComponent("\(id).reply")
        try OwnerOnlyFile.write(try encoder.encode(request), to: requestFile)
        let holder = owner.map { " (process \($0.pid), '\($0.command)')" } ?? ""
        // Once taken: the claim, and the process it names (the holder at sending for an owner of
        // an earlier version, whose claims name none).
        var claim: (file: URL, taker: String)?
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            if let data = try OwnerOnlyFile.read(replyFile) {
                try? FileManager.default.removeItem(at: replyFile)
                return try decoder.decode(Reply.self, from: data)
            }
            let waited = clock.now - start
            let unclaimed = FileManager.default.fileExists(atPath: requestFile.path)
            if !unclaimed, claim == nil {
                // A folder that cannot be listed now says nothing: look again.
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: control.path) else {
                    try await Task.sleep(for: .milliseconds(100))
                    continue
                }
                claim = Self.claim(of: id, among: names, in: control, folder: folder).map { ($0.file, $0.taker ?? holder) }
            }
            let ownerGone = unclaimed && Ownership.isFree(folder)
            if unclaimed, ownerGone || waited > .seconds(requestLifetime) {
                // Not taken: withdraw it (a rename either side wins, never both).
                let withdrawn = control.appendingPathComponent("\(id).withdrawn")
                if rename(requestFile.path, withdrawn.path) == 0 {
                    try? FileManager.default.removeItem(at: withdrawn)
                    if ownerGone { return nil }
                    throw ForwardedFailure(
                        description: "the process that holds '\(folder.path)'\(holder) did not take the request within \(Int(requestLifetime)) s (is it stopped?); run the command again")
                }
            } else if !unclaimed, claim.map({ !FileManager.default.fileExists(atPath: $0.file.path) }) ?? true || Ownership.isFree(folder),
                try OwnerOnlyFile.read(replyFile) == nil
            {
                // An owner answers what it took before it lets the folder go, and writes the answer
                // before it removes its claim: this one ended without answering. Its claim is gone
                // when the next owner cleared it away — then, unseen, it names no process.
                if let claim { try? FileManager.default.removeItem(at: claim.file) }
                throw ForwardedFailure(
                    description: "the process that held '\(folder.path)'\(claim?.taker ?? "") took the request but ended before answering (it was killed, or could not write its answer); check with 'status', then run the command again")
            } else if !unclaimed, !request.waitsForRun, waited > .seconds(answerTimeout) {
                throw ForwardedFailure(
                    description: "the process that holds '\(folder.path)'\(claim?.taker ?? holder) took the request but did not answer within \(Int(answerTimeout)) s; check with 'status' whether it was carried out")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The claim of request `id` among the control folder's `names` — `<id>.<pid>.claimed`, or
    /// `<id>.claimed` from an owner of an earlier version — and the process it names, as errors
    /// name it (with its command while it holds the folder).
    private static func claim(of id: String, among names: [String], in control: URL, folder: URL) -> (file: URL, taker: String?)? {
        guard let name = names.first(where: { $0.hasPrefix("\(id).") && $0.hasSuffix(".claimed") }) else { return nil }
        let taker = Int32(name.dropFirst(id.count + 1).dropLast(".claimed".count)).map { pid in
            let command = Ownership.holder(of: folder).flatMap { $0.pid == pid ? $0.command : nil }
            return " (process \(pid)\(command.map { ", '\($0)'" } ?? ""))"
        }
        return (control.appendingPathComponent(name), taker)
    }
}
