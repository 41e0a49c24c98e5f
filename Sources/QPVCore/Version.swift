// QPVCore — the one software version of qpv, written into packs, exports, the server's `/version` and
// `qpv --version`. Change it here only.

/// qpv's version.
public enum QPVVersion {
    /// Semantic version of this build of qpv.
    public static let string = "0.3.0"
}
