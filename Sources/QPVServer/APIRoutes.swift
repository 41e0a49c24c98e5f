// `APIRoutes`: the GET routes of the API and the page (/search, /reverse, /locate, /eligibility/*, /perimeters,
// assets) and their JSON / GeoJSON answers. `POST /search/csv` is `CSVBatchEndpoint`, `POST /eligibility/{id}/csv`
// `ProgrammeCSVEndpoint`.

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QPVAddressing
import QPVCore
import QPVEligibility
import QPVGeocoding
import QPVGeometry
import QPVPerimeters

/// The routes of the API and the page. Every handler parses its query strictly (unknown parameters are
/// refused), answers JSON or GeoJSON, and throws `APIError` for bad input (turned into a JSON 4xx by
/// `AccessLog`). Documented in `Web/openapi.json`; the tests check that document against these routes.
public struct APIRoutes: Sendable {
    let engine: ServerEngine

    /// Route templates, as logged and documented.
    public static let getRoutes = [
        "/", "/app.js", "/app.css", "/openapi.json", "/health", "/version", "/search", "/reverse", "/nearby", "/locate",
        "/eligibility/emploi-franc", "/eligibility/adulte-relais", "/eligibility/fcs", "/eligibility/{id}", "/perimeters", "/perimeters/{code}",
    ]
    public static let postRoutes = ["/search/csv", "/eligibility/{id}/csv"]

