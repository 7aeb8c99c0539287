/* Request contexts from JSON, the form test tables and corpora use. */
#include "context_json.h"

int sts_context_add_json(sts_context *ctx, json_object *obj)
{
	int rc = 0;

	if (!obj || !json_object_is_type(obj, json_type_object))
		return obj ? -1 : 0;
	json_object_object_foreach(obj, key, val) {
		if (!json_object_is_type(val, json_type_array)) {
			rc |= sts_context_add(ctx, key, json_object_get_string(val));
			continue;
		}
		if (json_object_array_length(val) == 0)
			rc |= sts_context_add_multi(ctx, key, NULL);
		for (size_t i = 0; i < json_object_array_length(val); i++)
			rc |= sts_context_add_multi(
				ctx, key,
				json_object_get_string(json_object_array_get_idx(val, i)));
	}
	return rc ? -1 : 0;
}
