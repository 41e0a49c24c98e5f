// `qpv eligibility emploi-franc`: options into an `EmploiFrancRequest`, verdict by `EmploiFranc.evaluate`.

import ArgumentParser
import Foundation
import QPVCore
import QPVEligibility
import QPVPerimeters

struct EligibilityEmploiFranc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emploi-franc",
        abstract: "Aide « emplois francs » : éligibilité d'une embauche, montant, date limite de la demande.",
        discussion: """
            qpv eligibility emploi-franc --lon 1.4437 --lat 43.6045 --signature-date 2022-03-15 --contract cdi \
            --status jobseeker --employer private --no-previous-employment --no-economic-dismissal --obligations-up-to-date \
            --no-other-state-aid --kept-six-months

            La résidence est jugée sur la liste de QPV en vigueur à la date de signature. Contrats signés du 1er avril 2018 \
            au 31 décembre 2024 : aucune nouvelle embauche en emploi franc depuis le 1er janvier 2025 (les contrats \
            antérieurs restent évalués). Chaque fait oui/non non renseigné rend le verdict « à vérifier ».
            """)

    @OptionGroup var perimeterOptions: PerimeterOptions
    @OptionGroup var place: EligibilityPlaceOptions

    @Option(name: .customLong("signature-date"), help: ArgumentHelp("Date de signature du contrat (AAAA-MM-JJ).", valueName: "date"))
    var signatureDate: String
    @Option(help: ArgumentHelp("Type de contrat : cdi ou cdd.", valueName: "cdi|cdd")) var contract: String?
    @Option(name: .customLong("duration-months"), help: "Durée du CDD en mois.") var durationMonthsArgument: NumberArgument?
    var durationMonths: Double? { durationMonthsArgument?.value }
    @Option(name: .customLong("working-time"), help: "Temps de travail en part d'un temps plein (1 = temps plein, 0,5 = mi-temps).")
    var workingTimeArgument: NumberArgument = 1
    var workingTime: Double { workingTimeArgument.value }
    @Option(
        help: ArgumentHelp(
            "Situation à la signature : jobseeker (demandeur d'emploi cat. 1, 2, 3, 6, 7, 8), csp, mission-locale, other.", valueName: "situation"))
    var status: String?
    @Option(help: "Âge de la personne à la signature (emploi franc+ : moins de 26 ans, contrats signés du 15 octobre 2020 au 31 mai 2021).")
    var age: Int?
    @Flag(
        name: .customLong("previous-employment"), inversion: .prefixedNo, exclusivity: .exclusive,
        help: "La personne a (ou n'a pas) travaillé chez cet employeur dans les 6 mois précédant l'embauche ; sans l'une ou l'autre : à vérifier.")
    var previousEmployment: Bool?
    @Option(help: ArgumentHelp("Employeur : private, association, sem, epa, epic, individual.", valueName: "type")) var employer: String?
    @Flag(
        name: .customLong("economic-dismissal"), inversion: .prefixedNo, exclusivity: .exclusive,
        help:
            "L'employeur a (ou n'a pas) licencié pour motif économique sur ce poste dans les 6 mois précédents ; sans l'une ou l'autre : à vérifier.")
    var economicDismissal: Bool?
    @Flag(
        name: .customLong("obligations-up-to-date"), inversion: .prefixedNo, exclusivity: .exclusive,
        help: "L'employeur est (ou n'est pas) à jour de ses obligations sociales et fiscales ; sans l'une ou l'autre : à vérifier.")
    var obligationsUpToDate: Bool?
    @Flag(
        name: .customLong("other-state-aid"), inversion: .prefixedNo, exclusivity: .exclusive,
        help: "Une autre aide de l'État est (ou n'est pas) versée pour cette embauche ; sans l'une ou l'autre : à vérifier.")
    var otherStateAid: Bool?
    @Flag(
        name: .customLong("kept-six-months"), inversion: .prefixedNo, exclusivity: .exclusive,
        help: "Le salarié est (ou n'est pas) maintenu dans l'effectif au moins 6 mois ; sans l'une ou l'autre : à vérifier.")
    var keptSixMonths: Bool?

    func validate() throws { try EligibilityCLI.rejectDate(perimeterOptions, use: "--signature-date") }

    func run() async throws {
        let date = try EligibilityCLI.date(signatureDate, option: "--signature-date")
        let request = EmploiFrancRequest(
            signatureDate: date, contract: try EligibilityCLI.parse(contract, option: "--contract", as: EmploiFrancRequest.Contract.self),
            durationMonths: durationMonths, workingTime: workingTime,
            status: try EligibilityCLI.parse(status, option: "--status", as: EmploiFrancRequest.Status.self), age: age,
            previousEmployment: previousEmployment,
            employer: try EligibilityCLI.parse(employer, option: "--employer", as: EmploiFrancRequest.Employer.self),
            economicDismissal: economicDismissal, obligationsUpToDate: obligationsUpToDate, otherStateAid: otherStateAid, keptSixMonths: keptSixMonths
        )
        do { try request.validate() } catch { throw ValidationError("\(error)") }
        let book = try RuleBook.shipped("emploi-franc")
        let locator = try EligibilityCLI.locator(perimeterOptions, place: place)
        let location = try place.locate(with: locator, dataDirectory: perimeterOptions.dataDirectory, on: date)
        try EligibilityCLI.print(
            EmploiFranc.evaluate(request, location: location, book: book), format: place.format, location: location, exitStatus: place.exitStatus)
    }
}
