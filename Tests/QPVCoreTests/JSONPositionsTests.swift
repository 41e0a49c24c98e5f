import Foundation
import QPVCore
import Testing

/// The positions `qpv rules check` names: the line of each key and array item, and of the closest parent.
@Suite struct JSONPositionsTests {
    @Test func linesOfKeysAndItems() throws {
        let text =
            "{\n  \"a\": 1,\n  \"rules\": {\n    \"r\": [\n      {\"valid_from\": \"2020-01-01\",\n       \"value\": {\"open\": true}}\n    ]\n  }\n}\n"
        let (value, positions) = try JSONParser.parseWithPositions(Data(text.utf8))
        #expect(value == (try JSONParser.parse(text)))
        #expect(positions.line("a") == 2)
        #expect(positions.line("rules") == 3)
        #expect(positions.line("rules.r") == 4)
        #expect(positions.line("rules.r[0]") == 5)
        #expect(positions.line("rules.r[0].valid_from") == 5)
        #expect(positions.line("rules.r[0].value.open") == 6)
        // A path that does not exist falls back on its closest recorded parent.
        #expect(positions.line("rules.r[0].sources") == 5)
        #expect(positions.byPath["a"]?.column == 3)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parseWithPositions(Data("{\n\"a\": }".utf8)) }
    }
}
