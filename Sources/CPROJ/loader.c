// Loads PROJ's shared library on first use and resolves the functions of `qpv_proj_api` (see qpv_proj.h).

#include "qpv_proj.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static qpv_proj_api api;
static int loaded = 0;
static char failure[1024] = "";
static pthread_once_t once = PTHREAD_ONCE_INIT;

/// The file names tried, in order, when $QPV_PROJ_LIBRARY is not set: PROJ 9's soname (libproj.so.25 on
/// Linux), then the development link, which points at the library matching the headers.
static const char *const candidates[] = {
#if defined(__APPLE__)
    "libproj.25.dylib", "libproj.dylib", "/opt/homebrew/lib/libproj.dylib", "/usr/local/lib/libproj.dylib",
#else
#if PROJ_VERSION_MAJOR == 9
    "libproj.so.25",
#endif
    "libproj.so",
#endif
    NULL,
};

static int resolve(void *handle, const char *path) {
#define QPV_PROJ_RESOLVE(name) \
    { \
        void *symbol = dlsym(handle, #name); \
        if (symbol == NULL) { \
            snprintf(failure, sizeof failure, "la bibliothèque PROJ %s n'a pas la fonction %s", path, #name); \
            return 0; \
        } \
        memcpy(&api.name, &symbol, sizeof symbol); \
    }
    QPV_PROJ_FUNCTIONS(QPV_PROJ_RESOLVE)
#undef QPV_PROJ_RESOLVE
    PJ_INFO info = api.proj_info();
    if (info.major != PROJ_VERSION_MAJOR) {
        snprintf(failure, sizeof failure, "la bibliothèque %s est PROJ %s ; qpv a été compilé pour PROJ %d.x", path,
                 info.version ? info.version : "?", PROJ_VERSION_MAJOR);
        return 0;
    }
    return 1;
}

static void load(void) {
    const char *chosen = getenv("QPV_PROJ_LIBRARY");
    const char *const *names = candidates;
    const char *single[] = {chosen, NULL};
    if (chosen != NULL && chosen[0] != '\0') names = single;
    char tried[512] = "";
    for (const char *const *name = names; *name != NULL; name++) {
        void *handle = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s", used ? ", " : "", *name);
            continue;
        }
        if (resolve(handle, *name)) {
            __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
            return;
        }
        dlclose(handle);
        return;  // `failure` says which symbol or version
    }
    snprintf(failure, sizeof failure,
             "bibliothèque PROJ introuvable (essayé : %s) ; installez PROJ %d (paquet Debian libproj25) "
             "ou donnez son chemin dans QPV_PROJ_LIBRARY",
             tried, PROJ_VERSION_MAJOR);
}

const qpv_proj_api *qpv_proj_load(void) {
    pthread_once(&once, load);
    return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE) ? &api : NULL;
}

const char *qpv_proj_load_error(void) { return failure; }
