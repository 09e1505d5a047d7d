/* we_file.h - whole-file reads, line lists and atomic writes (the one atomic
 * writer: tools that write a file by name use it).
 *
 * Atomic write: the data goes to "<path>.tmp.<pid>" in the same directory,
 * is flushed, and is renamed over <path> only when complete, so a reader
 * never sees a half-written file under the final name. Opening one first
 * removes the "<path>.tmp.<pid>" files of processes that are no longer alive
 * (a writer killed before its rename), so kill -9 leaves no lasting litter.
 */
#ifndef WE_FILE_H
#define WE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "we_err.h"

/* Read a whole file ("-" = stdin) into a malloc'd buffer (NUL-terminated
 * one byte past *n, for text parsers). WE_ENOINPUT if it cannot be opened,
 * WE_ELIMIT above max_bytes, WE_EIO on a read error. */
we_status we_file_read_all(const char *path, uint64_t max_bytes, uint8_t **buf, size_t *n);

/* Write buf to path atomically ("-" = stdout, written directly). */
we_status we_file_write_atomic(const char *path, const void *buf, size_t n);

/* Open a temp file beside path for an atomic write of unknown length;
 * finish with we_file_atomic_commit (rename) or _abort (unlink).
 * tmp must hold at least strlen(path) + 32 bytes. */
we_status we_file_atomic_open(const char *path, char *tmp, size_t tmpcap, FILE **f);
we_status we_file_atomic_commit(FILE *f, const char *tmp, const char *path);
void we_file_atomic_abort(FILE *f, const char *tmp);

/* The lines of a text file ("-" = stdin), e.g. a list of paths: trailing
 * CR/LF removed, empty lines skipped. *lines is a malloc'd array of *n
 * malloc'd strings (NULL when *n = 0), freed with we_file_lines_free.
 * WE_ENOINPUT if it cannot be opened (errno as fopen left it), WE_EIO on a
 * read error, WE_ENOMEM. */
we_status we_file_read_lines(const char *path, char ***lines, size_t *n);
void we_file_lines_free(char **lines, size_t n);

/* Where a shipped data file is: request when not NULL, else $env when set
 * and not empty (return 1: the user's choice), else the first of
 * <exe>/../installed and <exe>/../in_tree that exists, else in_tree as it
 * is (relative to the current folder; return 0). Written to buf. */
int we_file_find_data(char *buf, size_t cap, const char *request, const char *env, const char *installed,
                      const char *in_tree);

#endif
