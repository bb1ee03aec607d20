/// The versions `pneumo --version` reports, kept here so there is one place to change them.
public enum ProductVersion {
    /// Semantic version of the command line and the product built on the engine.
    public static let current = "0.1.0"

    /// The engine version every checkpoint records, e.g. `pneumo-engine-1`.
    public static var engine: String { TrainingSession.engineVersion }
}
