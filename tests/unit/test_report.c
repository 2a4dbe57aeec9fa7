/* test_report.c: the supervisor's reading of a child's final part (issue 14). A
 * SyntaxError's position and an exception's chain ("cause") come from the child, so they are
 * untrusted like every other field: a chain is cut at three links, messages at 1000 bytes,
 * positions that are not small integers read as -1, unknown kinds and positions without a
 * line are left out. */
#include "harness.h"

#include "common/fa_buf.h"
#include "sandbox/sbx_report.h"

#include <string.h>

static json_t *read_final(const char *json, struct sbx_report_view *view)
{
    struct sbx_report *report = sbx_report_map();

    OK(report != NULL);
    OK(sbx_report_finish(report, json, strlen(json)) == 0);
    OK(sbx_report_read(report, view) == 0);
    sbx_report_unmap(report);
    return view->exception;
}

static void test_cause_is_bounded(void)
{
    struct fa_buf json;
    struct sbx_report_view view;
    json_t *exc, *link;
    int depth = 0;

    fa_buf_init(&json, 64 * 1024);
    OK(fa_buf_puts(&json, "{\"exception\": {\"type\": \"E0\", \"message\": \"m\", \"traceback\": [], "
                          "\"cause\": ") == 0);
    for (int i = 1; i <= 6; i++)
        OK(fa_buf_printf(&json, "{\"type\": \"E%d\", \"kind\": \"%s\", \"line\": %s, "
                                "\"message\": \"%0*d\", \"cause\": ",
                         i, i % 2 ? "cause" : "context", i == 2 ? "-5" : "3", 3000, i) == 0);
    OK(fa_buf_puts(&json, "null") == 0);
    for (int i = 1; i <= 6; i++)
        OK(fa_buf_puts(&json, "}") == 0);
    OK(fa_buf_puts(&json, "}}") == 0);
    exc = read_final(json.ptr, &view);
    for (link = json_object_get(exc, "cause"); link; link = json_object_get(link, "cause")) {
        depth++;
        OK(json_string_length(json_object_get(link, "message")) <= 1000);
    }
    INT_EQ(depth, 3);
    link = json_object_get(json_object_get(exc, "cause"), "cause");
    STR_EQ(json_string_value(json_object_get(link, "kind")), "context");
    INT_EQ((int)json_integer_value(json_object_get(link, "line")), -1);
    sbx_report_view_clear(&view);
    fa_buf_cleanup(&json);
}

static void test_bad_cause_and_syntax_are_left_out(void)
{
    struct sbx_report_view view;
    json_t *exc = read_final(
        "{\"exception\": {\"type\": \"SyntaxError\", \"message\": \"m\", \"traceback\": [], "
        "\"syntax\": {\"line\": 0, \"offset\": 3, \"text\": \"x\"}, "
        "\"cause\": {\"type\": \"E\", \"kind\": \"because\", \"message\": \"m\"}}}",
        &view);

    OK(json_is_object(exc));
    OK(json_object_get(exc, "syntax") == NULL);
    OK(json_object_get(exc, "cause") == NULL);
    sbx_report_view_clear(&view);

    exc = read_final("{\"exception\": {\"type\": \"SyntaxError\", \"message\": \"m\", "
                     "\"traceback\": [], \"syntax\": {\"line\": 2, \"offset\": 1e9, "
                     "\"end_offset\": \"x\", \"text\": 7}}}",
                     &view);
    INT_EQ((int)json_integer_value(json_object_get(json_object_get(exc, "syntax"), "line")), 2);
    INT_EQ((int)json_integer_value(json_object_get(json_object_get(exc, "syntax"), "offset")), -1);
    INT_EQ((int)json_integer_value(json_object_get(json_object_get(exc, "syntax"), "end_offset")),
           -1);
    STR_EQ(json_string_value(json_object_get(json_object_get(exc, "syntax"), "text")), "");
    sbx_report_view_clear(&view);
}

int main(void)
{
    test_cause_is_bounded();
    test_bad_cause_and_syntax_are_left_out();
    return harness_exit();
}
