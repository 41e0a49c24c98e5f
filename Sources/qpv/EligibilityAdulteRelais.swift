// `qpv eligibility adulte-relais`: options into an `AdulteRelaisRequest`, verdict by `AdulteRelais.evaluate`.

import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters

struct EligibilityAdulteRelais: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adulte-relais",
        abstract: "Contrat adultes-relais : conditions tenant à la personne et au contrat, aide de l'État par poste.",
        discussion: """
            qpv eligibility adulte-relais --lon 1.4437 --lat 43.6045 --hire-date 2024-09-02 --birth-date 1990-05-12 \
            --employment unemployed --contract cdd --duration-months 36 --employer association --convention

            Au moins 26 ans à l'embauche (30 ans avant le 16 septembre 2021), sans emploi ou en CUI-CAE, résidant dans un \
            QPV (n'importe lequel) ; CDI, ou CDD de trois ans au plus renouvelable une fois ; employeur admis (association, \
            collectivité, établissement public, organisme HLM, délégataire d'un service public) ; poste couvert par une \
            convention avec le préfet signée avant l'embauche. Le montant de l'aide de l'État est donné à part : un \
            montant non confirmé est « à vérifier » sans changer le verdict.
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions
    @OptionGroup var place: EligibilityPlaceOptions

    @Option(name: .customLong("hire-date"), help: ArgumentHelp("Date d'embauche (AAAA-MM-JJ).", valueName: "date")) var hireDate: String
    @Option(name: .customLong("birth-date"), help: ArgumentHelp("Date de naissance (AAAA-MM-JJ).", valueName: "date")) var birthDate: String?
    @Option(help: ArgumentHelp("Situation : unemployed (sans emploi), cae-cui (en CUI-CAE, à rompre), employed.", valueName: "situation"))
    var employment: String?
    @Option(help: ArgumentHelp("Type de contrat : cdi ou cdd.", valueName: "cdi|cdd")) var contract: String?
    @Option(name: .customLong("duration-months"), help: "Durée du CDD en mois.") var durationMonthsArgument: NumberArgument?
    var durationMonths: Double? { durationMonthsArgument?.value }
    @Flag(
        inversion: .prefixedNo, exclusivity: .exclusive,
        help: "Le préfet a accordé (ou non) une dérogation à la condition de résidence ; sans l'une ou l'autre, hors QPV : à vérifier.")
    var derogation: Bool?
    @Option(
        help: ArgumentHelp(
            "Nature de l'employeur : association, collectivite, etablissement-public, hlm, delegataire-service-public, entreprise, other.",
            valueName: "nature"))
    var employer: String?
    @Flag(
        inversion: .prefixedNo, exclusivity: .exclusive,
        help: "Le poste est (ou n'est pas) couvert par une convention avec le préfet signée avant l'embauche ; sans l'une ou l'autre : à vérifier.")
    var convention: Bool?

    func validate() throws { try EligibilityCLI.rejectDate(perimeterOptions, use: "--hire-date") }

    func run() async throws {
        let date = try EligibilityCLI.date(hireDate, option: "--hire-date")
        let request = AdulteRelaisRequest(
            hireDate: date, birthDate: try birthDate.map { try EligibilityCLI.date($0, option: "--birth-date") },
            employment: try EligibilityCLI.parse(employment, option: "--employment", as: AdulteRelaisRequest.Employment.self),
            contract: try EligibilityCLI.parse(contract, option: "--contract", as: EmploiFrancRequest.Contract.self), durationMonths: durationMonths,
            derogation: derogation, employerKind: try EligibilityCLI.parse(employer, option: "--employer", as: AdulteRelaisRequest.EmployerKind.self),
            conventionBeforeHire: convention)
        do { try request.validate() } catch { throw ValidationError("\(error)") }
        let book = try RuleBook.shipped("adulte-relais")
        let locator = try EligibilityCLI.locator(perimeterOptions, place: place)
        let location = try place.locate(with: locator, dataDirectory: perimeterOptions.dataDirectory, on: date)
        try EligibilityCLI.print(
            AdulteRelais.evaluate(request, location: location, book: book), format: place.format, location: location, exitStatus: place.exitStatus)
    }
}
