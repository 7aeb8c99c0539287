/* How stsctl prints an error that quotes a document. */
#ifndef STSCTL_ERROR_H
#define STSCTL_ERROR_H

#include "base/error.h"

/* Prints "stsctl: MESSAGE" to stderr on one line, free of terminal escapes
 * (a policy's error quotes its text, which may be anyone's). */
void stsctl_print_error(const sts_error *err);

#endif
