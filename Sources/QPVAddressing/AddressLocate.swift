// QPVAddressing — geocoded addresses with their QPV answer: the one place where the geocoder (QPVGeocoding)
// meets the locate engine (QPVPerimeters). Used by `qpv geocode --input`, `qpv locate --address`, the
// eligibility commands' `--address`, and the HTTP API (`/search/csv`, `/search`, `address=`).
//
// The QPV answer of a geocoded address follows `ConfidencePolicy`: a doubtful geocoding (score not above 0.8,
// close second candidate, commune only) gives `to_verify` with the reason; a street-level result (the house
// number is not in the BAN) gives the street's answer only when every known address of the street agrees.

import Foundation
import QPVCore
import QPVEligibility
import QPVGeocoding
import QPVPerimeters
import QPVTabular

/// An `AddressResolving` backed by the offline geocoder, applying the confidence policy.
public struct GeocoderAddressResolver: AddressResolving {
    public let geocoder: Geocoder
    public let policy: ConfidencePolicy

    public init(geocoder: Geocoder, policy: ConfidencePolicy = .standard) {
        self.geocoder = geocoder
        self.policy = policy
    }

    public func resolve(_ address: String) throws -> ResolvedAddress? {
        let results = geocoder.geocode(address, options: GeocodeOptions(limit: 3))
        guard let best = results.first else { return nil }
        var r = ResolvedAddress(
            lon: best.lon, lat: best.lat, label: best.label, score: best.score, precision: best.type.rawValue,
            cityCode: best.citycode, cityName: best.city)
        r.confidenceProblem = policy.problem(results)
        r.candidates = results.dropFirst().map(\.label)
        if best.type == .street || best.type == .locality {
            let points = geocoder.addressPositions(ofStreetOf: best)
            r.streetLons = points.map(\.lon)
            r.streetLats = points.map(\.lat)
        }
        return r
    }
}

/// The QPV columns appended to geocoded rows: those of `qpv locate` batches, plus `qpv_reason`. `qpv_status`
/// is `to_verify` when the geocoding cannot be relied on or the street crosses a boundary.
public struct AddressLocateColumns: Sendable {
    public var locate: LocateColumns
    public let policy: ConfidencePolicy
    public static let reasonColumn = "qpv_reason"
    public static let toVerify = "to_verify"

    /// `decimalMark`: the output file's decimal separator for `distance_boundary_m` (the input's, or `--decimal`).
    public init(catalog: PerimeterCatalog, policy: ConfidencePolicy = .standard, decimalMark: DecimalMark = .point) {
        locate = LocateColumns(catalog: catalog)
        locate.decimalMark = decimalMark
        self.policy = policy
    }

    public var names: [String] { locate.names + [Self.reasonColumn] }

    public func values(status: String) -> [String] { locate.values(status: status) + [""] }

    /// The values for one row's geocoding results (best first), located with `locator`. An engine failure
    /// (GEOS/PROJ, damaged pack) gives `qpv_status=error` with the reason in `qpv_reason`, never blamed on the
    /// address, and is passed to `engineError`.
    public func values(
        _ results: [GeocodeResult], geocoder: Geocoder, locator: Locator, on date: CivilDate, tolerance: Double,
        engineError: ((String) -> Void)? = nil
    ) -> [String] {
        guard let best = results.first else { return values(status: "not_geocoded") }
        let located: LocateResult
        do {
            located = try locator.locate(
                lon: best.lon, lat: best.lat, on: date, tolerance: tolerance, commune: best.citycode.isEmpty ? nil : best.citycode)
        } catch {
            engineError?("\(error)")
            var row = values(status: LocateBatch.errorStatus)
            row[row.count - 1] = EngineFailure.reason(error, notThe: "l'adresse")
            return row
        }
        var row = locate.values(located)
        let check = AddressCheck(results, located: located, geocoder: geocoder, locator: locator, on: date, tolerance: tolerance, policy: policy)
        if check.toVerify { row[0] = Self.toVerify }
        return row + [check.reason ?? ""]
    }

    /// The annotation of a `BatchGeocoder` run: one `Locator` per worker thread; `count` sees each row's
    /// `qpv_status`; `engineError` sees each engine failure (the batch then exits non-zero).
    public func annotation(
        geocoder: Geocoder, catalog: PerimeterCatalog, date: CivilDate, tolerance: Double,
        count: (@Sendable (String) -> Void)? = nil,
        engineError: (@Sendable (String) -> Void)? = nil
    ) -> CoordinateAnnotation {
        let columns = self
        return CoordinateAnnotation(
            columns: names, valuesWhenNotGeocoded: values(status: "not_geocoded"),
            makeResultWorker: {
                let locator = try Locator(catalog: catalog)
                return { results in
                    let v = columns.values(results, geocoder: geocoder, locator: locator, on: date, tolerance: tolerance, engineError: engineError)
                    count?(v[0])
                    return v
                }
            })
    }
}

/// Whether the QPV answer at a geocoded address can be given: the confidence policy, then for a street-level
/// result the whole street.
public struct AddressCheck: Sendable, Equatable {
    /// The answer must be « à vérifier ».
    public var toVerify: Bool
    /// Why (to_verify), or how a street-level answer was obtained; nil for a sure house-number answer.
    public var reason: String?

    public init(
        _ results: [GeocodeResult], located: LocateResult, geocoder: Geocoder, locator: Locator, on date: CivilDate,
        tolerance: Double, policy: ConfidencePolicy = .standard
    ) {
        toVerify = false
        reason = nil
        guard let best = results.first else { toVerify = true; reason = "adresse introuvable"; return }
        if let problem = policy.problem(results) {
            toVerify = true
            reason = problem
            return
        }
        guard best.type == .street || best.type == .locality,
            located.status == .inside || located.status == .outside || located.status == .boundary
        else { return }
        let points = geocoder.addressPositions(ofStreetOf: best)
        guard
            let side = try? locator.streetSide(
                lons: points.map(\.lon), lats: points.map(\.lat), on: date, tolerance: tolerance,
                commune: best.citycode.isEmpty ? nil : best.citycode)
        else { return }
        toVerify = !side.uniform
        reason = side.frenchReason(
            best.missingHousenumber.isEmpty ? "adresse sans numéro" : "numéro \(best.missingHousenumber) introuvable dans la BAN")
    }
}
