// Renders the first frame to 8-bit grayscale: stored values, then the modality transform
// (Rescale Slope/Intercept), then the VOI transform (VOI LUT, else Window Center/Width, else the
// full 8-bit range for 8-bit data and the image's own range for deeper data), inverted for MONOCHROME1 so that 0 is black, as in the JPEGs models train on.
#include "DICOMImage.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

/// One VOI step: modality value (before rounding) to brightness 0...255.
struct VOITransform {
    enum Kind { linear, linearExact, sigmoid, table, range } kind = range;
    double center = 0, width = 1;             // window
    double low = 0, high = 1;                 // image range
    std::vector<uint16_t> lut;                // VOI LUT entries
    int64_t firstMapped = 0;
    double lutMax = 1;

    double apply(double value) const {
        switch (kind) {
        case linear: {
            // PS3.3 C.11.2.1.2.1: the centre is offset by half a unit and the width by one.
            double c = center - 0.5, w = width - 1;
            if (w <= 0) return value <= c ? 0 : 255;
            if (value <= c - w / 2) return 0;
            if (value > c + w / 2) return 255;
            return ((value - c) / w + 0.5) * 255;
        }
        case linearExact: {
            if (value <= center - width / 2) return 0;
            if (value > center + width / 2) return 255;
            return ((value - center) / width + 0.5) * 255;
        }
        case sigmoid:
            return 255 / (1 + std::exp(-4 * (value - center) / width));
        case table: {
            int64_t index = int64_t(std::llround(value)) - firstMapped;
            index = std::clamp<int64_t>(index, 0, int64_t(lut.size()) - 1);
            return double(lut[size_t(index)]) / lutMax * 255;
        }
        case range:
            return high > low ? (value - low) / (high - low) * 255 : 0;
        }
        return 0;
    }
};

/// A 16-bit word of an element value in the dataset's byte order.
uint16_t word(const char *bytes, size_t index, bool bigEndian) {
    auto b0 = uint8_t(bytes[2 * index]), b1 = uint8_t(bytes[2 * index + 1]);
    return bigEndian ? uint16_t(b0 << 8 | b1) : uint16_t(b1 << 8 | b0);
}

/// The first item of the VOI LUT Sequence (0028,3010) as a table, when it is present and well formed.
bool voiTable(const gdcm::DataSet &dataSet, bool bigEndian, bool signedInput, VOITransform &transform) {
    const gdcm::Tag sequenceTag(0x0028, 0x3010);
    if (!dataSet.FindDataElement(sequenceTag)) return false;
    gdcm::SmartPointer<gdcm::SequenceOfItems> items = dataSet.GetDataElement(sequenceTag).GetValueAsSQ();
    if (!items || items->GetNumberOfItems() < 1) return false;
    const gdcm::DataSet &item = items->GetItem(1).GetNestedDataSet();
    const gdcm::Tag descriptorTag(0x0028, 0x3002), dataTag(0x0028, 0x3006);
    if (!item.FindDataElement(descriptorTag) || !item.FindDataElement(dataTag)) return false;
    const gdcm::ByteValue *descriptor = item.GetDataElement(descriptorTag).GetByteValue();
    const gdcm::ByteValue *data = item.GetDataElement(dataTag).GetByteValue();
    if (descriptor == nullptr || descriptor->GetLength() < 6 || data == nullptr) return false;
    size_t entries = word(descriptor->GetPointer(), 0, bigEndian);
    if (entries == 0) entries = 65536;
    uint16_t first = word(descriptor->GetPointer(), 1, bigEndian);
    int bits = word(descriptor->GetPointer(), 2, bigEndian);
    if (bits < 1 || bits > 16) return false;
    transform.lut.resize(entries);
    if (data->GetLength() >= 2 * entries) {
        for (size_t i = 0; i < entries; ++i) transform.lut[i] = word(data->GetPointer(), i, bigEndian);
    } else if (data->GetLength() >= entries) {  // 8-bit entries packed one per byte
        for (size_t i = 0; i < entries; ++i) transform.lut[i] = uint8_t(data->GetPointer()[i]);
    } else {
        return false;
    }
    transform.firstMapped = signedInput ? int64_t(int16_t(first)) : int64_t(first);
    transform.lutMax = double((1u << bits) - 1);
    transform.kind = VOITransform::table;
    return true;
}

/// Window Center/Width (0028,1050/1051) with the VOI LUT Function (0028,1056), first values.
bool voiWindow(const gdcm::DataSet &dataSet, VOITransform &transform) {
    double center = 0, width = 0;
    if (!pneumo_dicom::firstNumber(dataSet, gdcm::Tag(0x0028, 0x1050), center)) return false;
    if (!pneumo_dicom::firstNumber(dataSet, gdcm::Tag(0x0028, 0x1051), width) || !(width >= 1)) return false;
    transform.center = center;
    transform.width = width;
    transform.kind = VOITransform::linear;
    const gdcm::Tag functionTag(0x0028, 0x1056);
    if (dataSet.FindDataElement(functionTag)) {
        const gdcm::ByteValue *value = dataSet.GetDataElement(functionTag).GetByteValue();
        std::string function = value ? std::string(value->GetPointer(), value->GetLength()) : "";
        if (function.rfind("LINEAR_EXACT", 0) == 0) transform.kind = VOITransform::linearExact;
        else if (function.rfind("SIGMOID", 0) == 0) transform.kind = VOITransform::sigmoid;
    }
    return true;
}

