// The answer types of the locate engine: `LocateStatus` (one kind's status at a point), `PerimeterHit`,
// `KindAnswer` (what QPV or QIC says) and `LocateResult` (the full answer for one point on one date).

import QPVCore
import QPVGeometry

/// The answer status for one kind of perimeter (QPV or QIC) at one point.
public enum LocateStatus: String, Sendable, Codable {
    /// Inside a perimeter, farther than the tolerance from every boundary.
    case inside = "in"
    /// Outside every perimeter, farther than the tolerance from every boundary.
    case outside = "out"
    /// Closer than the tolerance to a boundary (inside or outside): the official rule puts a boundary street's
    /// limit in its middle, so a geocoded point there is not a safe answer.
    case boundary
    /// No installed list covers this date and territory.
    case noList = "no_list"
    /// Coordinates missing, non-numeric, out of range or outside France.
    case invalidCoordinates = "invalid_coordinates"
    /// Outside every perimeter, but the installed list does not cover the point's département (partial list),
    /// or the département cannot be established (no commune data, near a département border): not a sure
    /// "out". The reason names what to install.
    case notCovered = "not_covered"
    /// QIC only: the point is outside the EPCI the installed QIC belong to (their columns stay empty).
    case notApplicable = "not_applicable"
}

/// A perimeter found at (or near) a point.
public struct PerimeterHit: Sendable, Equatable {
    /// Global perimeter index in the catalog.
    public let index: Int
    /// The perimeter's code.
    public let code: String
    /// Its name.
    public let name: String
}

/// What one kind of perimeter says about a point.
public struct KindAnswer: Sendable {
    /// The answer for this kind of perimeter.
    public var status: LocateStatus
    /// Perimeters whose polygon contains the point (GEOS `contains` on the original coordinates).
    public var containing: [PerimeterHit]
    /// Distance in metres to the nearest boundary of the sets used (metric CRS of the territory).
    public var distanceBoundaryM: Double?
    /// The nearest perimeter (the containing one when inside) and the distance to its boundary.
    public var nearest: PerimeterHit?
    /// Sets (catalog indices) the answer relied on.
    public var sets: [Int]
}

/// Full answer for one point on one date.
public struct LocateResult: Sendable {
    /// Longitude asked, WGS84.
    public var lon: Double
    /// Latitude asked, WGS84.
    public var lat: Double
    /// Date of the question.
    public var date: CivilDate
    /// Territory of the lists used, nil when none applies.
    public var territory: ListTerritory?
    /// The French territory the point is in (from its coordinates), nil when invalid.
    public var zone: FrenchTerritory?
    /// QPV answer (nil when the coordinates are invalid or no list is installed).
    public var qpv: KindAnswer?
    /// QIC answer (nil when no QIC set is in force there).
    public var qic: KindAnswer?
    /// The headline status, for the QPV question.
    public var status: LocateStatus
    /// The official list that should be installed (status `no_list`). Boxed: results stay small in batches.
    public var missingList: OfficialList? {
        get { missingListBox?.list }
        set { missingListBox = newValue.map(OfficialListBox.init) }
    }
    private var missingListBox: OfficialListBox?

    /// A result from its fields.
    public init(
        lon: Double, lat: Double, date: CivilDate, territory: ListTerritory? = nil, zone: FrenchTerritory? = nil, qpv: KindAnswer? = nil,
        qic: KindAnswer? = nil, status: LocateStatus, missingList: OfficialList? = nil, problem: String? = nil, toleranceM: Double
    ) {
        self.lon = lon
        self.lat = lat
        self.date = date
        self.territory = territory
        self.zone = zone
        self.qpv = qpv
        self.qic = qic
        self.status = status
        self.problem = problem
        self.toleranceM = toleranceM
        self.missingList = missingList
    }
    /// Why the answer is `invalid_coordinates`, `no_list` or `not_covered`, in French.
    public var problem: String?
    /// Distance to a boundary under which the answer is `boundary`, in metres.
    public var toleranceM: Double
    /// Why the QIC answer is `not_covered` or `not_applicable`, in French.
    public var qicProblem: String?
}

final class OfficialListBox: Sendable {
    let list: OfficialList
    init(_ list: OfficialList) { self.list = list }
}
