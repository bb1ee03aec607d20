// Opens DICOM bytes with GDCM and describes the image, refusing what cannot be rendered.
#include "DICOMImage.hpp"

#include <gdcmTrace.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <memory>
#include <mutex>
#include <streambuf>

namespace {

/// Reads the caller's bytes in place: no copy of a file that may be tens of megabytes.
class MemoryBuffer : public std::streambuf {
public:
    MemoryBuffer(const uint8_t *bytes, size_t count) {
        char *start = const_cast<char *>(reinterpret_cast<const char *>(bytes));
        setg(start, start, start + count);
    }

    /// True when a read asked for more bytes than were left and got some, or asked for a value
    /// (more than the 8 bytes of an element header) and got none: the data was cut inside an
    /// element. GDCM keeps such an element at its declared length, filled with zeros.
    bool readPastEnd() const { return cutShort; }

protected:
    std::streamsize xsgetn(char *target, std::streamsize wanted) override {
        const std::streamsize got = std::min<std::streamsize>(wanted, egptr() - gptr());
        if (got > 0) std::memcpy(target, gptr(), size_t(got));
        gbump(int(got));
        if (got < wanted && (got > 0 || wanted > 8)) cutShort = true;
        return got;
    }

    pos_type seekoff(off_type offset, std::ios_base::seekdir direction, std::ios_base::openmode) override {
        char *target = direction == std::ios_base::beg ? eback() + offset
                     : direction == std::ios_base::cur ? gptr() + offset
                     : egptr() + offset;
        if (target < eback() || target > egptr()) return pos_type(off_type(-1));
        setg(eback(), target, egptr());
        return pos_type(target - eback());
    }
    pos_type seekpos(pos_type position, std::ios_base::openmode mode) override {
        return seekoff(off_type(position), std::ios_base::beg, mode);
    }

private:
    bool cutShort = false;
};

/// GDCM's warnings go to stderr by default and can quote element values; they are turned off once.
void silenceGDCM() {
    static std::once_flag once;
    std::call_once(once, [] {
        gdcm::Trace::SetDebug(false);
        gdcm::Trace::SetWarning(false);
        gdcm::Trace::SetError(false);
    });
}

/// The syntaxes this GDCM build decodes (it links OpenJPEG and CharLS); video, HT-JPEG 2000
/// and JPIP are left out because GDCM 3.0 has no decoder for them.
bool isDecodable(const gdcm::TransferSyntax &syntax) {
    switch (gdcm::TransferSyntax::TSType(syntax)) {
    case gdcm::TransferSyntax::ImplicitVRLittleEndian:
    case gdcm::TransferSyntax::ExplicitVRLittleEndian:
    case gdcm::TransferSyntax::ExplicitVRBigEndian:
    case gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian:
    case gdcm::TransferSyntax::JPEGBaselineProcess1:
    case gdcm::TransferSyntax::JPEGExtendedProcess2_4:
    case gdcm::TransferSyntax::JPEGLosslessProcess14:
    case gdcm::TransferSyntax::JPEGLosslessProcess14_1:
    case gdcm::TransferSyntax::JPEGLSLossless:
    case gdcm::TransferSyntax::JPEGLSNearLossless:
    case gdcm::TransferSyntax::JPEG2000Lossless:
    case gdcm::TransferSyntax::JPEG2000:
    case gdcm::TransferSyntax::RLELossless:
        return true;
    default:
        return false;
    }
}

/// Debian builds GDCM with assertions on, and its reader aborts the process when the data ends
/// inside the file meta information. That header's length is the one element at a fixed place
/// (File Meta Information Group Length, right after "DICM"), so such a cut is caught before GDCM.
bool metaHeaderIsComplete(const uint8_t *bytes, size_t count) {
    if (count < 132 || std::memcmp(bytes + 128, "DICM", 4) != 0) return true;  // no Part 10 header to cut
    if (count < 144) return false;
    const uint8_t groupLengthTag[] = {0x02, 0x00, 0x00, 0x00, 'U', 'L', 0x04, 0x00};
    if (std::memcmp(bytes + 132, groupLengthTag, sizeof groupLengthTag) != 0) return true;  // left to GDCM
    const uint64_t length = uint64_t(bytes[140]) | uint64_t(bytes[141]) << 8 | uint64_t(bytes[142]) << 16 | uint64_t(bytes[143]) << 24;
    return count >= 144 + length;
}

/// GDCM keeps a last fragment that the file cuts short, and its JPEG decoders render what they
/// got, so a cut-off file would become half an image. JPEG, JPEG-LS and JPEG 2000 codestreams end
/// with FF D9 (EOI, EOC), so the last fragment must end with it (or with it and the pad byte
/// that keeps fragments even). RLE is left to its decoder, which checks its segment lengths.
bool codestreamIsComplete(const gdcm::DataElement &pixelData, const gdcm::TransferSyntax &syntax) {
    if (syntax == gdcm::TransferSyntax::RLELossless) return true;
    const gdcm::SequenceOfFragments *fragments = pixelData.GetSequenceOfFragments();
    if (fragments == nullptr || fragments->GetNumberOfFragments() == 0) return false;
    const gdcm::ByteValue *last = fragments->GetFragment(fragments->GetNumberOfFragments() - 1).GetByteValue();
    if (last == nullptr || last->GetLength() < 2) return false;
    const auto *data = reinterpret_cast<const uint8_t *>(last->GetPointer());
    size_t end = last->GetLength();
    while (end > 2 && data[end - 1] == 0x00) --end;  // even-length padding
    return data[end - 2] == 0xFF && data[end - 1] == 0xD9;
}

bool isMonochrome(gdcm::PhotometricInterpretation::PIType type) {
    return type == gdcm::PhotometricInterpretation::MONOCHROME1 || type == gdcm::PhotometricInterpretation::MONOCHROME2;
}

/// Bytes the uncompressed pixel data must hold for the first frame.
uint64_t firstFrameBytes(const pneumo_dicom_info &info) {
    return uint64_t(info.width) * uint64_t(info.height) * uint64_t(info.samples_per_pixel) * uint64_t(info.bits_allocated / 8);
}

}  // namespace

