// CPROJ owns the access to PROJ's C API: the types of <proj.h>, and the functions qpv calls, loaded from the
// shared library on first use (dlopen) instead of linked. Linking libproj made the dynamic loader map and
// initialise its dependencies (libcurl, GnuTLS, Kerberos, libtiff...) at every start: ~8 ms of a single
// `qpv locate` (issue 17, goal 3), which mostly needs no PROJ at all (Lambert-93 is computed in Swift).
#ifndef QPV_PROJ_H
#define QPV_PROJ_H

#include <proj.h>

/// Every PROJ function qpv calls (QPVGeometry/Projection.swift is the only caller).
#define QPV_PROJ_FUNCTIONS(X) \
    X(proj_info) \
    X(proj_context_create) \
    X(proj_context_destroy) \
    X(proj_context_set_enable_network) \
    X(proj_context_set_sqlite3_vfs_name) \
    X(proj_context_set_database_path) \
    X(proj_context_errno) \
    X(proj_context_errno_string) \
    X(proj_log_level) \
    X(proj_create) \
    X(proj_create_crs_to_crs) \
    X(proj_create_from_wkt) \
    X(proj_normalize_for_visualization) \
    X(proj_destroy) \
    X(proj_errno_reset) \
    X(proj_trans_generic) \
    X(proj_get_name) \
    X(proj_get_id_code) \
    X(proj_get_area_of_use) \
    X(proj_identify) \
    X(proj_list_get_count) \
    X(proj_list_get) \
    X(proj_list_destroy) \
    X(proj_int_list_destroy)

/// The PROJ functions, each with the exact type <proj.h> declares.
typedef struct qpv_proj_api {
#define QPV_PROJ_FIELD(name) __typeof__(name) *_Nonnull name;
    QPV_PROJ_FUNCTIONS(QPV_PROJ_FIELD)
#undef QPV_PROJ_FIELD
} qpv_proj_api;

/// Loads PROJ once per process (thread-safe) and returns its functions, or NULL when it cannot be loaded
/// (`qpv_proj_load_error` says why, in French). The library tried: `$QPV_PROJ_LIBRARY` when set, otherwise
/// the shared library of the PROJ version whose headers qpv was compiled with, then the unversioned name.
/// The library must be of that major version.
const qpv_proj_api *_Nullable qpv_proj_load(void);

/// Why `qpv_proj_load` returned NULL (empty string before any failure).
const char *_Nonnull qpv_proj_load_error(void);

#endif
