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
