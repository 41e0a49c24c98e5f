// swift-tools-version: 6.1
// qpv — offline engine for France's politique de la ville geography (QPV, QIC, carreaux INSEE).
import PackageDescription

let package = Package(
    name: "qpv",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "qpv", targets: ["qpv"]),
        .library(name: "QPVCore", targets: ["QPVCore"]),
        .library(name: "QPVGeometry", targets: ["QPVGeometry"]),
        .library(name: "QPVPerimeters", targets: ["QPVPerimeters"]),
        .library(name: "QPVCarreaux", targets: ["QPVCarreaux"]),
        .library(name: "QPVTabular", targets: ["QPVTabular"]),
        .library(name: "QPVGeocoding", targets: ["QPVGeocoding"]),
        .library(name: "QPVEligibility", targets: ["QPVEligibility"]),
        .library(name: "QPVExport", targets: ["QPVExport"]),
        .library(name: "QPVServer", targets: ["QPVServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // HTTP server for `qpv serve` (no default traits: swift-configuration is not needed).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The server tests stop their servers by a graceful shutdown (`ServiceGroup`), never by cancellation.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // `swift package generate-documentation` for the DocC catalogs (Scripts/test-docs).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // System libraries (C APIs through pkg-config; Debian packages named as providers).
        .systemLibrary(name: "CGEOS", pkgConfig: "geos", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The C library's printf fixed-point formatting, called without variadic arguments.
        .systemLibrary(name: "CFormat"),
        // PROJ's C API, loaded on first use rather than linked (headers from libproj-dev; see qpv_proj.h).
        .target(name: "CPROJ", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),

        // Calendar dates, the data directory, French number formatting.
        .target(name: "QPVCore", dependencies: ["CFormat"]),
        // Registries, rule tables and the demo pack authored by the project, as bundle resources: the code in
        // Sources/QPVGeoData, the data where the project keeps it (GeoData/ at the root; resource paths are
        // relative to the target's folder).
        .target(
            name: "QPVGeoData", resources: [.copy("../../GeoData/registry"), .copy("../../GeoData/demo"), .copy("../../GeoData/rules")]),
        // Streaming CSV in/out, encodings, ordered parallel batches, progress line.
        .target(name: "QPVTabular", dependencies: ["QPVCore", "CZlib"]),
        // Swift wrappers over GEOS and PROJ: geometries, validity, prepared predicates, STR-tree, transforms.
        .target(name: "QPVGeometry", dependencies: ["QPVCore", "CGEOS", "CPROJ", "CSQLite"]),
        // Perimeter files (GeoJSON, GeoPackage), compiled packs, registry of official lists, locate engine.
        .target(
            name: "QPVPerimeters",
            dependencies: [
                "QPVCore", "QPVGeometry", "QPVTabular", "QPVGeoData", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Offline BAN geocoder: address packs, normaliser, matcher, batch CSV pipeline.
        .target(
            name: "QPVGeocoding",
            dependencies: ["QPVCore", "QPVTabular", "QPVGeoData", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Eligibility verdicts (emplois francs, adultes-relais, Fonds de cohésion sociale, TFPB): dated rule tables,
        // the engine that explains them, the TFPB batch.
        .target(
            name: "QPVEligibility",
            dependencies: ["QPVCore", "QPVGeometry", "QPVPerimeters", "QPVTabular", "QPVGeoData"]
        ),
        // Geocoded addresses with their QPV answer (shared by `qpv geocode`, `--address` and the API): the
        // geocoding confidence policy and the street-level check applied to the QPV columns.
        .target(
            name: "QPVAddressing",
            dependencies: ["QPVCore", "QPVTabular", "QPVPerimeters", "QPVGeocoding", "QPVEligibility"]
        ),
        // INSEE 200 m carreaux against perimeters: shares, Filosofi statistics, QIC candidates.
        .target(name: "QPVCarreaux", dependencies: ["QPVCore", "QPVTabular", "QPVGeometry", "QPVPerimeters"]),
        // Exports for other engines: PostGIS script with SQL locate functions (Citus-ready), GeoJSON, CSV+WKB.
        .target(name: "QPVExport", dependencies: ["QPVCore", "QPVGeometry", "QPVPerimeters", "QPVTabular"]),
        // HTTP API and the counsellor's web page (`qpv serve`): one shared engine, per-thread GEOS/PROJ state.
        .target(
            name: "QPVServer",
            dependencies: [
                "QPVCore", "QPVTabular", "QPVGeometry", "QPVPerimeters", "QPVGeocoding", "QPVEligibility", "QPVGeoData", "QPVAddressing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Web")]
        ),
        // Command-line interface: parses arguments, calls the libraries, prints.
        .executableTarget(
            name: "qpv",
            dependencies: [
                "QPVCore", "QPVPerimeters", "QPVTabular", "QPVGeometry", "QPVGeocoding", "QPVEligibility", "QPVCarreaux", "QPVExport", "QPVServer",
                "QPVAddressing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The Swift runtime and Foundation linked in (issue 17, goal 3): at each start the dynamic loader resolved
            // ~28,000 symbols against a dozen Swift libraries, a fifth of a single `qpv locate` (41 -> 35 ms). The
            // static Foundation needs its own C libraries named (SwiftPM's --static-swift-stdlib would compile every
            // module a second time for the tests, which link dynamically). Release builds only: the sanitizer
            // builds (debug, Scripts/test-sanitizers) keep the dynamic runtime their instrumentation expects.
            linkerSettings: [
                .unsafeFlags(
                    ["-static-stdlib", "-lCoreFoundation", "-l_FoundationCollections", "-l_FoundationCShims", "-l_FoundationICU"],
                    .when(platforms: [.linux], configuration: .release))
            ]
        ),
        // In-memory benchmark of the engines (Scripts/bench compares it with shapely in the same run).
        .executableTarget(name: "qpv-bench", dependencies: ["QPVCore", "QPVGeometry", "QPVPerimeters", "QPVTabular"]),
        // Helpers shared by the test targets (paths to ../shared, temporary directories, CLI runner, truth points,
        // the small BAN file, pack installation, the seeded generator).
        .target(name: "QPVTestSupport", dependencies: ["QPVCore", "QPVGeometry", "QPVPerimeters"]),

        .testTarget(name: "QPVCoreTests", dependencies: ["QPVCore", "QPVTestSupport"]),
        .testTarget(name: "QPVTabularTests", dependencies: ["QPVTabular", "QPVTestSupport"]),
        .testTarget(name: "QPVGeometryTests", dependencies: ["QPVGeometry", "QPVTestSupport"]),
        .testTarget(name: "QPVPerimetersTests", dependencies: ["QPVPerimeters", "QPVTestSupport"]),
        .testTarget(name: "QPVGeocodingTests", dependencies: ["QPVCore", "QPVGeocoding", "QPVTabular", "QPVTestSupport"]),
        .testTarget(
            name: "QPVServerTests",
            dependencies: [
                "QPVServer", "QPVCore", "QPVPerimeters", "QPVGeocoding", "QPVEligibility", "QPVGeoData", "QPVTestSupport", "QPVAddressing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // rules/: the fictional programme file the tests read by path (SharedData.fictionalProgramme).
        .testTarget(
            name: "QPVEligibilityTests", dependencies: ["QPVEligibility", "QPVPerimeters", "QPVGeometry", "QPVTestSupport"], exclude: ["rules"]),
        .testTarget(name: "QPVCarreauxTests", dependencies: ["QPVCarreaux", "QPVPerimeters", "QPVGeometry", "QPVTabular", "QPVTestSupport"]),
        .testTarget(name: "QPVExportTests", dependencies: ["QPVExport", "QPVPerimeters", "QPVTabular", "QPVTestSupport"]),
        // Tests of the `qpv` binary itself (CLIRunner): what a user types and sees.
        .testTarget(
            name: "QPVCLITests",
            dependencies: ["QPVCore", "QPVPerimeters", "QPVTabular", "QPVGeocoding", "QPVEligibility", "QPVTestSupport"]
        ),
    ]
)