bool pneumo_dicom::firstNumber(const gdcm::DataSet &dataSet, const gdcm::Tag &tag, double &value) {
    if (!dataSet.FindDataElement(tag)) return false;
    const gdcm::ByteValue *bytes = dataSet.GetDataElement(tag).GetByteValue();
    if (bytes == nullptr || bytes->GetLength() == 0) return false;
    std::string text(bytes->GetPointer(), bytes->GetLength());
    text = text.substr(0, text.find('\\'));
    char *end = nullptr;
    value = std::strtod(text.c_str(), &end);
    return end != text.c_str();
}

bool pneumo_dicom::firstWord(const gdcm::DataSet &dataSet, const gdcm::Tag &tag, uint16_t &value) {
    if (!dataSet.FindDataElement(tag)) return false;
    const gdcm::ByteValue *bytes = dataSet.GetDataElement(tag).GetByteValue();
    if (bytes == nullptr || bytes->GetLength() < 2) return false;
    value = uint16_t(uint8_t(bytes->GetPointer()[0]) | uint8_t(bytes->GetPointer()[1]) << 8);
    return true;
}

namespace {

pneumo_dicom_status open(
    const uint8_t *bytes, size_t count, int64_t max_pixels,
    pneumo_dicom_image **image, pneumo_dicom_info *info, char *message, size_t message_capacity) {
    using pneumo_dicom::setMessage;
    if (image == nullptr || info == nullptr || bytes == nullptr) {
        setMessage(message, message_capacity, "missing argument");
        return PNEUMO_DICOM_BAD_ARGUMENT;
    }
    *image = nullptr;
    silenceGDCM();
    if (!metaHeaderIsComplete(bytes, count)) {
        setMessage(message, message_capacity, "the file ends inside its meta information header: it is cut off");
        return PNEUMO_DICOM_TRUNCATED;
    }
    std::unique_ptr<pneumo_dicom_image> opened(new pneumo_dicom_image());
    auto fail = [&](pneumo_dicom_status status, const std::string &text) {
        setMessage(message, message_capacity, text);
        return status;
    };
    MemoryBuffer buffer(bytes, count);
    std::istream stream(&buffer);
    opened->reader.SetStream(stream);
    bool parsed = false;
    try {
        parsed = opened->reader.Read();
    } catch (const std::exception &) {
        parsed = false;
    }
    const gdcm::DataSet &dataSet = opened->reader.GetFile().GetDataSet();
    const gdcm::Tag pixelDataTag(0x7fe0, 0x0010);
    if (!parsed) {
        // A header announcing zero rows or columns stops GDCM; say so rather than "damaged".
        uint16_t rows = 1, columns = 1;
        if (pneumo_dicom::firstWord(dataSet, gdcm::Tag(0x0028, 0x0010), rows) && pneumo_dicom::firstWord(dataSet, gdcm::Tag(0x0028, 0x0011), columns)
            && (rows == 0 || columns == 0)) {
            info->width = columns;
            info->height = rows;
            return fail(PNEUMO_DICOM_BAD_DIMENSIONS, "the image has zero rows or columns");
        }
        // GDCM keeps what it parsed; a dataset that reached its end without pixel data is not an image.
        if (!dataSet.IsEmpty() && !dataSet.FindDataElement(pixelDataTag) && !dataSet.FindDataElement(gdcm::Tag(0x0028, 0x0010)))
            return fail(PNEUMO_DICOM_NO_PIXEL_DATA, "the dataset has no Pixel Data (7FE0,0010): it is not an image");
        return fail(PNEUMO_DICOM_UNREADABLE, "GDCM could not parse the dataset: the file is cut off, damaged or not DICOM");
    }
    if (!dataSet.FindDataElement(pixelDataTag) || dataSet.GetDataElement(pixelDataTag).IsEmpty())
        return fail(PNEUMO_DICOM_NO_PIXEL_DATA, "the dataset has no Pixel Data (7FE0,0010): it is not an image");
    if (buffer.readPastEnd())
        return fail(PNEUMO_DICOM_TRUNCATED, "an element is declared longer than the data left: the file is cut off");

    const gdcm::Image &gdcmImage = opened->reader.GetImage();
    const gdcm::PixelFormat format = gdcmImage.GetPixelFormat();
    const gdcm::PhotometricInterpretation photometric = gdcmImage.GetPhotometricInterpretation();
    const gdcm::TransferSyntax syntax = gdcmImage.GetTransferSyntax();
    pneumo_dicom_info described{};
    described.width = int32_t(gdcmImage.GetColumns());
    described.height = int32_t(gdcmImage.GetRows());
    described.frames = gdcmImage.GetNumberOfDimensions() > 2 ? int32_t(gdcmImage.GetDimension(2)) : 1;
    described.bits_allocated = format.GetBitsAllocated();
    described.bits_stored = format.GetBitsStored();
    // GDCM takes the depth from a JPEG 2000 codestream (16); the dataset's Bits Stored says which bits are pixel.
    uint16_t declaredBits = 0;
    if (pneumo_dicom::firstWord(dataSet, gdcm::Tag(0x0028, 0x0101), declaredBits) && declaredBits >= 1 && declaredBits < described.bits_stored)
        described.bits_stored = declaredBits;
    described.is_signed = format.GetPixelRepresentation() == 1;
    described.samples_per_pixel = format.GetSamplesPerPixel();
    // GDCM's names keep the value's even-length padding ("MONOCHROME1 "); reports want the word.
    const char *piName = gdcm::PhotometricInterpretation::GetPIString(photometric.GetType());
    std::string piText = piName != nullptr ? piName : "unknown";
    piText.erase(piText.find_last_not_of(' ') + 1);
    std::snprintf(described.photometric, sizeof described.photometric, "%s", piText.c_str());
    const char *syntaxText = syntax.GetString();
    std::snprintf(described.transfer_syntax, sizeof described.transfer_syntax, "%s", syntaxText ? syntaxText : "unknown");
    *info = described;
    opened->info = described;

    if (described.width <= 0 || described.height <= 0)
        return fail(PNEUMO_DICOM_BAD_DIMENSIONS, "the image has zero rows or columns");
    if (int64_t(described.width) * int64_t(described.height) > max_pixels)
        return fail(PNEUMO_DICOM_BAD_DIMENSIONS, "the image is larger than the pixel limit");
    if (!isDecodable(syntax))
        return fail(PNEUMO_DICOM_UNSUPPORTED_SYNTAX, std::string("transfer syntax ") + described.transfer_syntax
                    + " has no decoder here; supported: implicit/explicit little endian, explicit big endian, deflated, "
                      "JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000 and RLE");
    if (!isMonochrome(photometric.GetType()) || described.samples_per_pixel != 1)
        return fail(PNEUMO_DICOM_UNSUPPORTED_IMAGE, std::string("the photometric interpretation is ") + described.photometric
                    + " with " + std::to_string(described.samples_per_pixel) + " samples per pixel; only grayscale (MONOCHROME1, MONOCHROME2) is read");
    if (described.bits_allocated != 8 && described.bits_allocated != 16)
        return fail(PNEUMO_DICOM_UNSUPPORTED_IMAGE, "the image has " + std::to_string(described.bits_allocated) + " bits allocated; only 8 and 16 are read");
    if (described.bits_stored < 1 || described.bits_stored > described.bits_allocated)
        return fail(PNEUMO_DICOM_UNSUPPORTED_IMAGE, "bits stored (" + std::to_string(described.bits_stored) + ") does not fit bits allocated");
    if (syntax.IsEncapsulated() && !codestreamIsComplete(dataSet.GetDataElement(pixelDataTag), syntax))
        return fail(PNEUMO_DICOM_TRUNCATED, "the compressed pixel data stops before its end-of-image marker: the file is cut off");
    if (!syntax.IsEncapsulated()) {
        const gdcm::ByteValue *pixels = dataSet.GetDataElement(pixelDataTag).GetByteValue();
        if (pixels == nullptr || uint64_t(pixels->GetLength()) < firstFrameBytes(described))
            return fail(PNEUMO_DICOM_TRUNCATED, "the pixel data holds fewer bytes than the image it announces: the file is cut off");
    }
    *image = opened.release();
    return PNEUMO_DICOM_OK;
}

}  // namespace

extern "C" pneumo_dicom_status pneumo_dicom_open(
    const uint8_t *bytes, size_t count, int64_t max_pixels,
    pneumo_dicom_image **image, pneumo_dicom_info *info, char *message, size_t message_capacity) {
    static const char *const unusable = "GDCM could not parse the dataset: the file is cut off, damaged or not DICOM";
    std::jmp_buf target;
    if (setjmp(target) != 0) {
        // A GDCM assertion failed on this input; what was being opened is abandoned.
        if (image != nullptr) *image = nullptr;
        pneumo_dicom::setMessage(message, message_capacity, unusable);
        return PNEUMO_DICOM_UNREADABLE;
    }
    pneumo_dicom::AssertionTrap trap(target);
    try {
        return open(bytes, count, max_pixels, image, info, message, message_capacity);
    } catch (...) {
        pneumo_dicom::setMessage(message, message_capacity, unusable);
        return PNEUMO_DICOM_UNREADABLE;
    }
}

extern "C" void pneumo_dicom_close(pneumo_dicom_image *image) { delete image; }
