import Foundation

/// Checks that every class has images to train on and to validate with, and names the fix
/// that can actually help for each gap.
enum ClassCoverage {
    /// Throws when a class has no training or no validation image. `trainFolder` is the data's
    /// train split; with a positive `validationFraction` validation is carved from it.
    static func check(
        trainCounts: [Int], validationCounts: [Int], classNames: [String], validationFraction: Double, trainFolder: URL
    ) throws {
        for (index, name) in classNames.enumerated() {
            let inTrainFolder = trainCounts[index] + (validationFraction > 0 ? validationCounts[index] : 0)
            // No image of the class at all: no split setting can help, the data must change.
            if inTrainFolder == 0 {
                throw TrainingError.invalidOption(
                    "\(trainFolder.path) has no \(name) training images, so the model cannot learn that class; "
                        + "add \(name) images to its class folder, or check that the data is laid out as ROOT/train/{NORMAL,PNEUMONIA}/*.jpeg")
            }
        }
        if let missing = validationCounts.firstIndex(of: 0) {
            throw TrainingError.invalidOption(
                "the validation set has no \(classNames[missing]) image, so its figures and the threshold cannot be computed; "
                    + (validationFraction > 0 ? "raise --val-fraction" : "use --val-fraction 0.1 instead of the val folder"))
        }
        if let missing = trainCounts.firstIndex(of: 0) {
            throw TrainingError.invalidOption(
                "every \(classNames[missing]) image went to validation, none is left to train on; lower --val-fraction or add \(classNames[missing]) images")
        }
    }
}
