// printf's fixed-point formatting called with plain arguments: Swift imports no variadic C function, and
// `withVaList` boxes each argument (dynamic casts on every call: 4 % of a `/search` answer in perf, issue 17).
#include <stdio.h>

static inline int qpv_format_fixed(char *buffer, size_t size, int digits, double x) {
    return snprintf(buffer, size, "%.*f", digits, x);
}
