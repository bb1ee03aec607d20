#ifndef PNEUMO_COPENCL_SHIM_H
#define PNEUMO_COPENCL_SHIM_H
// OpenCL 1.2 is the common ground of PoCL, NVIDIA, AMD and Intel drivers.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#endif
