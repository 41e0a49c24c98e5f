// `AddressPack`: the read side of the compiled address pack (`ban.qpvaddr`) — memory-mapped columns of
// communes, streets and house numbers, and the lookups the `Geocoder` runs on them. Written by
// `AddressPackBuilder`; the container format is `PackFile.swift`.

import Foundation
import QPVCore

// A compiled address pack (`<data-dir>/addresses/ban.qpvaddr`), in the container described in PackFile.swift.
// Every table is a column of fixed-width little-endian integers; coordinates are Int32 degrees × 10⁷
// (1 cm); strings are indexes into the string table `str` (string 0 is ""). Sections:
//
//   meta                 JSON `AddressPackInfo`: sources (file, size, SHA-256, rows read / imported / rejected),
//                        import date, normaliser version, counts
//   str.b, str.o         string table: UTF-8 bytes and UInt32 offsets (count + 1)
//
//   Communes, sorted by INSEE code (index = commune number):
//   c.insee, c.name      UInt32 strings: INSEE code, display name
//   c.lon, c.lat         Int32 centre (La Poste's, else the mean of the commune's addresses)
//   c.st0                UInt32 × (communes + 1): first street of each commune (streets are grouped by commune)
//   c.pc0, c.pcs         UInt32 × (communes + 1) start into c.pcs; c.pcs the postcodes (numbers) of each commune
//   n.hash, n.com        name index: FNV-1a 64 hash of a normalised commune name (every spelling: BAN, La Poste,
//                        delivery label, ligne 5, former communes) sorted, with the commune number
//   f.hash, f.com        typo index: hashes of each squashed name and of its one-letter deletions
//   p.code, p.com        postcode index: postcode (UInt32) sorted, commune number
//
//   Streets, sorted by commune then normalised name (index = street number):
//   s.name, s.key        UInt32 strings: name as published, normalised words joined by spaces
//   s.full, s.core       UInt32 strings: normalised words glued, and glued without stop words
//   s.sig                UInt64 letter-pair signature of s.full (pre-filter)
//   s.lon, s.lat         Int32 position (the address nearest the mean of the street's addresses)
//   s.hn0                UInt32 × (streets + 1): first address of each street
//   s.pc                 UInt32 most frequent postcode; s.idp UInt32 string: BAN id prefix ("59219_0001")
//   s.com                UInt32 commune number
//   t.hash, t.st         street word index: hash of each significant word (not a stop word nor a street
//                        type) sorted, street number — for queries whose commune cannot be found
//
//   Addresses, grouped by street, sorted by number then suffix:
//   h.num                UInt32 number; h.suf UInt32 string (suffix "bis", "a"…; 0 = none)
//   h.lon, h.lat         Int32 position; h.pc UInt32 postcode
//   Optional sections (packs built before them read as "none"):
//   s.old                UInt32 per street: former commune (o.*) index + 1, 0 when none
//   s.kind               UInt8 per street: 0 street, 1 lieu-dit (result type `locality`)
//   o.insee, o.name      UInt32 strings: former communes (anciennes communes, communes déléguées), sorted by code
//   o.com                UInt32 the commune they now belong to; o.lon, o.lat Int32 centre of their addresses
//
//   h.id                 UInt32 string: the BAN id, or UInt32.max when it is s.idp + "_" + 5-digit number
//                        (+ "_" + suffix), which is the case of nearly every BAN id

/// The read side of an address pack: memory-mapped columns, immutable, safe to share between threads.
final class AddressPack: @unchecked Sendable {
    let file: MappedPack
    let info: AddressPackInfo
    let str: StringTable

    let cInsee, cName, cSt0, cPC0, cPCs: UnsafeBufferPointer<UInt32>
    let cLon, cLat: UnsafeBufferPointer<Int32>
    let nHash, fHash, tHash: UnsafeBufferPointer<UInt64>
    let nCom, fCom, pCode, pCom, tSt: UnsafeBufferPointer<UInt32>
    let sName, sKey, sFull, sCore, sHN0, sPC, sIDP, sCom: UnsafeBufferPointer<UInt32>
    let sSig: UnsafeBufferPointer<UInt64>
    let sLon, sLat: UnsafeBufferPointer<Int32>
    let hNum, hSuf, hID, hPC: UnsafeBufferPointer<UInt32>
    let hLon, hLat: UnsafeBufferPointer<Int32>
    /// Commune number by INSEE code (built at open: a few thousand entries).
    let communeByInsee: [String: UInt32]
    let sOld: UnsafeBufferPointer<UInt32>?
    let sKind: UnsafeBufferPointer<UInt8>?
    let oInsee, oName, oCom: UnsafeBufferPointer<UInt32>
    let oLon, oLat: UnsafeBufferPointer<Int32>
    /// Former communes by the hash of their normalised name (built at open).
    let oldByName: [UInt64: [Int]]

