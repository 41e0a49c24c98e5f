// Command-line conventions of numbers and outputs: `NumberArgument` (decimal comma or point), `--decimal`
// (`DecimalChoice`, `OutputConventions`) applied to an output that follows its input's dialect.

import ArgumentParser
import Foundation
import QPVCore
import QPVTabular

/// A number given on the command line, with a decimal comma or point (`--working-time 0,8` or `0.8`),
/// shown in French in the help ("défaut : 0,8").
struct NumberArgument: ExpressibleByArgument, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, Sendable {
    var value: Double

    init(_ value: Double) { self.value = value }
    init(floatLiteral value: Double) { self.value = value }
    init(integerLiteral value: Int) { self.value = Double(value) }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        guard !text.isEmpty, text.filter({ $0 == "." }).count <= 1, let v = Double(text), v.isFinite else { return nil }
        value = v
    }

    var defaultValueDescription: String { NumberArgument.french(value) }

    /// "20", "0,8", "12 600": the number as French text.
    static func french(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return FrenchFormat.integer(Int(x)) }
        var s = String(x)
        if let dot = s.firstIndex(of: ".") { s.replaceSubrange(dot...dot, with: ",") }
        return s
    }
}

/// `--decimal comma|point`: the decimal separator of the numbers a batch writes.
enum DecimalChoice: String, ExpressibleByArgument, CaseIterable {
    case comma, point

    var mark: DecimalMark { self == .comma ? .comma : .point }
}

/// The output-file conventions every batch command shares.
struct OutputConventions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Séparateur décimal des nombres écrits : comma (61,62) ou point (61.62). Défaut : celui du fichier d'entrée (virgule s'il est séparé par des « ; » ou si ses nombres ont des virgules).",
            valueName: "comma|point"))
    var decimal: DecimalChoice?

    /// The dialect of an output that follows `reader`'s input, with `--decimal` applied.
    func dialect(following reader: CSVReader) -> CSVDialect {
        var d = reader.dialect
        if let decimal { d.decimalMark = decimal.mark }
        return d
    }
}
