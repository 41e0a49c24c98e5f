// QPVGeometry — Swift wrappers over the GEOS and PROJ C APIs, and the geometric building blocks the
// other modules share: owned geometries (construction from coordinates, WKB, WKT), validity and repair,
// prepared predicates, distances, a packed STR-tree over envelopes, and CRS transforms that always speak
// lon/lat (or easting/northing) order.
//
// Ownership rules, mirroring GEOS's C API documentation:
// - `GeosContext` owns a `GEOSContextHandle_t`; one per thread (GEOS contexts are not thread-safe).
// - `Geometry` owns one `GEOSGeometry*` and destroys it on deinit; it is bound to the context that made it
//   and must be used on that context's thread.
// - `PreparedGeometry` owns a `GEOSPreparedGeometry*` and keeps its source `Geometry` alive; prepared
//   geometries build indexes lazily, so they are never shared between threads.
// - `ProjContext` / `CoordinateTransformer` own a `PJ_CONTEXT*` / `PJ*`; one per thread as well.
// No C pointer appears in the public API.

import CGEOS
import Foundation

/// Errors raised by the geometry layer. Messages are in French and carry GEOS's or PROJ's own message.
public enum GeometryError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// A GEOS operation failed (GEOS raised an exception or returned NULL).
    case geos(operation: String, message: String)
    /// Input that cannot make a geometry (bad WKT/WKB, too few points, unclosed ring…).
    case invalidInput(String)
    /// A coordinate reference system PROJ does not know.
    case unknownCRS(String)
    /// PROJ could not build or run a transformation.
    case proj(operation: String, message: String)

    /// The error in French, for messages.
    public var description: String {
        switch self {
        case .geos(let op, let message): return "GEOS : échec de \(op) (\(message))"
        case .invalidInput(let message): return "géométrie invalide : \(message)"
        case .unknownCRS(let crs): return "système de coordonnées inconnu : « \(crs) »"
        case .proj(let op, let message): return "PROJ : échec de \(op) (\(message))"
        }
    }

    public var errorDescription: String? { description }
}

/// Receives GEOS error messages for one context (GEOS calls back with a C string).
final class GeosMessageSink {
    var last: String = ""
}

/// A GEOS reentrant-API context: error handling plus the reader/writer objects reused across calls.
/// Not thread-safe: create one per thread or worker.
public final class GeosContext {
    let handle: GEOSContextHandle_t
    private let sink: GeosMessageSink
    private var wkbReader: OpaquePointer?
    private var wkbWriter: OpaquePointer?
    private var wktReader: OpaquePointer?
    private var wktWriter: OpaquePointer?

    /// A new GEOS context with its error handlers (one per thread).
    public init() throws {
        guard let handle = GEOS_init_r() else {
            throw GeometryError.geos(operation: "l'initialisation du contexte", message: "GEOS_init_r a renvoyé NULL")
        }
        self.handle = handle
        self.sink = GeosMessageSink()
        let userdata = Unmanaged.passUnretained(sink).toOpaque()
        GEOSContext_setErrorMessageHandler_r(
            handle,
            { message, userdata in
                guard let message, let userdata else { return }
                Unmanaged<GeosMessageSink>.fromOpaque(userdata).takeUnretainedValue().last = String(cString: message)
            }, userdata)
        GEOSContext_setNoticeMessageHandler_r(handle, { _, _ in }, nil)
    }

    deinit {
        if let wkbReader { GEOSWKBReader_destroy_r(handle, wkbReader) }
        if let wkbWriter { GEOSWKBWriter_destroy_r(handle, wkbWriter) }
        if let wktReader { GEOSWKTReader_destroy_r(handle, wktReader) }
        if let wktWriter { GEOSWKTWriter_destroy_r(handle, wktWriter) }
        GEOS_finish_r(handle)
    }

    /// GEOS library version, e.g. "3.11.1-CAPI-1.17.1".
    public static var geosVersion: String { String(cString: GEOSversion()) }

    /// The last error message GEOS reported on this context, then cleared.
    func takeMessage() -> String {
        let m = sink.last
        sink.last = ""
        return m.isEmpty ? "erreur GEOS sans message" : m
    }

    func error(_ operation: String) -> GeometryError {
        .geos(operation: operation, message: takeMessage())
    }

    /// Traps when `g` was made by another context: mixing contexts in one GEOS call is a threading bug.
    func checkOwns(_ g: Geometry) {
        precondition(g.context === self, "géométrie GEOS d'un autre contexte (un contexte par fil d'exécution)")
    }

    /// Wraps a freshly created, owned geometry pointer, or throws GEOS's message when it is NULL.
    func own(_ raw: OpaquePointer?, _ operation: String) throws -> Geometry {
        guard let raw else { throw error(operation) }
        return Geometry(owning: raw, context: self)
    }

    var wkbReaderHandle: OpaquePointer {
        if let wkbReader { return wkbReader }
        let r = GEOSWKBReader_create_r(handle)!
        wkbReader = r
        return r
    }

    var wkbWriterHandle: OpaquePointer {
        if let wkbWriter { return wkbWriter }
        let w = GEOSWKBWriter_create_r(handle)!
        GEOSWKBWriter_setOutputDimension_r(handle, w, 2)
        GEOSWKBWriter_setByteOrder_r(handle, w, Int32(GEOS_WKB_NDR.rawValue))
        wkbWriter = w
        return w
    }

    var wktReaderHandle: OpaquePointer {
        if let wktReader { return wktReader }
        let r = GEOSWKTReader_create_r(handle)!
        wktReader = r
        return r
    }

    var wktWriterHandle: OpaquePointer {
        if let wktWriter { return wktWriter }
        let w = GEOSWKTWriter_create_r(handle)!
        GEOSWKTWriter_setTrim_r(handle, w, 1)
        GEOSWKTWriter_setOutputDimension_r(handle, w, 2)
        wktWriter = w
        return w
    }
}

@available(*, unavailable)
extension GeosContext: Sendable {}