    init(path: String) throws {
        let f = try MappedPack(path: path)
        file = f
        do {
            info = try JSONDecoder().decode(AddressPackInfo.self, from: Data(try f.bytes("meta")))
        } catch let e as GeocodingError {
            throw e
        } catch {
            throw GeocodingError.corruptPack(path: path, reason: "métadonnées illisibles")
        }
        guard info.normalizerVersion == AddressNormalizer.version else {
            throw GeocodingError.outdatedPack(path: path, found: info.normalizerVersion, expected: AddressNormalizer.version)
        }
        str = try f.strings("str")
        cInsee = try f.array("c.insee", UInt32.self); cName = try f.array("c.name", UInt32.self)
        cLon = try f.array("c.lon", Int32.self); cLat = try f.array("c.lat", Int32.self)
        cSt0 = try f.array("c.st0", UInt32.self); cPC0 = try f.array("c.pc0", UInt32.self); cPCs = try f.array("c.pcs", UInt32.self)
        nHash = try f.array("n.hash", UInt64.self); nCom = try f.array("n.com", UInt32.self)
        fHash = try f.array("f.hash", UInt64.self); fCom = try f.array("f.com", UInt32.self)
        pCode = try f.array("p.code", UInt32.self); pCom = try f.array("p.com", UInt32.self)
        tHash = try f.array("t.hash", UInt64.self); tSt = try f.array("t.st", UInt32.self)
        sName = try f.array("s.name", UInt32.self); sKey = try f.array("s.key", UInt32.self)
        sFull = try f.array("s.full", UInt32.self); sCore = try f.array("s.core", UInt32.self)
        sSig = try f.array("s.sig", UInt64.self); sLon = try f.array("s.lon", Int32.self); sLat = try f.array("s.lat", Int32.self)
        sHN0 = try f.array("s.hn0", UInt32.self); sPC = try f.array("s.pc", UInt32.self)
        sIDP = try f.array("s.idp", UInt32.self); sCom = try f.array("s.com", UInt32.self)
        hNum = try f.array("h.num", UInt32.self); hSuf = try f.array("h.suf", UInt32.self)
        hLon = try f.array("h.lon", Int32.self); hLat = try f.array("h.lat", Int32.self)
        hID = try f.array("h.id", UInt32.self); hPC = try f.array("h.pc", UInt32.self)

        let communes = cInsee.count
        let streets = sName.count
        let addresses = hNum.count
        guard cName.count == communes, cLon.count == communes, cLat.count == communes, cSt0.count == communes + 1,
            cPC0.count == communes + 1, nHash.count == nCom.count, fHash.count == fCom.count, pCode.count == pCom.count,
            tHash.count == tSt.count, sKey.count == streets, sFull.count == streets, sCore.count == streets,
            sSig.count == streets, sLon.count == streets, sLat.count == streets, sHN0.count == streets + 1,
            sPC.count == streets, sIDP.count == streets, sCom.count == streets, hSuf.count == addresses,
            hLon.count == addresses, hLat.count == addresses, hID.count == addresses, hPC.count == addresses,
            Int(cSt0[communes]) == streets, Int(sHN0[streets]) == addresses, Int(cPC0[communes]) == cPCs.count
        else {
            throw GeocodingError.corruptPack(path: path, reason: "tables de tailles incohérentes")
        }
        // Numbers that point from one table into another (commune, street) and the start arrays are read
        // without further checks by the lookups: checked once here (found by the addrpack fuzz target: a
        // commune number past the table read outside the mapping).
        func allBelow(_ a: UnsafeBufferPointer<UInt32>, _ n: Int) -> Bool {
            let bound = UInt32(clamping: n)
            for v in a where v >= bound { return false }
            return true
        }
        func nonDecreasing(_ a: UnsafeBufferPointer<UInt32>) -> Bool {
            var previous: UInt32 = 0
            for v in a {
                if v < previous { return false }
                previous = v
            }
            return true
        }
        guard allBelow(nCom, communes), allBelow(fCom, communes), allBelow(pCom, communes), allBelow(sCom, communes),
            allBelow(tSt, streets), nonDecreasing(cSt0), nonDecreasing(sHN0), nonDecreasing(cPC0)
        else {
            throw GeocodingError.corruptPack(path: path, reason: "renvoi d'une table vers une autre hors limites")
        }
        var byInsee: [String: UInt32] = [:]
        byInsee.reserveCapacity(communes)
        for k in 0..<communes { byInsee[str.string(cInsee[k])] = UInt32(k) }
        communeByInsee = byInsee

        func optional<T: FixedWidthInteger>(_ name: String, _ t: T.Type, count: Int) -> UnsafeBufferPointer<T>? {
            guard let a = try? f.array(name, t), a.count == count else { return nil }
            return a
        }
        sOld = optional("s.old", UInt32.self, count: streets)
        sKind = optional("s.kind", UInt8.self, count: streets)
        let empty32 = UnsafeBufferPointer<UInt32>(start: nil, count: 0)
        let emptyI32 = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        let olds = (try? f.array("o.insee", UInt32.self))?.count ?? 0
        if olds > 0, let a = optional("o.insee", UInt32.self, count: olds), let b = optional("o.name", UInt32.self, count: olds),
            let c = optional("o.com", UInt32.self, count: olds), let d = optional("o.lon", Int32.self, count: olds),
            let e = optional("o.lat", Int32.self, count: olds), c.allSatisfy({ Int($0) < communes })
        {
            oInsee = a; oName = b; oCom = c; oLon = d; oLat = e
        } else {
            oInsee = empty32; oName = empty32; oCom = empty32; oLon = emptyI32; oLat = emptyI32
        }
        var byName: [UInt64: [Int]] = [:]
        for k in 0..<oInsee.count {
            let key = AddressQuery.communeNameWords(str.string(oName[k])).joined(separator: " ")
            if !key.isEmpty { byName[stableHash(key.utf8), default: []].append(k) }
        }
        oldByName = byName
    }

