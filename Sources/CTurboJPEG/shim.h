#ifndef PNEUMO_CTURBOJPEG_SHIM_H
#define PNEUMO_CTURBOJPEG_SHIM_H
#include <turbojpeg.h>
#endif
