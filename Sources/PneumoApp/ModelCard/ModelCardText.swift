import PneumoData

/// The statements every card makes whatever the checkpoint: what the model is for, where its
/// data come from and what was never checked. Kept in one place so they read the same everywhere.
public enum ModelCardText {
    /// The section headings of Mitchell et al. 2019, "Model Cards for Model Reporting", in order.
    public static let headings = [
        "Model details", "Intended use", "Factors", "Metrics", "Evaluation data", "Training data",
        "Quantitative analyses", "Ethical considerations", "Caveats and recommendations",
    ]

    /// The heading of the closing table that maps CLAIM 2024 items to this card.
    public static let claimHeading = "CLAIM 2024 checklist items"

    public static let intendedUse = "Intended use: decision support for reading pediatric chest X-rays. "
        + "The model flags images that may show pneumonia. It is not a diagnosis and not a replacement for a radiologist: "
        + "every output must be read by a qualified clinician together with the patient's history and examination."

    public static let outOfScope = [
        "Adults, and children outside the ages of 1 to 5 years the training data covers.",
        "Lateral or posterior-anterior views, CT, and any image that is not an anterior-posterior chest X-ray.",
        "Diseases other than pneumonia; a normal output does not exclude other findings.",
        "Use without human review, such as automatic triage or reporting.",
        "Hospitals, scanners or populations other than the training centre without a local validation first.",
    ]

    /// The input quality gate's rules, with the limits every command and the server apply.
    public static var qualityGate: String {
        let gate = ImageQualityGate.standard
        return "Input quality gate: before the model answers, each image is checked for a damaged JPEG, a shorter side under "
            + "\(gate.minimumSide) px, a width/height ratio outside \(gate.aspectRange.lowerBound)-\(gate.aspectRange.upperBound), "
            + "fewer than \(gate.minimumBitsPerPixel) compressed bits per pixel, a contrast (standard deviation) under "
            + "\(gate.minimumContrast), a histogram entropy under \(gate.minimumEntropy) bits and more than "
            + "\(Int(gate.maximumFlatShare * 100))% flat 8x8 blocks. Predictions on inputs failing it are refused: pneumo predict and pneumo explain give no "
            + "probability, only the rules failed, and pneumo serve answers 422 naming them (predict --low-quality flag and the API's "
            + "?low_quality=flag answer anyway, marked as low quality, for a user who knows the input). "
            + "The image rules see only pixel statistics, so a model calibrated by this version also checks each image's "
            + "features: one that lies farther from the training images than 99% of the validation images did (noise, a photograph, a "
            + "document, an X-ray turned or cut) is refused the same way, naming the rule familiarity (Model details)."
    }

    public static let trainingSource = "Training data: Kermany et al. 2018, \"Identifying Medical Diagnoses and Treatable "
        + "Diseases by Image-Based Deep Learning\", Cell 172(5), and its data set \"Labeled Optical Coherence Tomography (OCT) "
        + "and Chest X-Ray Images for Classification\", Mendeley Data v2. One centre: Guangzhou Women and Children's Medical "
        + "Center, Guangzhou, China. Children aged 1 to 5 years, anterior-posterior chest X-rays taken as part of routine care."

    public static let labels = "Labels: normal or pneumonia; pneumonia is further marked bacterial or viral in the file names."

    public static let groundTruth = "Ground truth (as published by Kermany et al.): scans were first screened for quality "
        + "and unreadable ones removed; diagnoses were graded by two expert physicians, and the evaluation set was also "
        + "checked by a third expert. There is no radiology report, culture or follow-up behind a label."

    public static let singleCentre = "Single centre: every image comes from one hospital. How the model performs on other "
        + "hospitals, scanners, exposure settings and populations is unknown."

    public static let notValidated = "What was not validated: no external validation set was used. All figures in this card "
        + "come from the one centre's data; there is no prospective study, no test on another hospital's images, and no "
        + "analysis by sex, age within 1-5 years or scanner, as the data set records none of these."

    public static let squareResize = "Images are resized to a square. The originals differ in shape by class, so the squash "
        + "is a label cue that says nothing about the lungs (the aspect-ratio shortcut found by pneumo eda); the aspect-ratio "
        + "augmentation of training (pneumo train --aspect) stretches images at random so that the squash stops telling the classes apart."

    public static let grayscaleJPEG = "Grayscale JPEG only: other formats (DICOM, PNG) and colour images are not supported; "
        + "DICOM must be converted with the same windowing as the training images, which this card cannot check."

    public static let partitions = "The standard test split was never used for any choice: the decision threshold, the "
        + "operating points, the temperature and the epoch kept were all chosen on validation data."

    public static let uncalibrated = "UNCALIBRATED: this checkpoint carries no temperature fitted on validation data. Its "
        + "probabilities are the network's raw outputs and may be far more or less confident than it is right; run pneumo "
        + "calibrate before reading them as probabilities."

    public static let ethics = [
        "A missed pneumonia (false negative) can delay treatment of a child; a false positive can lead to needless antibiotics. "
            + "Choose the operating point for the setting: a high-sensitivity point for screening.",
        "Automation bias: readers tend to agree with a tool. The output should be shown after the reader's own reading, not before.",
        "The images are public and de-identified; no patient can be contacted and no consent beyond the original study's applies.",
        "The data set records no sex, ethnicity or socio-economic information, so performance across such groups was not assessed.",
    ]
}
