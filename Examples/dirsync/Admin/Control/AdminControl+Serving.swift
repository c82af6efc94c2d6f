import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AdminControl {
    /// Carries out the requests of other processes while this one owns the folder.
    final class Server: Sendable {
        private let task: Task<Void, Never>

        init(folder: URL, service: DirectoryService, secrets: any SecretStore) {
            let control = folder.appendingPathComponent("control")
            AdminControl.removeLeftovers(in: control)
            if let secrets = secrets as? FileSecretStore { AdminControl.removeStaleHandovers(in: secrets.folder) }
            task = Task {
                await withTaskGroup(of: Void.self) { group in
                    while !Task.isCancelled {
                        for file in AdminControl.pending(in: control) {
                            // Served in a task of its own: `stop()` cancels taking requests, not
                            // the ones taken (awaiting a task's value does not pass cancellation on).
                            group.addTask { await Task { await AdminControl.serve(file, in: control, service: service, secrets: secrets) }.value }
                        }
                        try? await Task.sleep(for: AdminControl.pollInterval)
                    }
                    // Requests already taken are answered before the process ends.
                    await group.waitForAll()
                }
            }
        }

        /// Stops taking requests; those taken are carried out (``stop()`` waits for them).
        func stopTaking() { task.cancel() }

        /// Stops taking requests and waits for those taken.
        func stop() async {
            stopTaking()
            await task.value
        }
    }

    /// Removes what earlier owners and senders left: requests taken by an owner that died, and
    /// answers and half-written files (`.<name>.<id>.tmp`, of a process killed while it wrote)
    /// nobody read within a request's lifetime.
    static func removeLeftovers(in control: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: control.path)) ?? []
        for name in names where name.hasSuffix(".claimed") || name.hasSuffix(".reply") || name.hasSuffix(".withdrawn") || name.hasSuffix(".tmp") {
            let file = control.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date) ?? .distantPast
            if name.hasSuffix(".claimed") || Date().timeIntervalSince(modified) > requestLifetime { try? FileManager.default.removeItem(at: file) }
        }
    }

    /// How long a secret handed over by `credentials set` can still be needed: each sending of a
    /// request not taken within ``requestLifetime`` is never carried out, and a sender sends it
    /// anew for at most ``requestLifetime`` (while owners end before taking it) — so the secret is
    /// read, at once by the owner that takes it, at most twice that after it was written.
    static let handoverLifetime: TimeInterval = requestLifetime + answerTimeout

    /// Removes the secrets `credentials set` handed over (`<source>.client-secret.handover-<id>` in
    /// the folder's secret store) that no request can still need — older than
    /// ``handoverLifetime`` —, which a sender or owner that was killed left behind. Younger ones may
    /// belong to a request on its way, and stay.
    static func removeStaleHandovers(in secrets: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: secrets.path)) ?? []
        for name in names where name.hasSuffix(".secret") {
            // The store percent-encodes a key into a file name (`.` is `%2E`).
            guard let key = name.removingPercentEncoding, key.contains(".client-secret.handover-") else { continue }
            let file = secrets.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date) ?? .distantFuture
            if Date().timeIntervalSince(modified) > handoverLifetime { try? FileManager.default.removeItem(at: file) }
        }
    }

    /// Takes the requests waiting in `control`: `<id>.request` renamed `<id>.<pid>.claimed`, so no
    /// other owner takes it too, and its sender knows which process took it.
    static func pending(in control: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: control.path)) ?? []
        return names.filter { $0.hasSuffix(".request") }.compactMap { name in
            let claimed = control.appendingPathComponent("\(requestID(name)).\(getpid()).claimed")
            return rename(control.appendingPathComponent(name).path, claimed.path) == 0 ? claimed : nil
        }
    }

    /// The request id a control file's name starts with (`<id>.request`, `<id>.<pid>.claimed`, …).
    static func requestID(_ name: String) -> Substring { name.prefix { $0 != "." } }

    private static func serve(_ claimed: URL, in control: URL, service: DirectoryService, secrets: any SecretStore) async {
        defer { try? FileManager.default.removeItem(at: claimed) }
        let replyFile = control.appendingPathComponent(requestID(claimed.lastPathComponent) + ".reply")
        let reply: Reply
        do {
            guard let data = try OwnerOnlyFile.read(claimed) else { return }
            let request = try decoder.decode(Request.self, from: data)
            if abs(Date().timeIntervalSince(request.sentAt)) < requestLifetime {
                reply = await perform(request, on: service, secrets: secrets)
            } else {
                reply = Reply(status: 1, output: "", error: "the request waited more than \(Int(requestLifetime)) s and was not carried out; run the command again", isUsageError: false)
            }
        } catch {
            reply = Reply(status: 1, output: "", error: "the request could not be read: \(error)", isUsageError: false)
        }
        try? OwnerOnlyFile.write(try encoder.encode(reply), to: replyFile)
    }
}
