#if !FUZZING
import Foundation

/// Without libFuzzer (a normal build): runs every target on every file given (or found in the
/// folders given), so CI replays the seed corpus and the regression inputs.
@main
enum Replay {
    static func main() {
        var inputs = 0
        for path in CommandLine.arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            var files: [URL] = [url]
            if let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) {
                files = enumerator.compactMap { $0 as? URL }.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            }
            for file in files {
                guard let data = try? Data(contentsOf: file) else { continue }
                data.withUnsafeBytes { buffer in
                    _ = fuzzOneInput(buffer.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
                }
                inputs += 1
            }
        }
        print("replayed \(inputs) inputs through \(selectedTargets.map(\.rawValue).joined(separator: ", "))")
    }
}
#endif
