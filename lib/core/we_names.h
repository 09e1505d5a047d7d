/* we_names.h - lookup in the name tables of the enums (dtype, device,
 * schedule, noise region, emotion): one loop instead of one per enum. */
#ifndef WE_NAMES_H
#define WE_NAMES_H

/* Index of s in names[0..n-1] (exact match), or -1 (also for s == NULL). */
int we_name_index(const char *const *names, int n, const char *s);

#endif
