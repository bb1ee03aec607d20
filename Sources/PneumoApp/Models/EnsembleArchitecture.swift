/// The architecture of an ensemble checkpoint: its members' architectures and calibrations.
/// Member i's tensors are stored under `m<i>.` in the ensemble's weights file.
public struct EnsembleArchitecture: Codable, Equatable, Sendable {
    /// One member: its network and the temperature it was calibrated with on its own.
    public struct Member: Codable, Equatable, Sendable {
        public var architecture: ArchitectureSpec
        public var temperature: Double
        /// The checkpoint it came from, for people.
        public var source: String
        /// Its own check of how familiar an image is (nil when it had none).
        public var familiarity: FeatureFamiliarity?

        /// Creates a member record.
        public init(architecture: ArchitectureSpec, temperature: Double, source: String, familiarity: FeatureFamiliarity? = nil) {
            self.architecture = architecture
            self.temperature = temperature
            self.source = source
            self.familiarity = familiarity
        }
    }

    /// A name for people, e.g. "ensemble of 5 pneumonet".
    public var name: String
    public var ensemble: [Member]

    /// Creates the architecture of an ensemble of `members`.
    public init(members: [Member]) {
        let names = Array(Set(members.map(\.architecture.name))).sorted().joined(separator: ", ")
        name = "ensemble of \(members.count) \(names)"
        ensemble = members
    }

    /// The weights-file prefix of member `index`.
    public static func prefix(_ index: Int) -> String { "m\(index)." }

    /// The ensemble described by a checkpoint's architecture field, nil when it describes one network.
    static func decodeIfEnsemble(_ value: JSONValue) throws -> EnsembleArchitecture? {
        guard value["ensemble"] != nil else { return nil }
        return try value.decode(EnsembleArchitecture.self)
    }
}
