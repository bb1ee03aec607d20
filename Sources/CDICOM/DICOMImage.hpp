// Shared between the reader and the renderer: the open image and message helpers.
#pragma once

#include "CDICOM.h"

#include <gdcmImageReader.h>

#include <csetjmp>
#include <cstdio>
#include <string>

struct pneumo_dicom_image {
    gdcm::ImageReader reader;
    pneumo_dicom_info info;
};

namespace pneumo_dicom {

/// While alive, a failed GDCM assertion on this thread jumps to `target` (see GDCMAssertions.cpp).
class AssertionTrap {
public:
    explicit AssertionTrap(std::jmp_buf &target);
    ~AssertionTrap();
    AssertionTrap(const AssertionTrap &) = delete;
    AssertionTrap &operator=(const AssertionTrap &) = delete;

private:
    std::jmp_buf *previous;
};

/// Writes `text` into the caller's message buffer, cut to fit.
inline void setMessage(char *message, size_t capacity, const std::string &text) {
    if (message == nullptr || capacity == 0) return;
    std::snprintf(message, capacity, "%s", text.c_str());
}

/// The first value of a numeric string element (DS, IS), or false when it is absent or not a number.
bool firstNumber(const gdcm::DataSet &dataSet, const gdcm::Tag &tag, double &value);

/// The first 16-bit value of a US element (little endian), or false when it is absent.
bool firstWord(const gdcm::DataSet &dataSet, const gdcm::Tag &tag, uint16_t &value);

}  // namespace pneumo_dicom
