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
        // The owner named in errors: the process that took the request (its claim names it), once
        // it is taken; the holder when it was sent before.
        var named = owner.map { " (process \($0.pid), '\($0.command)')" } ?? ""
        var taken = false
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            if let data = try OwnerOnlyFile.read(replyFile) {
                try? FileManager.default.removeItem(at: replyFile)
                return try decoder.decode(Reply.self, from: data)
            }
            let waited = clock.now - start
            let unclaimed = FileManager.default.fileExists(atPath: requestFile.path)
            let claim = unclaimed ? nil : Self.claim(of: id, in: control)
            if let claim, !taken {
                taken = true
                named = claim.pid.map { pid in
                    let holder = Ownership.holder(of: folder).flatMap { $0.pid == pid ? $0 : nil }
                    return " (process \(pid)\(holder.map { ", '\($0.command)'" } ?? ""))"
                } ?? named
            } else if !unclaimed, !taken {
                // Taken, and its claim already cleared away: which process took it is not known.
                taken = true
                named = ""
            }
            let ownerGone = unclaimed && Ownership.isFree(folder)
            if unclaimed, ownerGone || waited > .seconds(requestLifetime) {
                // Not taken: withdraw it (a rename either side wins, never both).
                let withdrawn = control.appendingPathComponent("\(id).withdrawn")
                if rename(requestFile.path, withdrawn.path) == 0 {
                    try? FileManager.default.removeItem(at: withdrawn)
                    if ownerGone { return nil }
                    throw ForwardedFailure(
                        description: "the process that holds '\(folder.path)'\(named) did not take the request within \(Int(requestLifetime)) s (is it stopped?); run the command again")
                }
            } else if !unclaimed, claim == nil || Ownership.isFree(folder), try OwnerOnlyFile.read(replyFile) == nil {
                // An owner answers what it took before it lets the folder go, and writes the answer
                // before it removes its claim: this one ended without answering (its claim is gone
                // when the next owner cleared it away).
                if let claim { try? FileManager.default.removeItem(at: claim.file) }
                throw ForwardedFailure(
                    description: "the process that held '\(folder.path)'\(named) took the request but ended before answering (it was stopped or killed); check with 'status', then run the command again")
            } else if !unclaimed, !request.waitsForRun, waited > .seconds(answerTimeout) {
                throw ForwardedFailure(
                    description: "the process that holds '\(folder.path)'\(named) took the request but did not answer within \(Int(answerTimeout)) s; check with 'status' whether it was carried out")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The claim of request `id` — `<id>.<pid>.claimed`, or `<id>.claimed` from an owner of an
    /// earlier version — and the pid of the process that took it, if the name holds one.
    private static func claim(of id: String, in control: URL) -> (file: URL, pid: Int32?)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: control.path)) ?? []
        guard let name = names.first(where: { $0.hasPrefix("\(id).") && $0.hasSuffix(".claimed") }) else { return nil }
        let middle = name.dropFirst(id.count + 1).dropLast(".claimed".count)
        return (control.appendingPathComponent(name), Int32(middle))
    }
}
