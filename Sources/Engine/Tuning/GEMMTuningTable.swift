import OpenCLKit

/// What the tuner chose on one device and driver: tile configurations by shape class, and the
/// device profile.
public struct GEMMTuningTable: Codable, Sendable, Equatable {
    /// One shape class's winner, with the speeds that made it win.
    public struct Choice: Codable, Sendable, Equatable {
        public var tuning: GEMMTuning
        /// Speed of the winner and of the default configuration on the class's shapes (GFLOP/s).
        public var gflops: Double
        public var defaultGFLOPS: Double
        /// The products it was timed on.
        public var shapes: [String]

        public init(tuning: GEMMTuning, gflops: Double, defaultGFLOPS: Double, shapes: [String]) {
            self.tuning = tuning
            self.gflops = gflops
            self.defaultGFLOPS = defaultGFLOPS
            self.shapes = shapes
        }
    }

    /// Bumped when the kernels change so much that old choices mean nothing.
    public static let currentVersion = 2

    public var version: Int
    public var device: String
    public var platform: String
    public var driver: String
    /// Shape class (`ShapeClass.description`) -> choice.
    public var choices: [String: Choice]
    /// The tuned device profile stored with the choices (absent in files written before profiles).
    public var profile: DeviceProfile?

    /// An empty table for `device`.
    public init(device: Device) {
        version = GEMMTuningTable.currentVersion
        self.device = device.name
        platform = device.platform.name
        driver = device.driverVersion
        choices = [:]
    }

    /// True when the table was made on this device and driver by this version of the kernels.
    public func matches(_ device: Device) -> Bool {
        version == GEMMTuningTable.currentVersion && self.device == device.name && platform == device.platform.name
            && driver == device.driverVersion
    }

    /// The stored configuration for a shape class, if the tuner chose one.
    public func tuning(for shapeClass: ShapeClass) -> GEMMTuning? { choices[shapeClass.description]?.tuning }
}
