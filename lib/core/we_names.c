/* we_names.c - enum name-table lookup (see we_names.h). */
#include "we_names.h"

#include <string.h>

int we_name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}
