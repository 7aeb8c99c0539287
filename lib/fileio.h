/*
 * Reading files safely: never through a symbolic link, checks made on the
 * open descriptor (not the path), bounded size.
 */
#ifndef STS_FILEIO_H
#define STS_FILEIO_H

#include <stddef.h>

#include "error.h"

enum {
	STS_READ_NOFOLLOW = 1 << 0,	/* refuse a symbolic link as the last component */
	STS_READ_ROOT_OWNED = 1 << 1,	/* owner must be root */
	STS_READ_NOT_WRITABLE = 1 << 2, /* no group/other write permission */
};

/* Reads the whole regular file at |path| (at most |max| bytes) into a
 * NUL-terminated malloc'd buffer. Returns 0, or -1 with |err| set. */
int sts_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
		  sts_error *err);

#endif
