/*
 * Configuration files in the sshd style: "key = value" lines, '#' comments,
 * blank lines. Parsing is strict and table-driven: an unknown key, a repeated
 * key, or a value that does not parse is an error naming the file and line.
 * Privileged components read the file only when it is a regular file (not a
 * symbolic link) owned by root and not writable by group or others, checked
 * on the open descriptor.
 */
#ifndef STS_KV_READER_H
#define STS_KV_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

typedef enum {
	CFG_STRING,   /* any non-empty text */
	CFG_PATH,     /* an absolute path */
	CFG_PATH_OFF, /* an absolute path, or nothing at all (stored as "": the feature is off) */
	CFG_UINT,     /* a decimal integer within [min, max] */
	CFG_BOOL,     /* yes/no, true/false */
	CFG_ENUM,     /* one of the NULL-terminated |choices| */
} sts_config_type;

typedef struct {
	const char *key;
	sts_config_type type;
	size_t offset;		    /* where the value goes in the target struct */
	unsigned long min, max;	    /* CFG_UINT */
	const char *const *choices; /* CFG_ENUM: the value stored is the index */
} sts_config_key;

/*
 * Parses |text| (named |name| in messages) into |target| using the
 * NULL-key-terminated |table|. CFG_STRING/CFG_PATH store a malloc'd char *
 * (replacing and freeing a previous value), CFG_UINT an unsigned long,
 * CFG_BOOL a bool, CFG_ENUM an int. Returns 0, or -1 with |err| set.
 */
int sts_config_parse(const char *text, size_t len, const char *name, const sts_config_key *table,
		     void *target, sts_error *err);

/* Reads |path| with the privileged-file checks above (|trusted_owner| false
 * skips the owner and mode checks, for tests and unprivileged tools). */
int sts_config_load(const char *path, bool trusted_owner, const sts_config_key *table, void *target,
		    sts_error *err);

#endif
