/* stsctl's errors that quote a document, kept to one line. */
#include "stsctl_error.h"

#include <stdio.h>

#include "base/log_field.h"

/* A policy's error quotes its text (a key, a value): kept on one line and
 * free of terminal escapes, the document may be anyone's. */
void stsctl_print_error(const sts_error *err)
{
	char one_line[sizeof(err->msg) * 4];

	fprintf(stderr, "stsctl: %s\n", sts_log_text(one_line, sizeof(one_line), err->msg));
}
