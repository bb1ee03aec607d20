// Debian builds GDCM with assertions on, and its reader asserts on what truncated or damaged
// files produce (it seeks without clearing the stream's failure state, then asserts that the
// stream is good). A failed assertion aborts the whole process: a server would die on one bad
// upload. glibc declares __assert_fail as not throwing, so an exception cannot leave it through
// GDCM's frames; instead, while this thread is inside a GDCM call for us, a failed assertion
// jumps back to that call's entry, which reports the input as unusable. The skipped frames
// release nothing, so each such file leaks what GDCM had allocated for it (bounded by the file).
// Anywhere else a failed assertion prints and aborts as the C library's version does.
#include "DICOMImage.hpp"

#include <cstdio>
#include <cstdlib>

namespace {
thread_local std::jmp_buf *armed = nullptr;
}

pneumo_dicom::AssertionTrap::AssertionTrap(std::jmp_buf &target) : previous(armed) { armed = &target; }
pneumo_dicom::AssertionTrap::~AssertionTrap() { armed = previous; }

extern "C" void __assert_fail(const char *assertion, const char *file, unsigned int line, const char *function) noexcept {
    if (armed != nullptr) std::longjmp(*armed, 1);
    std::fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, function ? function : "?", assertion);
    std::abort();
}
