#include "module_args.h"

#include <stddef.h>

const char *const sts_module_arg_names[] = {
	"config", "use_first_pass", "try_first_pass", "nullok",	      "debug",	 "action", "role",
	"name",	  "duration",	    "session_policy", "session_name", "profile", "env",	   NULL,
};
