// EngineFailure — the one way every batch (locate, geocode, TFPB) reports a row the engine could not compute
// (GEOS/PROJ failure, damaged pack; issue 16, finding 9): `qpv_status=error`, the reason in the row, a
// closing message and a non-zero exit. Never blamed on the input (`invalid_coordinates`).

import Foundation
import QPVCore

/// How a batch reports a row the engine could not compute (never blamed on the input).
public enum EngineFailure {
    /// `qpv_status` of a row the engine could not compute.
    public static let status = "error"

    /// The reason written in the row (`notThe`: what is not at fault, « la ligne », « l'adresse »).
    public static func reason(_ error: any Error, notThe what: String = "la ligne") -> String {
        "erreur de calcul (moteur, pas \(what)) : \(error)"
    }

    /// The message closing a batch with engine errors (the command then exits with status 1).
    public static func closingMessage(rows: Int, errorColumn: String, detail: String? = nil) -> String {
        "Erreur : \(FrenchFormat.integer(rows)) ligne(s) non calculées (qpv_status=error, voir \(errorColumn))" + (detail.map { " : \($0)" } ?? "")
            + " ; le paquet de périmètres est peut-être endommagé : réimportez-le"
    }
}