/// Stored values of the first frame, masked to Bits Stored and sign-extended when signed.
std::vector<int32_t> storedValues(const std::vector<char> &buffer, const pneumo_dicom_info &info) {
    const size_t count = size_t(info.width) * size_t(info.height);
    std::vector<int32_t> values(count);
    const uint32_t mask = info.bits_stored >= 32 ? 0xffffffffu : (1u << info.bits_stored) - 1;
    const uint32_t signBit = 1u << (info.bits_stored - 1);
    for (size_t i = 0; i < count; ++i) {
        uint32_t raw = info.bits_allocated == 8
            ? uint8_t(buffer[i])
            : uint32_t(uint8_t(buffer[2 * i])) | uint32_t(uint8_t(buffer[2 * i + 1])) << 8;  // GDCM hands out little endian
        raw &= mask;
        values[i] = info.is_signed && (raw & signBit) ? int32_t(raw) - int32_t(mask) - 1 : int32_t(raw);
    }
    return values;
}

}  // namespace

namespace {

pneumo_dicom_status render(
    pneumo_dicom_image *image, uint8_t *output, size_t output_capacity, char *message, size_t message_capacity) {
    using pneumo_dicom::setMessage;
    if (image == nullptr || output == nullptr) {
        setMessage(message, message_capacity, "missing argument");
        return PNEUMO_DICOM_BAD_ARGUMENT;
    }
    const pneumo_dicom_info &info = image->info;
    const size_t count = size_t(info.width) * size_t(info.height);
    if (output_capacity < count) {
        setMessage(message, message_capacity, "output buffer smaller than the image");
        return PNEUMO_DICOM_BAD_ARGUMENT;
    }
    const gdcm::Image &gdcmImage = image->reader.GetImage();
    std::vector<char> buffer;
    bool decoded = false;
    try {
        buffer.resize(gdcmImage.GetBufferLength());
        decoded = !buffer.empty() && gdcmImage.GetBuffer(buffer.data());
    } catch (const std::exception &) {
        decoded = false;
    }
    const size_t frameBytes = count * size_t(info.bits_allocated / 8);
    if (!decoded || buffer.size() < frameBytes) {
        setMessage(message, message_capacity, std::string("the ") + info.transfer_syntax
                   + " pixel data could not be decoded: it is damaged or cut off");
        return PNEUMO_DICOM_DECODE_FAILED;
    }
    const std::vector<int32_t> stored = storedValues(buffer, info);
    buffer = std::vector<char>();

    const gdcm::DataSet &dataSet = image->reader.GetFile().GetDataSet();
    double slope = 1, intercept = 0;
    if (!pneumo_dicom::firstNumber(dataSet, gdcm::Tag(0x0028, 0x1053), slope) || slope == 0 || !std::isfinite(slope)) slope = 1;
    if (!pneumo_dicom::firstNumber(dataSet, gdcm::Tag(0x0028, 0x1052), intercept) || !std::isfinite(intercept)) intercept = 0;

    // Every stored value maps through the same steps: one table over the values present.
    auto [lowest, highest] = std::minmax_element(stored.begin(), stored.end());
    const int32_t low = *lowest, high = *highest;
    VOITransform transform;
    const bool bigEndian = gdcmImage.GetTransferSyntax() == gdcm::TransferSyntax::ExplicitVRBigEndian;
    if (!voiTable(dataSet, bigEndian, info.is_signed, transform) && !voiWindow(dataSet, transform)) {
        // No VOI: 8-bit data is already for display, so its full range is kept; deeper data
        // is stretched over the values the image holds.
        int64_t first = low, last = high;
        if (info.bits_stored <= 8) {
            first = info.is_signed ? -(int64_t(1) << (info.bits_stored - 1)) : 0;
            last = info.is_signed ? (int64_t(1) << (info.bits_stored - 1)) - 1 : (int64_t(1) << info.bits_stored) - 1;
        }
        const double a = double(first) * slope + intercept, b = double(last) * slope + intercept;
        transform.kind = VOITransform::range;
        transform.low = std::min(a, b);
        transform.high = std::max(a, b);
    }
    const bool inverted = std::string(info.photometric) == "MONOCHROME1";
    std::vector<uint8_t> table(size_t(high - low) + 1);
    for (int64_t value = low; value <= high; ++value) {
        double brightness = std::clamp(transform.apply(double(value) * slope + intercept), 0.0, 255.0);
        uint8_t level = uint8_t(std::lround(brightness));
        table[size_t(value - low)] = inverted ? uint8_t(255 - level) : level;
    }
    for (size_t i = 0; i < count; ++i) output[i] = table[size_t(stored[i] - low)];
    return PNEUMO_DICOM_OK;
}

}  // namespace

extern "C" pneumo_dicom_status pneumo_dicom_render_gray8(
    pneumo_dicom_image *image, uint8_t *output, size_t output_capacity, char *message, size_t message_capacity) {
    static const char *const damaged = "the pixel data could not be decoded: it is damaged or cut off";
    std::jmp_buf target;
    if (setjmp(target) != 0) {
        pneumo_dicom::setMessage(message, message_capacity, damaged);
        return PNEUMO_DICOM_DECODE_FAILED;
    }
    pneumo_dicom::AssertionTrap trap(target);
    try {
        return render(image, output, output_capacity, message, message_capacity);
    } catch (...) {
        pneumo_dicom::setMessage(message, message_capacity, damaged);
        return PNEUMO_DICOM_DECODE_FAILED;
    }
}
