// `ServerEngine`: what the server answers from, opened once and shared read-only (catalog, geocoder, rule
// books); `LocatorPool` lends each request its own `EligibilityLocator` (per-thread GEOS/PROJ state).

import Foundation
import QPVAddressing
import QPVCore
import QPVEligibility
import QPVGeocoding
import QPVPerimeters
import Synchronization

/// Everything the server answers from, opened once at start and shared read-only by every request.
/// GEOS and PROJ state is not shared: requests borrow an `EligibilityLocator` from `locators`.
public final class ServerEngine: Sendable {
    public static var softwareVersion: String { QPVVersion.string }

    public let options: ServerOptions
    public let catalog: PerimeterCatalog
    public let geocoder: Geocoder
    public let reverseGeocoder: ReverseGeocoder
    /// True when no BAN is installed and the fictional demonstration addresses answer.
    public let geocoderIsDemo: Bool
    public let emploiFrancBook: RuleBook
    public let adulteRelaisBook: RuleBook
    public let fcsBook: RuleBook
    public let fcsProgrammes: [CohesionFundProgramme]
    /// Programmes of `GET /eligibility/{id}`: installed rule files (`qpv data import-rules`), then shipped ones.
    public let programmeBooks: [RuleBook]
    public let columns: LocateColumns
    /// The QPV columns of geocoded addresses (`/search/csv`, `/search`): `columns` + `qpv_reason`, with the
    /// confidence policy.
    public let addressColumns: AddressLocateColumns
    public let locators: LocatorPool
    let assets: WebAssets
    let versionJSON: String
    /// Installed packs (perimeters, addresses) left out at start because they are damaged: `/health` says
    /// `degraded` and lists them.
    public let damagedPacks: [String]

    public init(
        catalog: PerimeterCatalog, geocoder: Geocoder, geocoderIsDemo: Bool, options: ServerOptions, damagedPacks: [String] = [],
        installedRules: [RuleBook] = []
    ) throws {
        self.options = options
        self.damagedPacks = damagedPacks
        self.catalog = catalog
        self.geocoder = geocoder
        self.geocoderIsDemo = geocoderIsDemo
        self.reverseGeocoder = ReverseGeocoder(geocoder: geocoder)
        emploiFrancBook = try RuleBook.shipped("emploi-franc")
        adulteRelaisBook = try RuleBook.shipped("adulte-relais")
        fcsBook = try RuleBook.shipped("fcs")
        fcsProgrammes = try CohesionFund.programmes(book: fcsBook)
        programmeBooks = installedRules + (try RuleBook.shippedNames().map { try RuleBook.shipped($0) })
        columns = LocateColumns(catalog: catalog)
        addressColumns = AddressLocateColumns(catalog: catalog)
        let resolver = GeocoderAddressResolver(geocoder: geocoder)
        locators = LocatorPool(
            catalog: catalog, resolver: resolver, tolerance: options.boundaryTolerance,
            keep: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))
        assets = try WebAssets.load()
        versionJSON = try VersionReport(
            catalog: catalog, geocoder: geocoder, geocoderIsDemo: geocoderIsDemo,
            books: [emploiFrancBook, adulteRelaisBook, fcsBook]
        ).json()
        // Fail at start, not at the first request, when GEOS or PROJ cannot be set up.
        try locators.with { _ in }
    }

    /// Opens the installed perimeters and addresses of `dataDirectory` (the demonstration data when nothing
    /// is installed, or in addition with `demo`).
    public static func open(dataDirectory: DataDirectory, demo: Bool = false, options: ServerOptions = ServerOptions()) throws -> ServerEngine {
        // A damaged pack does not stop the server: it is left out and reported on /health.
        let catalog = try PerimeterCatalog.open(dataDirectory: dataDirectory, demo: demo, skipDamaged: true)
        var damaged = catalog.damagedPacks
        let geocoder: Geocoder
        let isDemo: Bool
        do {
            (geocoder, isDemo) = try Geocoder.installedOrDemo(dataDirectory: dataDirectory)
        } catch let e as GeocodingError {
            damaged.append("\(e)")
            (geocoder, isDemo) = (try Geocoder.demo(), true)
        }
        return try ServerEngine(
            catalog: catalog, geocoder: geocoder, geocoderIsDemo: isDemo, options: options, damagedPacks: damaged,
            installedRules: try InstalledRules.all(dataDirectory))
    }

    /// True when any answer may come from the fictional demonstration data.
    public var usesDemo: Bool { catalog.includesDemo || geocoderIsDemo }
}

/// Per-thread GEOS/PROJ state for requests: a request borrows one `EligibilityLocator` (which owns a
/// `Locator`), uses it synchronously, and gives it back. A locator is never used by two requests at once;
/// at most `keep` idle locators are kept (their prepared geometries stay warm).
public final class LocatorPool: Sendable {
    /// A locator moves between threads only through the pool's lock and is used by one caller at a time.
    final class Slot: @unchecked Sendable {
        let locator: EligibilityLocator
        init(_ locator: EligibilityLocator) { self.locator = locator }
    }

    let catalog: PerimeterCatalog
    let resolver: any AddressResolving
    let tolerance: Double
    let keep: Int
    private let idle = Mutex<[Slot]>([])
    private let created = Atomic<Int>(0)

    init(catalog: PerimeterCatalog, resolver: any AddressResolving, tolerance: Double, keep: Int) {
        self.catalog = catalog
        self.resolver = resolver
        self.tolerance = tolerance
        self.keep = keep
    }

    /// Number of locators built since start (for tests: stays small under load).
    public var createdCount: Int { created.load(ordering: .relaxed) }

    /// Runs `body` with a locator no one else is using. `body` must not suspend (it is synchronous).
    public func with<T>(_ body: (EligibilityLocator) throws -> T) throws -> T {
        let slot: Slot
        if let s = idle.withLock({ $0.popLast() }) {
            slot = s
        } else {
            slot = Slot(try EligibilityLocator(catalog: catalog, addressResolver: resolver, tolerance: tolerance))
            created.add(1, ordering: .relaxed)
        }
        defer {
            idle.withLock { if $0.count < keep { $0.append(slot) } }
        }
        return try body(slot.locator)
    }
}
