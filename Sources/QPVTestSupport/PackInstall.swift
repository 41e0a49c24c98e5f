// `installPack`: installs a perimeter file into a data directory the way `qpv data import` does (read, compile
// against the shipped registry, install), for the tests that need an installed list without the binary.

import QPVCore
import QPVGeometry
import QPVPerimeters

/// What `installPack` installed: the store it went into, the compiled manifest and the pack file's path.
public struct InstalledPack {
    public let store: PackStore
    public let manifest: PackManifest
    public let path: String
}

/// Reads `path` (GeoJSON, GeoPackage, Shapefile or carreaux CSV), compiles it with the options `configure`
/// sets and installs the pack into `dir`.
@discardableResult
public func installPack(_ path: String, into dir: DataDirectory, _ configure: (inout ImportOptions) -> Void = { _ in }) throws -> InstalledPack {
    var options = ImportOptions()
    configure(&options)
    let file = try PerimeterFileReader.read(path: path, crs: options.crs, context: try GeosContext())
    let compiled = try PackCompiler(registry: try Registry.shipped()).compile(file, options: options)
    let store = PackStore(dataDirectory: dir)
    let installed = try store.install(compiled)
    return InstalledPack(store: store, manifest: compiled.manifest, path: installed.path)
}