    /// Methods a concrete path answers to (for 405 answers).
    static func methods(forPath path: String) -> [String] {
        func matches(_ template: String) -> Bool {
            let t = template.split(separator: "/", omittingEmptySubsequences: false)
            let p = path.split(separator: "/", omittingEmptySubsequences: false)
            return t.count == p.count && zip(t, p).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
        var out: [String] = []
        if getRoutes.contains(where: matches) { out += ["GET", "HEAD"] }
        if postRoutes.contains(where: matches) { out.append("POST") }
        return out
    }

    func register(on router: Router<BasicRequestContext>) {
        for path in ["/", "/app.js", "/app.css", "/openapi.json"] {
            router.get(RouterPath(path)) { _, _ in try asset(path) }
        }
        router.get("/health") { _, _ in health() }
        router.get("/version") { _, _ in json(engine.versionJSON) }
        router.get("/search") { request, _ in try search(try QueryParameters(request.uri.query)) }
        router.get("/reverse") { request, _ in try reverse(try QueryParameters(request.uri.query)) }
        router.get("/nearby") { request, _ in try nearby(try QueryParameters(request.uri.query)) }
        router.get("/locate") { request, _ in try locate(try QueryParameters(request.uri.query)) }
        router.get("/eligibility/emploi-franc") { request, _ in try emploiFranc(try QueryParameters(request.uri.query)) }
        router.get("/eligibility/adulte-relais") { request, _ in try adulteRelais(try QueryParameters(request.uri.query)) }
        router.get("/eligibility/fcs") { request, _ in try cohesionFund(try QueryParameters(request.uri.query)) }
        router.get("/eligibility/:id") { request, context in
            try programme(context.parameters.get("id") ?? "", try QueryParameters(request.uri.query))
        }
        router.get("/perimeters") { request, _ in try perimeters(try QueryParameters(request.uri.query)) }
        router.get("/perimeters/:code") { request, context in
            try perimeter(context.parameters.get("code") ?? "", try QueryParameters(request.uri.query))
        }
        router.post("/search/csv") { request, context in
            try await CSVBatchEndpoint(engine: engine).respond(request, logger: context.logger)
        }
        router.post("/eligibility/:id/csv") { request, context in
            try await ProgrammeCSVEndpoint(engine: engine).respond(context.parameters.get("id") ?? "", request, logger: context.logger)
        }
    }

    // MARK: - Responses

    func json(_ body: String, status: HTTPResponse.Status = .ok, contentType: String = "application/json; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    func geojson(_ body: String) -> Response { json(body, contentType: "application/geo+json; charset=utf-8") }

    func encode<T: Encodable>(_ value: T) throws -> String { try CompactJSONEncoder.string(value) }

    func asset(_ path: String) throws -> Response {
        guard let a = engine.assets[path] else { throw APIError(.notFound, "not_found", "fichier inconnu") }
        var headers = HTTPFields()
        headers[.contentType] = a.contentType
        headers[.cacheControl] = "no-cache"
        // The page loads nothing from elsewhere (no CDN, no tiles, no fonts) and is never framed (clickjacking).
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: a.bytes)))
    }

    func health() -> Response {
        let damaged = engine.damagedPacks
        let status = damaged.isEmpty ? "ok" : "degraded"
        return json(
            "{\"status\":\"\(status)\",\"demo\":\(engine.usesDemo),\"demo_addresses\":\(engine.geocoderIsDemo),\"perimeters\":\(engine.catalog.perimeters.count),"
                + "\"addresses\":\(engine.geocoder.addressCount),\"locators\":\(engine.locators.createdCount),"
                + "\"damaged_packs\":[\(damaged.map(jsonQuoted).joined(separator: ","))]}")
    }

    // MARK: - Geocoding

    /// `GET /search`: api-adresse's FeatureCollection, each feature with the QPV answer at its position.
    func search(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(["q", "limit", "postcode", "citycode", "type", "lat", "lon", "autocomplete", "date"])
        let text = try q.required("q", hint: "adresse à chercher")
        // Characters counted as JSON Schema counts them (code points), as /openapi.json says.
        let length = text.unicodeScalars.count
        guard (3...200).contains(length) else {
            throw APIError.invalid("q", "de 3 à 200 caractères attendus (\(length) reçus)")
        }
        let limit = try q.integer("limit", range: 1...engine.options.maxResults) ?? 5
        let postcode = q["postcode"]
        if let postcode, !(postcode.count == 5 && postcode.allSatisfy(\.isASCIIDigit)) {
            throw APIError.invalid("postcode", "« \(postcode) » : code postal à 5 chiffres attendu")
        }
        let citycode = q["citycode"]
        if let citycode, !Self.isCommuneCode(citycode) {
            throw APIError.invalid("citycode", "« \(citycode) » : code INSEE de commune à 5 caractères attendu (ex. 59350, 2A004)")
        }
        let date = try q.date("date") ?? CivilDate.today()
        let type = try Self.resultType(q)
        // api-adresse: lat and lon together give priority to results near the point.
        var near: (lon: Double, lat: Double)?
        if q["lat"] != nil || q["lon"] != nil {
            let (lon, lat) = try q.point()
            near = (lon, lat)
        }
        // api-adresse's autocomplete (1 by default) completes the last word of the query.
        if let a = q["autocomplete"], a != "0" && a != "1" {
            throw APIError.invalid("autocomplete", "« \(a) » : 0 ou 1 attendu")
        }
        let autocomplete = q["autocomplete"] != "0"
        let results = engine.geocoder.geocode(
            text, options: GeocodeOptions(limit: limit, postcode: postcode, citycode: citycode, type: type, near: near, autocomplete: autocomplete))
        let features = try featuresJSON(results.map { ($0, nil) }, date: date, ranked: results)
        var head = "{\"type\":\"FeatureCollection\",\"version\":\"draft\",\"features\":[\(features)],"
        head += "\"attribution\":\(jsonQuoted(engine.geocoderIsDemo ? "Adresses de démonstration fictives" : "BAN")),\"licence\":\"ETALAB-2.0\","
        head +=
            "\"query\":\(jsonQuoted(text)),\"filters\":{"
            + [postcode.map { "\"postcode\":\(jsonQuoted($0))" }, citycode.map { "\"citycode\":\(jsonQuoted($0))" }].compactMap { $0 }.joined(
                separator: ",") + "},"
        head += "\"limit\":\(limit),\"date\":\"\(date)\",\"boundary_tolerance_m\":\(engine.options.boundaryTolerance),\"demo\":\(engine.usesDemo)}"
        return geojson(head)
    }

    /// `GET /reverse`: the nearest addresses of a point, same shape as `/search`, with `distance` (m).
    func reverse(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(["lon", "lat", "limit", "type", "date"])
        let (lon, lat) = try q.point()
        let limit = try q.integer("limit", range: 1...engine.options.maxResults) ?? 1
        let date = try q.date("date") ?? CivilDate.today()
        let type = try Self.resultType(q)
        var found = engine.reverseGeocoder.reverse(lon: lon, lat: lat, limit: type == nil ? limit : max(limit, 20)).map { ($0.address, $0.distanceM) }
        if let type {
            // The street, lieu-dit or commune of the nearest addresses, each once.
            var seen = Set<String>()
            found = Array(
                found.compactMap { a, d in engine.geocoder.result(a, as: type).map { ($0, d) } }.filter { seen.insert($0.0.id).inserted }.prefix(
                    limit))
        }
        let features = try featuresJSON(found.map { ($0.0, Optional($0.1)) }, date: date)
        var body = "{\"type\":\"FeatureCollection\",\"version\":\"draft\",\"features\":[\(features)],"
        body += "\"attribution\":\(jsonQuoted(engine.geocoderIsDemo ? "Adresses de démonstration fictives" : "BAN")),\"licence\":\"ETALAB-2.0\","
        body += "\"limit\":\(limit),\"date\":\"\(date)\",\"boundary_tolerance_m\":\(engine.options.boundaryTolerance),\"demo\":\(engine.usesDemo)}"
        return geojson(body)
    }

    /// `GET /nearby`: the installed addresses and streets within `radius` metres of a point, for the page's map
    /// (drawn offline, without tiles): a Point per address, a LineString (or a Point) per street, its line
    /// drawn through the street's addresses (approximate: the BAN has no street centre lines).
    func nearby(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(["lon", "lat", "radius", "limit"])
        let (lon, lat) = try q.point()
        let radius = try q.number("radius", range: 1...ReverseGeocoder.maxNearbyRadiusM) ?? 250
        let limit = try q.integer("limit", range: 1...2000) ?? 500
        let found = engine.reverseGeocoder.nearby(lon: lon, lat: lat, radiusM: radius, limit: limit)
        func point(_ lon: Double, _ lat: Double) -> String { "[\(GeoJSONGeometry.format(lon, 7)),\(GeoJSONGeometry.format(lat, 7))]" }
        var features: [String] = []
        for s in found.streets {
            let coordinates = zip(s.lineLons, s.lineLats).map { point($0, $1) }
            let geometry =
                coordinates.count > 1
                ? "{\"type\":\"LineString\",\"coordinates\":[\(coordinates.joined(separator: ","))]}"
                : "{\"type\":\"Point\",\"coordinates\":\(coordinates.first ?? "[]")}"
            features.append(
                "{\"type\":\"Feature\",\"geometry\":\(geometry),\"properties\":{\"kind\":\"street\",\"name\":\(jsonQuoted(s.name)),"
                    + "\"id\":\(jsonQuoted(s.id)),\"locality\":\(s.isLocality),\"address_count\":\(s.addressCount)}}")
        }
        for a in found.addresses {
            let r = a.address
            features.append(
                "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":\(point(r.lon, r.lat))},\"properties\":{\"kind\":\"address\","
                    + "\"label\":\(jsonQuoted(r.label)),\"housenumber\":\(jsonQuoted(r.housenumber)),\"street\":\(jsonQuoted(r.street)),\"id\":\(jsonQuoted(r.id)),"
                    + "\"distance\":\(a.distanceM)}}")
        }
        var body = "{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))],"
        body += "\"radius_m\":\(GeoJSONGeometry.format(radius, 2)),\"limit\":\(limit),\"truncated\":\(found.truncated),"
        body +=
            "\"attribution\":\(jsonQuoted(engine.geocoderIsDemo ? "Adresses de démonstration fictives" : "BAN")),\"licence\":\"ETALAB-2.0\",\"demo\":\(engine.geocoderIsDemo)}"
        return geojson(body)
    }

    /// api-adresse's `type` parameter.
    static func resultType(_ q: QueryParameters) throws -> GeocodeResultType? {
        guard let t = q["type"] else { return nil }
        guard let type = GeocodeResultType(rawValue: t) else {
            throw APIError.invalid("type", "« \(t) » : valeurs possibles \(GeocodeResultType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return type
    }

    /// Features of geocoding results with api-adresse's properties, then the QPV columns of `qpv geocode`
    /// batches as typed properties (`qpv_status` is `to_verify` when the confidence policy or the street check
    /// says so, with `qpv_reason`). `ranked`: the search's results, best first (the confidence of the first
    /// feature depends on the second).
    func featuresJSON(_ items: [(GeocodeResult, Double?)], date: CivilDate, ranked: [GeocodeResult]? = nil) throws -> String {
        guard !items.isEmpty else { return "" }
        let tolerance = engine.options.boundaryTolerance
        let (located, values, xy) = try engine.locators.with { l in
            let located = try l.locator.locate(
                lons: items.map(\.0.lon), lats: items.map(\.0.lat), on: date, tolerance: tolerance, communes: items.map(\.0.citycode))
            let values = items.enumerated().map { k, item in
                engine.addressColumns.values(
                    k == 0 && ranked != nil ? ranked! : [item.0], geocoder: engine.geocoder, locator: l.locator,
                    on: date, tolerance: tolerance)
            }
            let xy = items.map { (try? l.locator.projected(lon: $0.0.lon, lat: $0.0.lat)) ?? (x: .nan, y: .nan) }
            return (located, values, xy)
        }
        let names = engine.addressColumns.names
        return items.indices.map { k in
            let (a, distance) = items[k]
            let r = located[k]
            var p = "\"label\":\(jsonQuoted(a.label)),\"score\":\(a.score),"
            if a.type == .housenumber { p += "\"housenumber\":\(jsonQuoted(a.housenumber))," }
            p += "\"id\":\(jsonQuoted(a.id)),\"type\":\"\(a.type.rawValue)\",\"name\":\(jsonQuoted(a.name)),"
            p += "\"postcode\":\(jsonQuoted(a.postcode)),\"citycode\":\(jsonQuoted(a.citycode)),\"city\":\(jsonQuoted(a.city)),"
            if xy[k].x.isFinite { p += "\"x\":\(GeoJSONGeometry.format(xy[k].x, 2)),\"y\":\(GeoJSONGeometry.format(xy[k].y, 2))," }
            p += "\"context\":\(jsonQuoted(a.context)),\"importance\":\(Self.importance(a)),"
            if a.type != .municipality && a.type != .locality { p += "\"street\":\(jsonQuoted(a.street))," }
            if !a.oldcity.isEmpty { p += "\"oldcity\":\(jsonQuoted(a.oldcity)),\"oldcitycode\":\(jsonQuoted(a.oldcitycode))," }
            if !a.district.isEmpty { p += "\"district\":\(jsonQuoted(a.district))," }
            if !a.missingHousenumber.isEmpty { p += "\"missing_housenumber\":\(jsonQuoted(a.missingHousenumber))," }
            if let distance { p += "\"distance\":\(distance)," }
            let doubt = engine.addressColumns.policy.problem(k == 0 && ranked != nil ? ranked! : [a]) != nil
            p += "\"geocoding_to_verify\":\(doubt),"
            for (name, value) in zip(names, values[k]) {
                if name.hasSuffix("distance_boundary_m") {
                    p += "\"\(name)\":\(value.isEmpty ? "null" : value),"
                } else {
                    p += "\"\(name)\":\(jsonQuoted(value)),"
                }
            }
            let sentence = LocateReport.sentence(r, catalog: engine.catalog)
            p +=
                "\"qpv_message\":\(jsonQuoted(values[k][0] == AddressLocateColumns.toVerify ? "À vérifier : \(values[k].last ?? "") — au point trouvé : \(sentence)" : sentence))"
            return
                "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[\(GeoJSONGeometry.format(a.lon, 7)),\(GeoJSONGeometry.format(a.lat, 7))]},\"properties\":{\(p)}}"
        }.joined(separator: ",")
    }

    /// api-adresse's `importance` (0–1). qpv has no popularity model: the result type's rank stands for it
    /// (house number 0.6, street 0.5, lieu-dit 0.4, commune 0.3), constant and documented.
    static func importance(_ a: GeocodeResult) -> String {
        switch a.type {
        case .housenumber: return "0.6"
        case .street: return "0.5"
        case .locality: return "0.4"
        case .municipality: return "0.3"
        }
    }

    // MARK: - Locate

    /// `GET /locate`: the `qpv locate --format json` answer.
    func locate(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(["lon", "lat", "date", "citycode"])
        // citycode (INSEE code of the geocoded commune) places the point in its département / EPCI; checked
        // against the documented pattern before the point (a bad code is a 400 whatever the coordinates).
        let citycode = q["citycode"]
        if let c = citycode, !Self.isCommuneCode(c) {
            throw APIError.invalid("citycode", "« \(c) » : code INSEE de commune à 5 caractères attendu (ex. 59350, 2A004)")
        }
        let (lon, lat) = try q.point()
        let date = try q.date("date") ?? CivilDate.today()
        let result = try engine.locators.with {
            try $0.locator.locate(lon: lon, lat: lat, on: date, tolerance: engine.options.boundaryTolerance, commune: citycode)
        }
        return json(try encode(LocateReport(result: result, catalog: engine.catalog)))
    }

    // MARK: - Eligibility

    static let placeParameters: Set<String> = ["lon", "lat", "address"]

    /// The place of a verdict: `address` (geocoded) or `lon` + `lat`, located on `date`.
    func location(_ q: QueryParameters, on date: CivilDate) throws -> EligibilityLocation {
        if let address = q["address"] {
            if q["lon"] != nil || q["lat"] != nil {
                throw APIError(.badRequest, "conflicting_parameters", "« address » et « lon »/« lat » s'excluent : une adresse ou un point")
            }
            guard address.unicodeScalars.count <= 200 else { throw APIError.invalid("address", "200 caractères au plus") }
            let loc = try engine.locators.with { try $0.locate(address: address, on: date) }
            if loc.address == nil {
                throw APIError(.unprocessableContent, "address_not_found", "adresse introuvable : aucune adresse ne correspond à la demande")
            }
            return loc
        }
        guard q["lon"] != nil || q["lat"] != nil else {
            throw APIError.missing("address", "indiquez le lieu : « address », ou « lon » et « lat »")
        }
        let (lon, lat) = try q.point()
        return try engine.locators.with { try $0.locate(lon: lon, lat: lat, on: date) }
    }

    func validated<R>(_ request: R, _ validate: (R) throws -> Void) throws -> R {
        do {
            try validate(request)
        } catch let e as EligibilityInputError {
            throw APIError(.badRequest, "invalid_parameter", e.description)
        }
        return request
    }

    /// `GET /eligibility/emploi-franc`: parameters of `qpv eligibility emploi-franc`, in snake_case.
    func emploiFranc(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(
            Self.placeParameters.union(
                [
                    "signature_date", "contract", "duration_months", "working_time", "status", "age", "previous_employment", "employer",
                    "economic_dismissal", "obligations_up_to_date", "other_state_aid", "kept_six_months",
                ]))
        let date = try q.requiredDate("signature_date")
        let request = try validated(
            EmploiFrancRequest(
                signatureDate: date, contract: try q.choice("contract", EmploiFrancRequest.Contract.self),
                durationMonths: try q.number("duration_months", range: 0...600), workingTime: try q.number("working_time", range: 0...1) ?? 1,
                status: try q.choice("status", EmploiFrancRequest.Status.self), age: try q.integer("age", range: 0...130),
                previousEmployment: try q.flag("previous_employment"), employer: try q.choice("employer", EmploiFrancRequest.Employer.self),
                economicDismissal: try q.flag("economic_dismissal"), obligationsUpToDate: try q.flag("obligations_up_to_date"),
                otherStateAid: try q.flag("other_state_aid"), keptSixMonths: try q.flag("kept_six_months"))
        ) { try $0.validate() }
        let location = try location(q, on: date)
        return json(try encode(EmploiFranc.evaluate(request, location: location, book: engine.emploiFrancBook)))
    }

    /// `GET /eligibility/adulte-relais`.
    func adulteRelais(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(
            Self.placeParameters.union([
                "hire_date", "birth_date", "employment", "contract", "duration_months", "derogation", "employer", "convention_before_hire",
            ]))
        let date = try q.requiredDate("hire_date")
        let request = try validated(
            AdulteRelaisRequest(
                hireDate: date, birthDate: try q.date("birth_date"), employment: try q.choice("employment", AdulteRelaisRequest.Employment.self),
                contract: try q.choice("contract", EmploiFrancRequest.Contract.self), durationMonths: try q.number("duration_months", range: 0...600),
                derogation: try q.flag("derogation"), employerKind: try q.choice("employer", AdulteRelaisRequest.EmployerKind.self),
                conventionBeforeHire: try q.flag("convention_before_hire"))
        ) { try $0.validate() }
        let location = try location(q, on: date)
        return json(try encode(AdulteRelais.evaluate(request, location: location, book: engine.adulteRelaisBook)))
    }

    /// `GET /eligibility/fcs`: Fonds de cohésion sociale of an intercommunalité.
    func cohesionFund(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(Self.placeParameters.union(["date", "epci"]))
        let date = try q.date("date") ?? CivilDate.today()
        let programmes = engine.fcsProgrammes
        let epci = q["epci"]
        if let epci, !programmes.contains(where: { $0.epciSiren == epci }) {
            throw APIError.invalid(
                "epci",
                "aucun programme connu pour « \(epci) » (programmes : \(programmes.map { "\($0.epciSiren) \($0.epciName)" }.joined(separator: " ; ")))"
            )
        }
        let location = try location(q, on: date)
        guard let programme = CohesionFund.programme(siren: epci, location: location, among: programmes) else {
            throw APIError(
                .unprocessableContent, "ambiguous_programme",
                "plusieurs programmes possibles : précisez « epci » (\(programmes.map(\.epciSiren).joined(separator: ", ")))")
        }
        return json(try encode(CohesionFund.evaluate(date: date, location: location, programme: programme)))
    }

    /// `GET /eligibility/{id}`: a programme of the public rule format (installed with `qpv data import-rules`, or
    /// shipped), its facts as query parameters (an absent fact is undeclared, never assumed).
    func programme(_ id: String, _ q: QueryParameters) throws -> Response {
        let found = try Self.programmeFile(id, engine: engine)
        try q.allowOnly(Self.placeParameters.union(found.facts.keys).union(["epci"]))
        let book = try Self.programme(id, in: found, epci: q["epci"])
        var inputs: EligibilityInputs
        do {
            inputs = try FactParser.inputs(book.facts.keys.sorted().compactMap { name in q[name].map { (name, $0) } }, book: book)
        } catch let e as EligibilityInputError {
            throw APIError.invalid(e.field, e.reason)
        }
        guard let date = inputs.date(book.dateInput) else {
            throw APIError.missing(book.dateInput, "\(book.dateLabel) (AAAA-MM-JJ), date de référence du programme")
        }
        let location = try location(q, on: date)
        return json(try encode(ProgrammeEvaluator.evaluate(book: book, date: date, inputs: inputs, location: location)))
    }

    /// The rule file of programme `id` (installed, then shipped); 404 naming the known ones.
    static func programmeFile(_ id: String, engine: ServerEngine) throws -> RuleBook {
        guard let found = engine.programmeBooks.first(where: { $0.programmeIds.contains(id) }) else {
            throw APIError(
                .notFound, "unknown_programme",
                "programme « \(id.prefix(60)) » inconnu ; programmes : \(engine.programmeBooks.flatMap(\.programmeIds).joined(separator: ", "))")
        }
        return found
    }

    /// Programme `id` of `file` (one intercommunalité's among several chosen by `epci`); 422 when ambiguous.
    static func programme(_ id: String, in file: RuleBook, epci: String?) throws -> RuleBook {
        do {
            guard let b = try file.selecting(id, epci: epci) else {
                throw APIError(
                    .unprocessableContent, "ambiguous_programme",
                    "« \(id) » regroupe plusieurs programmes : précisez l'un d'eux (\(file.programmes.compactMap(\.id).joined(separator: ", "))) ou « epci »"
                )
            }
            return b
        } catch let e as APIError { throw e } catch { throw APIError(.internalServerError, "rules_error", "\(error)") }
    }

    // MARK: - Perimeters

    static func isCommuneCode(_ s: String) -> Bool {
        s.count == 5 && s.allSatisfy { $0.isASCIIDigit || $0 == "A" || $0 == "B" }
    }

    /// Perimeter codes: QP…/QN…/QX… and QIC codes — letters, digits, `_` and `-` only (no path tricks).
    static func isPerimeterCode(_ s: String) -> Bool {
        (1...40).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// `GET /perimeters/{code}`: the perimeter (every installed version of the code) as GeoJSON.
    func perimeter(_ code: String, _ q: QueryParameters) throws -> Response {
        try q.allowOnly([])
        guard Self.isPerimeterCode(code) else {
            throw APIError(.badRequest, "invalid_code", "code de quartier invalide : lettres, chiffres, « _ » et « - » seulement (ex. QN05906M)")
        }
        let explorer = PerimeterExplorer(catalog: engine.catalog)
        let found = explorer.find(code: code)
        guard !found.isEmpty else {
            var message = "le quartier \(code) n'est dans aucun paquet installé"
            if let list = engine.catalog.registry.list(forCode: code) {
                message += " : c'est un code de la \(list.label) (\(list.legalBasis)), géométrie non installée"
            }
            throw APIError(.notFound, "unknown_perimeter", message)
        }
        let features = try engine.locators.with { l in try found.map { try explorer.geoJSONFeature($0, locator: l.locator) } }
        return geojson("{\"type\":\"FeatureCollection\",\"features\":[" + features.joined(separator: ",") + "]}")
    }

    /// `GET /perimeters`: the perimeters (in force on `date` when given) of a commune, an EPCI, a map's box;
    /// a JSON list, or GeoJSON with their geometry (`format=geojson`, which needs `commune`, `epci` or `bbox`).
    func perimeters(_ q: QueryParameters) throws -> Response {
        try q.allowOnly(["commune", "epci", "kind", "date", "bbox", "format"])
        let commune = q["commune"]
        if let commune, !Self.isCommuneCode(commune) {
            throw APIError.invalid("commune", "« \(commune) » : code INSEE de commune à 5 caractères attendu (ex. 59350, 2A004)")
        }
        let epci = q["epci"]
        if let epci, !(epci.count == 9 && epci.allSatisfy(\.isASCIIDigit)) {
            throw APIError.invalid("epci", "« \(epci) » : SIREN à 9 chiffres attendu")
        }
        let kind: PerimeterKind? = try q.choice("kind", PerimeterKind.self)
        let date = try q.date("date")
        let bbox = try q["bbox"].map(Self.parseBox)
        let format = q["format"] ?? "json"
        guard format == "json" || format == "geojson" else { throw APIError.invalid("format", "« \(format) » : json ou geojson attendu") }
        let explorer = PerimeterExplorer(catalog: engine.catalog)
        let indices = explorer.indices(on: date, commune: commune, epci: epci, kind: kind, within: bbox)
        if format == "json" {
            let items = indices.map { explorer.summary($0, on: date) }
            return json("{\"count\":\(items.count),\"date\":\(date.map { "\"\($0)\"" } ?? "null"),\"perimeters\":\(try encode(items))}")
        }
        guard commune != nil || epci != nil || bbox != nil else {
            throw APIError.missing("bbox", "la géométrie (format=geojson) demande « bbox », « commune » ou « epci »")
        }
        guard indices.count <= 500 else {
            throw APIError(
                .unprocessableContent, "too_many_perimeters", "\(indices.count) périmètres : 500 au plus par réponse GeoJSON ; réduisez « bbox »")
        }
        let features = try engine.locators.with { l in try indices.map { try explorer.geoJSONFeature($0, locator: l.locator) } }
        return geojson("{\"type\":\"FeatureCollection\",\"features\":[" + features.joined(separator: ",") + "]}")
    }

    /// `minLon,minLat,maxLon,maxLat`, WGS84, at most 2° wide and high.
    static func parseBox(_ text: String) throws -> Envelope {
        let plain = text.allSatisfy { $0.isASCIIDigit || $0 == "." || $0 == "-" || $0 == "," }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { plain ? Double($0) : nil }
        guard parts.count == 4, let minX = parts[0], let minY = parts[1], let maxX = parts[2], let maxY = parts[3],
            [minX, minY, maxX, maxY].allSatisfy(\.isFinite)
        else { throw APIError.invalid("bbox", "« \(text) » : quatre nombres minLon,minLat,maxLon,maxLat attendus") }
        guard minX <= maxX, minY <= maxY, (-180...180).contains(minX), (-180...180).contains(maxX), (-90...90).contains(minY),
            (-90...90).contains(maxY)
        else {
            throw APIError.invalid("bbox", "« \(text) » : minLon ≤ maxLon et minLat ≤ maxLat attendus, en degrés WGS84")
        }
        guard maxX - minX <= 2, maxY - minY <= 2 else { throw APIError.invalid("bbox", "zone trop grande : 2 degrés de côté au plus") }
        return Envelope(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
