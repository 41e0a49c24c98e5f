// QPVTestSupport — the code of the DocC articles (Sources/<Module>/<Module>.docc/*.md) checked against the
// tests that compile and run it: every line of an article's ```swift blocks must appear in the test file.

import Foundation

public enum DocCArticles {
    /// The lines of the ```swift blocks of `article` (path from the package root), trimmed, without blank
    /// lines and `import` lines (the test file has its own imports).
    public static func codeLines(_ article: String) throws -> [String] {
        let text = try String(contentsOf: SharedData.packageRoot.appendingPathComponent(article), encoding: .utf8)
        var lines: [String] = []
        var inSwift = false
        for raw in text.components(separatedBy: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                inSwift = !inSwift && line == "```swift"
                continue
            }
            if inSwift && !line.isEmpty && !line.hasPrefix("import ") { lines.append(line) }
        }
        return lines
    }

    /// The article's code lines missing from `testFile` (its `#filePath`); empty when the test holds the
    /// article's code. Also fails (one pseudo-line) when the article has no Swift code at all.
    public static func linesMissing(article: String, from testFile: String) throws -> [String] {
        let code = try codeLines(article)
        guard !code.isEmpty else { return ["(aucun bloc ```swift dans \(article))"] }
        let test = Set(
            try String(contentsOfFile: testFile, encoding: .utf8).components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        return code.filter { !test.contains($0) }
    }
}
