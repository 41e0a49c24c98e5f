// Unit tests of `CivilDate`: strict parsing, day numbers, month arithmetic, ages and the French rendering.

import Foundation
import QPVCore
import Testing

@Suite struct CivilDateTests {
    @Test func parsesStrictly() {
        #expect(CivilDate("2024-01-01") == CivilDate(year: 2024, month: 1, day: 1))
        #expect(CivilDate("2023-02-29") == nil)
        #expect(CivilDate("2024-02-29") != nil)
        #expect(CivilDate("2024-1-01") == nil)
        #expect(CivilDate("01/01/2024") == nil)
        #expect(CivilDate("2024-13-01") == nil)
    }

    @Test func dayNumbersRoundTrip() {
        #expect(CivilDate("1970-01-01")!.dayNumber == 0)
        #expect(CivilDate("2000-03-01")!.dayNumber == 11017)
        for n in stride(from: -1000, to: 40000, by: 37) {
            #expect(CivilDate(dayNumber: n).dayNumber == n)
        }
        #expect(CivilDate("2023-12-31")!.adding(days: 1) == CivilDate("2024-01-01"))
    }

    @Test func monthArithmeticClampsToMonthEnd() {
        #expect(CivilDate("2022-03-15")!.adding(months: 3) == CivilDate("2022-06-15"))
        #expect(CivilDate("2024-01-31")!.adding(months: 1) == CivilDate("2024-02-29"))
        #expect(CivilDate("2023-01-31")!.adding(months: 1) == CivilDate("2023-02-28"))
        #expect(CivilDate("2023-12-31")!.adding(months: 1) == CivilDate("2024-01-31"))
    }

    @Test func ageOnADate() {
        let birth = CivilDate("1998-10-15")!
        #expect(birth.years(until: CivilDate("2024-10-14")!) == 25)
        #expect(birth.years(until: CivilDate("2024-10-15")!) == 26)
    }

    @Test func isoRenderingMatchesPrintfAndRoundTrips() {
        // Every day number from year 1 to 9999 is too many; a stride through them, plus the edges.
        var days = Array(stride(from: CivilDate("0001-01-01")!.dayNumber, through: CivilDate("9999-12-31")!.dayNumber, by: 997))
        days += [CivilDate("0001-01-01")!.dayNumber, CivilDate("9999-12-31")!.dayNumber, CivilDate("2024-02-29")!.dayNumber]
        for n in days {
            let d = CivilDate(dayNumber: n)
            #expect(d.description == String(format: "%04d-%02d-%02d", d.year, d.month, d.day))
            #expect(CivilDate(d.description) == d)
        }
    }

    @Test func frenchRendering() {
        #expect(CivilDate("2024-01-01")!.french == "1er janvier 2024")
        #expect(CivilDate("2022-06-15")!.french == "15 juin 2022")
        #expect(FrenchFormat.integer(1_234_567) == "1 234 567")
        #expect(FrenchFormat.euros(15000) == "15 000 €")
        #expect(FrenchFormat.euros(22555.73) == "22 555,73 €")
        #expect(FrenchFormat.metres(3.24) == "3,2 m")
    }
}