    /// Former commune of street `s` (index into o.*), nil when none.
    @inline(__always)
    func oldCommune(street s: Int) -> Int? {
        guard let sOld, s >= 0, sOld[s] != 0, Int(sOld[s]) <= oInsee.count else { return nil }
        return Int(sOld[s]) - 1
    }

    @inline(__always)
    func isLocality(street s: Int) -> Bool { sKind.map { s >= 0 && $0[s] == 1 } ?? false }

    /// The standard location of the pack in a data directory.
    static func url(in directory: DataDirectory) -> URL {
        directory.addressesURL.appendingPathComponent("ban.qpvaddr")
    }

    // MARK: - Lookups

    /// Range of entries equal to `key` in a sorted column.
    @inline(__always)
    static func equalRange<T: Comparable>(_ column: UnsafeBufferPointer<T>, _ key: T) -> Range<Int> {
        var lo = 0
        var hi = column.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if column[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < column.count && column[end] == key { end += 1 }
        return lo..<end
    }

    func communes(postcode: UInt32) -> [UInt32] {
        Self.equalRange(pCode, postcode).map { pCom[$0] }
    }

    func communes(nameKey: UInt64) -> [UInt32] {
        Self.equalRange(nHash, nameKey).map { nCom[$0] }
    }

    /// Whether `nameKey` is one of commune `c`'s names (no array built: `nameSimilarity` asks it for every
    /// commune it compares).
    func commune(_ c: Int, hasNameKey nameKey: UInt64) -> Bool {
        Self.equalRange(nHash, nameKey).contains { nCom[$0] == UInt32(c) }
    }

    func communes(fuzzyKey: UInt64) -> Range<Int> { Self.equalRange(fHash, fuzzyKey) }

    func streets(tokenHash: UInt64) -> Range<Int> { Self.equalRange(tHash, tokenHash) }

    func communeHasPostcode(_ c: Int, _ pc: UInt32) -> Bool {
        for k in Int(cPC0[c])..<Int(cPC0[c + 1]) where cPCs[k] == pc { return true }
        return false
    }

    func streetRange(commune c: Int) -> Range<Int> { Int(cSt0[c])..<Int(cSt0[c + 1]) }

    func addressRange(street s: Int) -> Range<Int> { Int(sHN0[s])..<Int(sHN0[s + 1]) }

    func addressID(_ h: Int, street s: Int) -> String {
        let id = hID[h]
        if id != UInt32.max { return str.string(id) }
        return str.string(sIDP[s]) + AddressPackBuilder.idTail(number: hNum[h], suffix: str.string(hSuf[h]))
    }

    static func postcodeText(_ pc: UInt32) -> String {
        guard pc != 0 else { return "" }
        let digits = String(pc)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
