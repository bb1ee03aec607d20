import ArgumentParser
import PneumoApp

/// `train`'s augmentation: a preset or strength, single switches that override it, and the
/// levers the preset leaves off (gamma, random erasing, local contrast).
struct AugmentationOptions: ParsableArguments {
    // A number is allowed too, so this stays a string; completion offers the two words.
    @Option(
        help: "Augmentation: none, standard (10° rotation, 10% shift, zoom, brightness, contrast, 20% aspect ratio) or a factor on standard such as 0.5. Default: 1.5.",
        completion: .list(["none", "standard"]))
    var augment: String?

    @Option(help: "Largest rotation in degrees (overrides --augment).")
    var rotation: Double?

    @Option(help: "Largest shift as a fraction of the side (overrides --augment).")
    var shift: Double?

    @Option(help: "Largest zoom change, e.g. 0.1 (overrides --augment).")
    var zoom: Double?

    @Option(help: "Largest brightness change in [0, 1] units (overrides --augment).")
    var brightness: Double?

    @Option(help: "Largest contrast change, e.g. 0.1 (overrides --augment).")
    var contrast: Double?

    @Option(help: "Largest aspect-ratio change, e.g. 0.2 stretches width against height by up to 1.2x either way (overrides --augment).")
    var aspect: Double?

    @Flag(inversion: .prefixedNo, help: "Mirror half the images left to right. Default: off (the heart is on the left).")
    var flip: Bool?

    @Option(help: "Largest gamma change: intensities x become x^g, g drawn log-uniformly from [1/(1+G), 1+G], e.g. 0.3. Default: 0 (off).")
    var gamma: Double?

    @Option(help: "Probability of erasing one random rectangle of an image (filled with noise), e.g. 0.5. Default: 0 (off).")
    var erase: Double?

    @Option(help: "Largest erased area as a fraction of the image, in [0.02, 1] (aspect 0.3-3.3). Default: 0.2.")
    var eraseArea: Double?

    @Option(help: "Largest local-contrast change: each image gets an unsharp mask x + a(x - blur(x)) over a box of 1/8 of its side, a drawn from [-L, L], e.g. 0.5. Default: 0 (off).")
    var localContrast: Double?

    /// Writes the given values into `arguments`; what was not given stays nil.
    func apply(to arguments: inout TrainingArguments) {
        arguments.augment = augment
        arguments.rotation = rotation
        arguments.shift = shift
        arguments.zoom = zoom
        arguments.brightness = brightness
        arguments.contrast = contrast
        arguments.aspect = aspect
        arguments.flip = flip
        arguments.gamma = gamma
        arguments.erase = erase
        arguments.eraseArea = eraseArea
        arguments.localContrast = localContrast
    }
}
