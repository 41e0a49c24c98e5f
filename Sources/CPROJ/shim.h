// PROJ C API (one PJ_CONTEXT per thread).
#include <proj.h>
