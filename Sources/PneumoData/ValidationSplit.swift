import SeededRandom

/// Carves a validation set out of training images: whole patients go to one side, and each
/// class keeps about the same share on both sides.
public enum ValidationSplit {
    /// Indices into `samples` for training and validation. Patients (by `patientID`) are never
    /// divided; within each class (a patient's most frequent label) patients are shuffled with
    /// `seed` and taken until the validation share is as close as possible to `fraction`.
    public static func grouped(_ samples: [ImageSample], fraction: Double, seed: UInt64) throws -> (train: [Int], validation: [Int]) {
        guard fraction > 0, fraction < 1 else {
            throw DataError.invalidOption("validation fraction \(fraction) must be between 0 and 1 (exclusive), e.g. 0.15")
        }
        var groups: [String: [Int]] = [:]
        for (index, sample) in samples.enumerated() { groups[sample.patientID, default: []].append(index) }
        var strata: [Int: [(patient: String, members: [Int])]] = [:]
        for (patient, members) in groups {
            strata[majorityLabel(members.map { samples[$0].label ?? -1 }), default: []].append((patient, members))
        }
        var validation: [Int] = []
        for stratum in strata.keys.sorted() {
            // Sorted first so the shuffle, not dictionary order, decides.
            var patients = strata[stratum, default: []].sorted { $0.patient < $1.patient }
            var generator = SeededGenerator(seed: seed, stream: UInt64(bitPattern: Int64(stratum)))
            generator.shuffle(&patients)
            let total = patients.reduce(0) { $0 + $1.members.count }
            let target = Int((Double(total) * fraction).rounded())
            var taken = 0
            for patient in patients where taken < target {
                // Take a patient unless it would overshoot by more than the current shortfall.
                if taken + patient.members.count - target <= target - taken {
                    validation += patient.members
                    taken += patient.members.count
                }
            }
        }
        let chosen = Set(validation)
        return ((0..<samples.count).filter { !chosen.contains($0) }, validation.sorted())
    }

    /// The most frequent label; ties go to the smaller label.
    static func majorityLabel(_ labels: [Int]) -> Int {
        var counts: [Int: Int] = [:]
        for label in labels { counts[label, default: 0] += 1 }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? -1
    }
}
