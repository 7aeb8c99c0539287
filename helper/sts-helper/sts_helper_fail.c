/* The answer of an operation that failed (sts_helper_fail.h). */
#include "sts_helper_fail.h"

#include <string.h>
#include <syslog.h>

#include "base/log_field.h"
#include "proto/protocol.h"

int sts_helper_fail(sts_msg *resp, const char *status, const char *message)
{
	char one_line[STS_LOG_FIELD_MAX];

	/* the message may quote a name from the request: kept on one line for
	 * the log and for the answer, whose protocol is one field a line */
	sts_log_text(one_line, sizeof(one_line), message);
	syslog(strcmp(status, STS_STATUS_DENIED) == 0 ? LOG_NOTICE : LOG_ERR, "%s", one_line);
	sts_msg_add(resp, STS_KEY_STATUS, status);
	sts_msg_add(resp, STS_KEY_MESSAGE, one_line);
	return -1;
}
