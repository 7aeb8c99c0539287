/* The names pam_sts.so accepts as module arguments (pam_sts/args.c parses
 * them; stsctl check validates PAM service files against this list; the man
 * suite checks the two agree). */
#ifndef STS_MODULE_ARGS_H
#define STS_MODULE_ARGS_H

extern const char *const sts_module_arg_names[];

#endif
