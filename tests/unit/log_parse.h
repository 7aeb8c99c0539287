/* A reader of the key=value log lines, written from the format documented in
 * docs/bastion.md section 6 (and lib/base/log_field.h) as an alert rule would be. */
#ifndef STS_LOG_PARSE_H
#define STS_LOG_PARSE_H

#include <stdbool.h>

#define LP_FIELDS 16

typedef struct {
	char what[32]; /* "decision", "issued" */
	int n;
	char key[LP_FIELDS][32];
	char value[LP_FIELDS][1024];
	bool absent[LP_FIELDS]; /* written - */
} lp_record;

/* Parses "WHAT: key=field ..."; false when |line| strays from the format. */
bool lp_parse(const char *line, lp_record *r);
/* The value of |key| (NULL when absent or not there); *count: how many times
 * |key| appears. */
const char *lp_get(const lp_record *r, const char *key, int *count);

#endif
