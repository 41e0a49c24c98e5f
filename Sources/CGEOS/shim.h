// GEOS C API, reentrant functions only (one GEOSContextHandle_t per thread).
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

// Point-in-prepared-polygon without building a point geometry: GEOSPreparedContainsXY_r exists since GEOS
// 3.12. Debian 12 ships GEOS 3.11, where the point is created and destroyed around GEOSPreparedContains_r
// (same answer, one allocation more). Returns 1 (contains), 0 (does not) or 2 (GEOS exception), as GEOS does.
static inline char qpv_prepared_contains_xy(GEOSContextHandle_t handle, const GEOSPreparedGeometry *prepared,
                                            double x, double y) {
#if GEOS_VERSION_MAJOR > 3 || (GEOS_VERSION_MAJOR == 3 && GEOS_VERSION_MINOR >= 12)
    return GEOSPreparedContainsXY_r(handle, prepared, x, y);
#else
    GEOSGeometry *point = GEOSGeom_createPointFromXY_r(handle, x, y);
    if (point == NULL) return 2;
    char r = GEOSPreparedContains_r(handle, prepared, point);
    GEOSGeom_destroy_r(handle, point);
    return r;
#endif
}
