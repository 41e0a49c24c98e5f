// `BANFixture`: a small BAN-format file (fictional communes, three bad rows) and La Poste-format postcode table,
// written by the geocoding and CLI tests.

/// A small BAN-format file written by the tests (fictional communes 62901 "Ville-Test" and 62902
/// "Autre-Ville", both postcode 62900), with three bad rows, and a postcode table for those communes.
public enum BANFixture {
    public static let header =
        "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;cad_parcelles"

    public static func row(
        _ id: String, _ numero: String, _ rep: String, _ voie: String, _ insee: String, _ commune: String, _ lon: String, _ lat: String,
        postcode: String = "62900"
    ) -> String {
        "\(id);;\(numero);\(rep);\(voie);\(postcode);\(insee);\(commune);;;;;\(lon);\(lat);entrance;;;\(commune.uppercased());;commune;commune;0;"
    }

    public static var banText: String {
        [
            header,
            row("62901_0001_00001", "1", "", "Rue de la Paix", "62901", "Ville-Test", "2.5000000", "50.5000000"),
            row("62901_0001_00003", "3", "", "Rue de la Paix", "62901", "Ville-Test", "2.5001000", "50.5000000"),
            row("62901_0001_00003_bis", "3", "bis", "Rue de la Paix", "62901", "Ville-Test", "2.5002000", "50.5000000"),
            row("62901_0002_00010", "10", "", "Avenue du Général de Gaulle", "62901", "Ville-Test", "2.5100000", "50.5100000"),
            row("62901_0002_00012", "12", "", "Avenue du Général de Gaulle", "62901", "Ville-Test", "2.5102000", "50.5100000"),
            row("62901_0003_00005", "5", "", "Place Saint-Martin", "62901", "Ville-Test", "2.5200000", "50.5200000"),
            row("62901_0004_00007", "7", "", "Rue des Écoles", "62901", "Ville-Test", "2.5300000", "50.5300000"),
            row("62901_0005_00002", "2", "", "Impasse des Lilas", "62901", "Ville-Test", "2.5400000", "50.5400000"),
            row("62902_0001_00001", "1", "", "Rue de la Paix", "62902", "Autre-Ville", "2.6000000", "50.6000000"),
            row("62902_0001_00003", "3", "", "Rue de la Paix", "62902", "Autre-Ville", "2.6001000", "50.6000000"),
            row("62902_0002_00004", "4", "", "Rue du Moulin", "62902", "Autre-Ville", "2.6100000", "50.6100000"),
            row("62902_0002_00099", "abc", "", "Rue du Moulin", "62902", "Autre-Ville", "2.6100000", "50.6100000"),
            row("62902_0002_00098", "98", "", "Rue du Moulin", "62902", "Autre-Ville", "nord", "50.6100000"),
            row("62902_0002_00097", "97", "", "Rue du Moulin", "1234", "Autre-Ville", "2.6100000", "50.6100000"),
        ].joined(separator: "\n") + "\n"
    }

    public static let postcodeText = """
        code_commune_insee,nom_de_la_commune,code_postal,libelle_d_acheminement,ligne_5,latitude,longitude
        62901,VILLE TEST,62900,VILLE TEST,,50.501,2.501
        62902,AUTRE VILLE,62900,AUTRE VILLE,HAMEAU PERDU,50.601,2.601
        62903,SANS ADRESSE,62910,SANS ADRESSE,,50.7,2.7

        """
}
