// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "DirectorySync",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "DirectorySync", targets: ["DirectorySync"]),
        .library(name: "DirectorySyncHTTP", targets: ["DirectorySyncHTTP"]),
        .library(name: "DirectorySyncEntra", targets: ["DirectorySyncEntra"]),
        .library(name: "DirectorySyncSCIM", targets: ["DirectorySyncSCIM"]),
        .library(name: "DirectorySyncEtcd", targets: ["DirectorySyncEtcd"]),
        .library(name: "DirectorySyncTesting", targets: ["DirectorySyncTesting"]),
        .executable(name: "dirsync", targets: ["dirsync"]),
        .executable(name: "dirsync-bench", targets: ["dirsync-bench"]),
    ],
    targets: [
        .target(name: "DirectorySync"),
        .target(name: "DirectorySyncHTTP", dependencies: ["DirectorySync"]),
        .target(name: "DirectorySyncEntra", dependencies: ["DirectorySync", "DirectorySyncHTTP"]),
        .target(name: "DirectorySyncSCIM", dependencies: ["DirectorySync", "DirectorySyncHTTP"]),
        .target(name: "DirectorySyncEtcd", dependencies: ["DirectorySync", "DirectorySyncHTTP"]),
        .target(name: "DirectorySyncTesting", dependencies: ["DirectorySync", "DirectorySyncHTTP"]),
        .executableTarget(
            name: "dirsync",
            dependencies: ["DirectorySync", "DirectorySyncHTTP", "DirectorySyncEntra", "DirectorySyncSCIM", "DirectorySyncEtcd", "DirectorySyncTesting"],
            path: "Examples/dirsync"
        ),
        .executableTarget(
            name: "dirsync-bench",
            dependencies: ["DirectorySync", "DirectorySyncHTTP", "DirectorySyncEntra", "DirectorySyncEtcd", "DirectorySyncSCIM", "DirectorySyncTesting"],
            path: "Benchmarks/dirsync-bench"
        ),
        .executableTarget(
            name: "CustomStore",
            dependencies: ["DirectorySync", "DirectorySyncTesting"],
            path: "Examples/CustomStore"
        ),
        .executableTarget(
            name: "dirsync-fuzz", dependencies: ["DirectorySync", "DirectorySyncEntra", "DirectorySyncSCIM"], path: "Fuzz", exclude: ["Corpus"]
        ),
        .testTarget(name: "DirectorySyncTests", dependencies: ["DirectorySync", "DirectorySyncTesting"]),
        .testTarget(name: "DirectorySyncTestingTests", dependencies: ["DirectorySync", "DirectorySyncHTTP", "DirectorySyncTesting"]),
        .testTarget(name: "DirectorySyncEntraTests", dependencies: ["DirectorySync", "DirectorySyncHTTP", "DirectorySyncEntra", "DirectorySyncTesting"]),
        .testTarget(name: "DirectorySyncSCIMTests", dependencies: ["DirectorySync", "DirectorySyncHTTP", "DirectorySyncSCIM", "DirectorySyncEntra", "DirectorySyncTesting"]),
        .testTarget(name: "DirectorySyncEtcdTests", dependencies: ["DirectorySync", "DirectorySyncHTTP", "DirectorySyncEtcd", "DirectorySyncTesting"]),
        .testTarget(name: "DirectorySyncHTTPTests", dependencies: ["DirectorySync", "DirectorySyncHTTP", "DirectorySyncTesting"]),
        .testTarget(name: "dirsyncTests", dependencies: ["dirsync", "DirectorySync", "DirectorySyncHTTP", "DirectorySyncEtcd", "DirectorySyncSCIM", "DirectorySyncTesting"]),
    ],
    swiftLanguageModes: [.v6]
)

// One settings loop for every target: Swift 6 mode comes from the manifest, these add the rest.
for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
