// GEOS C API, reentrant functions only (one GEOSContextHandle_t per thread).
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
