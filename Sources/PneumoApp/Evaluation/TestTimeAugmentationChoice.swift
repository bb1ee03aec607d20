/// Whether a command scores images with test-time augmentation: as the checkpoint was
/// calibrated (the default), not at all, or with given copies.
public enum TestTimeAugmentationChoice: Equatable, Sendable {
    case asStored
    case off
    case on(TestTimeAugmentation)

    /// `--tta` / `--no-tta`: nil keeps the checkpoint's choice.
    public init(flag: Bool?) {
        switch flag {
        case nil: self = .asStored
        case true?: self = .on(.standard)
        case false?: self = .off
        }
    }

    /// The copies to score over, given what the checkpoint stores.
    func resolved(stored: TestTimeAugmentation?) -> TestTimeAugmentation? {
        switch self {
        case .asStored: return stored
        case .off: return nil
        case .on(let augmentation): return augmentation
        }
    }
}

extension TrainedModel {
    /// Scores every image from now on as `choice` says (`--tta`/`--no-tta` against what the
    /// checkpoint's calibration stored). Returns notes for a report or log: how each
    /// probability is formed, and whether the temperature and thresholds were fitted that way.
    @discardableResult
    public func score(with choice: TestTimeAugmentationChoice) -> [String] {
        let stored = scoringAugmentation
        let used = choice.resolved(stored: stored)
        scoringAugmentation = used
        let calibrated = metadata?.calibration != nil
        switch (used, stored) {
        case (nil, nil): return []
        case let (used?, stored) where used == stored: return ["each probability is \(used.summary), as the checkpoint was calibrated"]
        case let (used?, _):
            return ["each probability is \(used.summary)"
                + (calibrated ? "; the checkpoint's temperature and thresholds were fitted without it" : "")]
        case (nil, _?):
            return ["each image is scored in one pass; the checkpoint's temperature and thresholds were fitted on test-time augmentation"]
        }
    }
}
