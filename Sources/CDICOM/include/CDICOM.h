// A plain C view of GDCM for Swift: open DICOM bytes, read what the image is, and render its
// first frame to 8-bit grayscale after the modality (rescale) and VOI (window or LUT) steps.
// No dataset value other than these image attributes ever leaves this layer, so patient
// identifiers cannot reach a caller, a log or a message.
#ifndef PNEUMO_CDICOM_H
#define PNEUMO_CDICOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Outcome of a call; messages name what failed in words, never a dataset value.
typedef enum {
    PNEUMO_DICOM_OK = 0,
    /// The bytes could not be parsed as a DICOM dataset (not DICOM, cut off, damaged).
    PNEUMO_DICOM_UNREADABLE = 1,
    /// A dataset without a Pixel Data element: a report, a structured document, a header only.
    PNEUMO_DICOM_NO_PIXEL_DATA = 2,
    /// The transfer syntax has no decoder in this build of GDCM.
    PNEUMO_DICOM_UNSUPPORTED_SYNTAX = 3,
    /// Colour, palette or more than 16 bits: not a grayscale radiograph this reader renders.
    PNEUMO_DICOM_UNSUPPORTED_IMAGE = 4,
    /// Rows or columns are zero, or their product exceeds the caller's pixel limit.
    PNEUMO_DICOM_BAD_DIMENSIONS = 5,
    /// The pixel data is shorter than the image it announces.
    PNEUMO_DICOM_TRUNCATED = 6,
    /// The codec failed on the pixel data.
    PNEUMO_DICOM_DECODE_FAILED = 7,
    /// The output buffer is smaller than width x height.
    PNEUMO_DICOM_BAD_ARGUMENT = 8,
} pneumo_dicom_status;

/// What the image is, for checks and reports.
typedef struct {
    int32_t width;
    int32_t height;
    int32_t frames;
    int32_t bits_allocated;
    int32_t bits_stored;
    int32_t is_signed;
    int32_t samples_per_pixel;
    /// "MONOCHROME1", "MONOCHROME2", ...
    char photometric[24];
    /// The transfer syntax UID.
    char transfer_syntax[72];
} pneumo_dicom_info;

typedef struct pneumo_dicom_image pneumo_dicom_image;

/// Parses `count` bytes (copied by the stream only as GDCM needs) and fills `info`. On success
/// `*image` is an open image to render and close; on failure it is NULL and `message` says why.
/// `max_pixels` bounds width x height before any pixel buffer is allocated.
pneumo_dicom_status pneumo_dicom_open(
    const uint8_t *bytes, size_t count, int64_t max_pixels,
    pneumo_dicom_image **image, pneumo_dicom_info *info, char *message, size_t message_capacity);

/// Decodes the first frame and writes width x height bytes, rows top to bottom, 0 = black.
pneumo_dicom_status pneumo_dicom_render_gray8(
    pneumo_dicom_image *image, uint8_t *output, size_t output_capacity, char *message, size_t message_capacity);

/// Releases an image from `pneumo_dicom_open`.
void pneumo_dicom_close(pneumo_dicom_image *image);

#ifdef __cplusplus
}
#endif

#endif
