// zlib, used to stream gzip-compressed inputs (BAN adresses-XX.csv.gz).
#include <zlib.h>
