/* Policy variables: substitution, defaults, escapes, Version 2008 literals. */
#include <string.h>

#include "policy/template.h"
#include "testutil.h"

static const char *render(const char *text, bool vars, sts_render_mode mode,
			  const char *const *ctxp, char *out, size_t cap)
{
	sts_template t;
	sts_context *ctx = tu_context(ctxp);
	long n;

	assert_int_equal(sts_template_compile(&t, text, vars), 0);
	n = sts_template_render(&t, mode, ctx, out, cap);
	sts_template_free(&t);
	sts_context_free(ctx);
	return n < 0 ? NULL : out;
}

static void test_substitution_and_default(void **state)
{
	const char *ctx[] = { "aws:username=alice", NULL };
	char out[128];

	(void)state;
	assert_string_equal(render("home/${aws:username}/*", true, RENDER_PLAIN, ctx, out,
				   sizeof(out)),
			    "home/alice/*");
	assert_string_equal(render("${AWS:UserName}", true, RENDER_PLAIN, ctx, out, sizeof(out)),
			    "alice");
	assert_string_equal(render("${aws:PrincipalTag/team, 'company-wide'}", true, RENDER_PLAIN,
				   ctx, out, sizeof(out)),
			    "company-wide");
	assert_null(render("${aws:PrincipalTag/team}", true, RENDER_PLAIN, ctx, out, sizeof(out)));
}

static void test_substituted_text_is_literal_in_globs(void **state)
{
	const char *ctx[] = { "aws:username=Bob*", NULL };
	char out[128];

	(void)state;
	assert_string_equal(render("u/${aws:username}", true, RENDER_GLOB, ctx, out, sizeof(out)),
			    "u/Bob\\*");
	assert_string_equal(render("${*}${?}${$}*", true, RENDER_GLOB, ctx, out, sizeof(out)),
			    "\\*\\?$*");
	assert_string_equal(render("${*}${?}${$}", true, RENDER_PLAIN, ctx, out, sizeof(out)),
			    "*?$");
}

static void test_version_2008_keeps_variables_literal(void **state)
{
	const char *ctx[] = { "aws:username=alice", NULL };
	char out[128];

	(void)state;
	assert_string_equal(render("home/${aws:username}", false, RENDER_PLAIN, ctx, out,
				   sizeof(out)),
			    "home/${aws:username}");
}

static void test_multi_valued_key_is_not_substituted(void **state)
{
	const char *ctx[] = { "aws:TagKeys[]=a", NULL };
	char out[128];

	(void)state;
	assert_null(render("${aws:TagKeys}", true, RENDER_PLAIN, ctx, out, sizeof(out)));
}

static void test_malformed_variables_stay_text(void **state)
{
	char out[128];

	(void)state;
	assert_string_equal(render("${aws:username", true, RENDER_PLAIN, NULL, out, sizeof(out)),
			    "${aws:username");
	assert_string_equal(render("${}", true, RENDER_PLAIN, NULL, out, sizeof(out)), "${}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_substitution_and_default),
		cmocka_unit_test(test_substituted_text_is_literal_in_globs),
		cmocka_unit_test(test_version_2008_keeps_variables_literal),
		cmocka_unit_test(test_multi_valued_key_is_not_substituted),
		cmocka_unit_test(test_malformed_variables_stay_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
