// `Multipart`: the `multipart/form-data` parser (RFC 7578) of CSV uploads: boundary, parts as byte ranges of
// the body, their names and file names.

import Foundation

/// The parts of a `multipart/form-data` body (RFC 7578), as byte ranges of the body.
enum Multipart {
    struct Part {
        var name: String
        var fileName: String?
        var range: Range<Int>
    }

    static func boundary(contentType: String) -> String? {
        for param in contentType.split(separator: ";").dropFirst() {
            let kv = param.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" {
                let v = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(v.count) ? v : nil
            }
        }
        return nil
    }

    /// Offset of the first occurrence of `needle` in `bytes` at or after `from`.
    static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let first = needle.first, needle.count <= bytes.count else { return nil }
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == first {
                var k = 1
                while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func parts(_ bytes: UnsafeRawBufferPointer, boundary: String) throws -> [Part] {
        func bad(_ why: String) -> APIError { APIError(.badRequest, "invalid_multipart", "formulaire multipart illisible : \(why)") }
        let delimiter = Array("--\(boundary)".utf8)
        guard var at = find(delimiter, in: bytes, from: 0) else { throw bad("délimiteur « --\(boundary) » introuvable") }
        var parts: [Part] = []
        while true {
            at += delimiter.count
            if at + 2 <= bytes.count && bytes[at] == UInt8(ascii: "-") && bytes[at + 1] == UInt8(ascii: "-") { break }
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: bytes, from: at) else { throw bad("en-têtes de partie non terminés") }
            let headerText = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<headerEnd]), as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find(Array("\r\n--\(boundary)".utf8), in: bytes, from: contentStart) else { throw bad("partie non terminée") }
            var name: String?
            var fileName: String?
            for line in headerText.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = parameter("name", in: line)
                fileName = parameter("filename", in: line)
            }
            guard let name else { throw bad("partie sans nom (Content-Disposition: form-data; name=…)") }
            parts.append(Part(name: name, fileName: fileName, range: contentStart..<next))
            at = next + 2
        }
        return parts
    }

    static func parameter(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == key { return kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}
