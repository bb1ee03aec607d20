#ifndef PNEUMO_CZLIB_SHIM_H
#define PNEUMO_CZLIB_SHIM_H
#include <zlib.h>
#endif
