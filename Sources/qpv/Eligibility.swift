// `qpv eligibility` and what its verdict commands share: the place options (`EligibilityPlaceOptions`), the
// geocoder hook for `--address` (`AddressHook`) and printing a report (`EligibilityCLI`).

import ArgumentParser
import Foundation
import QPVAddressing
import QPVCore
import QPVEligibility
import QPVGeocoding
import QPVPerimeters

struct EligibilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eligibility",
        abstract:
            "Dire si une embauche, un projet ou un logement est éligible (emplois francs, adultes-relais, FCS, TFPB, ou tout programme au format public de règles), critère par critère.",
        discussion: """
            Chaque verdict est éligible, non éligible ou à vérifier, avec les critères (✓ / ✗ / ?), les montants, \
            l'échéance, la liste de QPV utilisée et les textes cités. Une adresse en limite de quartier, une règle \
            incertaine ou une information manquante ne donnent jamais « éligible » : « à vérifier », avec la raison.
            Les règles datées et leurs sources sont dans GeoData/rules/ (livrées avec qpv) ; un autre programme s'écrit \
            au même format (Docs/rules.md) et s'évalue avec run ou run-batch (qpv rules check FICHIER pour le vérifier).
            """,
        subcommands: [
            EligibilityEmploiFranc.self, EligibilityAdulteRelais.self, EligibilityFCS.self, EligibilityTFPB.self, EligibilityRun.self,
            EligibilityRunBatch.self,
        ]
    )
}

/// Where the person lives / the project is: `--lon/--lat` or `--address` (geocoded offline).
struct EligibilityPlaceOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Longitude WGS84 en degrés décimaux (ex. 1.4437).") var lon: String?
    @Option(parsing: .unconditional, help: "Latitude WGS84 en degrés décimaux (ex. 43.6045).") var lat: String?
    @Option(help: "Format de la réponse.") var format: OutputFormat = .text
    @Flag(name: .customLong("exit-status"), help: "Code de sortie selon le verdict : 0 éligible, 1 non éligible, 2 à vérifier.")
    var exitStatus = false

    @Option(help: "Adresse du lieu, géocodée hors ligne (BAN installée, ou adresses de démonstration).") var address: String?

    func validate() throws {
        if address != nil {
            if lon != nil || lat != nil { throw ValidationError("--address et --lon/--lat s'excluent") }
        } else if lon == nil || lat == nil {
            throw ValidationError("indiquez le lieu : --address, ou --lon et --lat")
        }
    }

    /// Locates the place on `date` (the list in force that day).
    func locate(with locator: EligibilityLocator, dataDirectory: DataDirectory, on date: CivilDate) throws -> EligibilityLocation {
        if let address {
            guard let resolver = try AddressHook.resolver(dataDirectory) else { throw EligibilityLocationError.geocodingUnavailable }
            locator.addressResolver = resolver
            return try locator.locate(address: address, on: date)
        }
        let x = LocateResult.parseCoordinate(lon ?? "") ?? .nan
        let y = LocateResult.parseCoordinate(lat ?? "") ?? .nan
        var location = try locator.locate(lon: x, lat: y, on: date)
        if x.isNaN || y.isNaN { location.problem = "« \(lon ?? "") », « \(lat ?? "") » ne sont pas des nombres" }
        return location
    }
}

/// Addresses are geocoded with the installed BAN (or the demonstration addresses, said on standard error).
enum AddressHook {
    static func resolver(_ dataDirectory: DataDirectory) throws -> (any AddressResolving)? {
        let (geocoder, isDemo) = try Geocoder.installedOrDemo(dataDirectory: dataDirectory)
        if isDemo {
            printError(
                "Aucune BAN installée : adresses de DÉMONSTRATION fictives utilisées. Installer la BAN : qpv data import-ban adresses-XX.csv.gz")
        }
        return GeocoderAddressResolver(geocoder: geocoder)
    }
}

/// Shared steps of the single-verdict commands.
enum EligibilityCLI {
    /// Parses a value among an enum's raw values, with a French error naming the option.
    static func parse<E: RawRepresentable & CaseIterable>(_ value: String?, option: String, as: E.Type) throws -> E? where E.RawValue == String {
        guard let value else { return nil }
        guard let e = E(rawValue: value.lowercased()) else {
            throw ValidationError("\(option) « \(value) » : valeurs possibles \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return e
    }

    static func date(_ value: String, option: String) throws -> CivilDate {
        guard let d = CivilDate(value) else {
            throw ValidationError("\(option) « \(value) » invalide : format attendu AAAA-MM-JJ (par exemple 2024-01-01)")
        }
        return d
    }

    /// Opens the perimeters and builds the locator (with the optional communes file).
    static func locator(_ perimeterOptions: PerimeterOptions, place: EligibilityPlaceOptions, communes: String? = nil) throws -> EligibilityLocator {
        let catalog = try perimeterOptions.openCatalogAnnounced()
        return try EligibilityLocator(
            catalog: catalog, communes: try communes.map { try CommuneIndex(path: $0) }, tolerance: perimeterOptions.boundaryTolerance)
    }

    /// Prints a report in the chosen format; exit status 2 when the position was unusable.
    static func print(_ report: EligibilityReport, format: OutputFormat, location: EligibilityLocation, exitStatus: Bool = false) throws {
        switch format {
        case .json: Swift.print(try jsonString(report))
        case .text: Swift.print(report.text())
        }
        if exitStatus { throw ExitCode(ExitStatus.of(report.verdict)) }
        if location.status == .invalidCoordinates { throw ExitCode(ExitStatus.toVerify) }
    }

    /// The date-specific commands take their date from the contract, not from `--date`.
    static func rejectDate(_ perimeterOptions: PerimeterOptions, use option: String) throws {
        if perimeterOptions.date != nil { throw ValidationError("--date ne s'applique pas ici : la date de référence est \(option)") }
    }
}
