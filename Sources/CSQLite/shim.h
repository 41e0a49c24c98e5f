// SQLite 3 C API, used to read GeoPackage files.
#include <sqlite3.h>
