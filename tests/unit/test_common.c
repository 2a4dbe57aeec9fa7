/* test_common.c: bounded buffers, escaping, plain-path checks, slugs and folder listing. */
#define _GNU_SOURCE /* O_PATH, to make readdir fail on purpose */
#include "harness.h"

#include "common/fa_buf.h"
#include "common/fa_dir.h"
#include "common/fa_html.h"
#include "common/fa_err.h"
#include "common/fa_mem.h"
#include "common/fa_path.h"
#include "common/fa_time.h"
#include "common/fa_utf8.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_buf_limits(void)
{
    struct fa_buf b;

    fa_buf_init(&b, 8);
    INT_EQ(fa_buf_puts(&b, "12345"), FA_OK);
    INT_EQ(fa_buf_puts(&b, "6789"), FA_ELIMIT); /* refused whole... */
    STR_EQ(b.ptr, "12345");                     /* ...and nothing of it kept */
    INT_EQ(fa_buf_puts(&b, "678"), FA_OK);
    INT_EQ(b.len, 8);
    INT_EQ(fa_buf_printf(&b, "%d", 1), FA_ELIMIT);
    INT_EQ(fa_buf_append_html(&b, "<", 1), FA_ELIMIT);
    STR_EQ(b.ptr, "12345678");
    fa_buf_reset(&b);
    INT_EQ(fa_buf_printf(&b, "%s-%d", "ab", 42), FA_OK);
    STR_EQ(b.ptr, "ab-42");
    fa_buf_cleanup(&b);

    fa_buf_init(&b, 5);
    INT_EQ(fa_buf_append_html(&b, "a&b", 3), FA_ELIMIT); /* "a&amp;b" is 7 bytes */
    INT_EQ(b.len, 0);
    fa_buf_cleanup(&b);
}

static void test_escaping(void)
{
    static const struct {
        const char *in, *html, *url;
    } cases[] = {
        {"plain", "plain", "plain"},
        {"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
         "%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E"},
        {"a \"b\" & c", "a &quot;b&quot; &amp; c", "a%20%22b%22%20%26%20c"},
        {"héllo", "héllo", "h%C3%A9llo"},
        {"", "", ""},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fa_buf b;
        char *out;

        fa_buf_init(&b, 1024);
        INT_EQ(fa_buf_append_html(&b, cases[i].in, strlen(cases[i].in)), FA_OK);
        out = fa_buf_detach(&b, NULL);
        STR_EQ(out, cases[i].html);
        fa_free(out);
        INT_EQ(fa_buf_append_urlenc(&b, cases[i].in, strlen(cases[i].in)), FA_OK);
        out = fa_buf_detach(&b, NULL);
        STR_EQ(out, cases[i].url);
        fa_free(out);
    }
}

static void test_plain_paths(void)
{
    static const struct {
        const char *path;
        bool plain;
    } cases[] = {
        {"css/site.css", true},     {"site.js", true},          {"a/b/c/d.txt", true},
        {"../etc/passwd", false},   {"css/../site.css", false}, {"..", false},
        {".", false},               {"./site.css", false},      {"/etc/passwd", false},
        {"css//site.css", false},   {"css/", false},            {"", false},
        {".hidden", false},         {"css/.hidden", false},     {"a\\b", false},
        {"caf\xc3\xa9.css", false}, {"a b.css", false},         {"a%2e.css", false},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = fa_path_is_plain(cases[i].path, strlen(cases[i].path));
        if (got != cases[i].plain)
            fprintf(stderr, "path case %zu: \"%s\"\n", i, cases[i].path);
        INT_EQ(got, cases[i].plain);
    }
    /* An embedded NUL is refused: the length, not the terminator, is what counts. */
    INT_EQ(fa_path_is_plain("a\0b", 3), false);
}

static void test_slugs(void)
{
    static const struct {
        const char *text, *slug;
    } cases[] = {
        {"Big picture", "big-picture"},
        {"What a hook receives: (event, args)", "what-a-hook-receives-event-args"},
        {"  --sys.monitoring--  ", "sys-monitoring"},
        {"PEP 578", "pep-578"},
        {"???", "section"},
        {"Ünïcode wörds", "n-code-w-rds"},
    };
    char out[64];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fa_path_slug(cases[i].text, strlen(cases[i].text), out, sizeof out);
        STR_EQ(out, cases[i].slug);
    }
    /* Truncation keeps the result NUL-terminated and without a trailing dash. */
    INT_EQ(fa_path_slug("abc def ghi", 11, out, 8), 7);
    STR_EQ(out, "abc-def");
}

static void test_misc(void)
{
    char iso[FA_TIME_ISO_LEN];
    struct fa_diag diag = {{0}};

    STR_EQ(fa_time_iso8601(0, iso), "1970-01-01T00:00:00Z");
    STR_EQ(fa_time_iso8601(1795734655, iso), "2026-11-26T23:10:55Z");
    INT_EQ(fa_diag_set(&diag, FA_EINVAL, "%s:%d: %s", "f.md", 3, "bad"), FA_EINVAL);
    STR_EQ(diag.msg, "f.md:3: bad");
    STR_EQ(fa_strerror(FA_ELIMIT), "limit reached");
    OK(fa_time_mono_us() > 0);
}

/* Issue 10: caps cut on character boundaries; bytes that are not UTF-8 become U+FFFD. */
static void test_utf8_repair(void)
{
    static const struct {
        const char *in;
        size_t len, max;
        const char *out;
        size_t out_len;
        int rc;
        bool replaced;
    } cases[] = {
        {"abc", 3, 10, "abc", 3, FA_OK, false},
        {"a\0b", 3, 10, "a\0b", 3, FA_OK, false}, /* NUL is carried */
        {"ok\xff\xfe!", 5, 20, "ok\xEF\xBF\xBD\xEF\xBF\xBD!", 9, FA_OK, true},
        {"\xe2\x82", 2, 20, "\xEF\xBF\xBD", 3, FA_OK, true}, /* a cut character */
        {"\xe2\x82\xac\xe2\x82\xac", 6, 5, "\xe2\x82\xac", 3, FA_ELIMIT, false}, /* cap */
        {"x\xff", 2, 3, "x", 1, FA_ELIMIT, true}, /* no room for the replacement */
        {"\xed\xa0\x80", 3, 20, "\xEF\xBF\xBD", 3, FA_OK, true}, /* a surrogate */
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fa_buf b;
        bool replaced = false;

        fa_buf_init(&b, 64);
        INT_EQ(fa_utf8_repair(&b, cases[i].in, cases[i].len, cases[i].max, &replaced),
               cases[i].rc);
        INT_EQ(b.len, cases[i].out_len);
        OK(memcmp(b.ptr, cases[i].out, b.len) == 0);
        INT_EQ(replaced, cases[i].replaced);
        INT_EQ(fa_utf8_bad_offset(b.ptr, b.len), b.len);
        fa_buf_cleanup(&b);
    }
    INT_EQ(fa_utf8_cut("a\xe2\x82\xac", 4, 3), 1);
    INT_EQ(fa_utf8_cut("a\xe2\x82\xac", 4, 4), 4);
    INT_EQ(fa_utf8_cut("abc", 3, 2), 2);
}

static void touch(const char *dir, const char *name)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    OK(f != NULL);
    if (f)
        fclose(f);
}

/* Issue 16: one folder-listing helper; a read error is an error, not the end of the folder
 * (srv_sandbox_page.c and srv_site.c took readdir's NULL for the end whatever errno said). */
static void test_dir_list(void)
{
    char dir[] = "/tmp/fa-test-dir-XXXXXX", missing[600];
    struct fa_dir_list list = {NULL, 0};
    struct fa_diag diag = {""};
    DIR *d;
    int fd;

    OK(mkdtemp(dir) != NULL);
    touch(dir, "b.md");
    touch(dir, "a.md");
    touch(dir, ".hidden.md");
    touch(dir, "notes.txt");
    touch(dir, ".md");
    INT_EQ(fa_dir_list_open(dir, fa_dir_keep_suffix, ".md", 10, "pages", &list, &diag), FA_OK);
    INT_EQ(list.n, 2);
    if (list.n == 2) {
        STR_EQ(list.names[0], "a.md");
        STR_EQ(list.names[1], "b.md");
    }
    fa_dir_list_cleanup(&list);
    INT_EQ(list.n, 0);
    /* NULL keeps every name not hidden, "." and ".." never come back. */
    INT_EQ(fa_dir_list_open(dir, NULL, NULL, 10, "files", &list, &diag), FA_OK);
    INT_EQ(list.n, 3);
    fa_dir_list_cleanup(&list);
    /* One name over the cap is refused, with the cap in the message. */
    INT_EQ(fa_dir_list_open(dir, fa_dir_keep_suffix, ".md", 1, "pages", &list, &diag), FA_ELIMIT);
    OK(CONTAINS(diag.msg, ": more than 1 pages"));
    INT_EQ(list.n, 0);
    snprintf(missing, sizeof missing, "%s/none", dir);
    INT_EQ(fa_dir_list_open(missing, NULL, NULL, 10, "files", &list, &diag), FA_ENOTFOUND);
    OK(CONTAINS(diag.msg, "cannot open the folder"));
    /* A folder opened with O_PATH passes fdopendir, but getdents fails (EBADF): that must
     * come back as FA_EIO, not as an empty folder. */
    fd = open(dir, O_PATH | O_DIRECTORY);
    d = fd >= 0 ? fdopendir(fd) : NULL;
    OK(d != NULL);
    if (d) {
        diag.msg[0] = '\0';
        INT_EQ(fa_dir_list_read(d, dir, NULL, NULL, 10, "files", &list, &diag), FA_EIO);
        OK(CONTAINS(diag.msg, "cannot read the folder"));
        INT_EQ(list.n, 0);
        closedir(d);
    }
    for (const char *const *n =
             (const char *const[]){"a.md", "b.md", ".hidden.md", "notes.txt", ".md", NULL};
         *n; n++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, *n);
        unlink(path);
    }
    rmdir(dir);
}

/* Issue 16: the sticky-error HTML builder. Text and attributes are escaped, trusted HTML
 * goes in as it is, and the first failure sticks: nothing after it is appended, so a page
 * is never cut in the middle and then continued. */
static void test_html_builder(void)
{
    struct fa_html_builder hb, inner;
    struct fa_buf out;
    struct fa_html html;

    fa_html_init(&hb, 1024);
    fa_html_raw(&hb, "<p title=\"");
    fa_html_attr(&hb, "a\"b'<c>&");
    fa_html_raw(&hb, "\">");
    fa_html_text(&hb, "<script>x</script>");
    fa_html_text(&hb, NULL);
    fa_html_text_n(&hb, "1 < 2 and more", 5);
    fa_html_printf(&hb, " %d%%", 42);
    fa_html_raw(&hb, "</p>");
    INT_EQ(fa_html_errcode(&hb), FA_OK);
    STR_EQ(fa_html_get(&hb).ptr, "<p title=\"a&quot;b&#39;&lt;c&gt;&amp;\">"
                                 "&lt;script&gt;x&lt;/script&gt;1 &lt; 2 42%</p>");
    /* Trusted HTML from another builder goes in unescaped. */
    fa_html_init(&inner, 64);
    fa_html_raw(&inner, "<em>");
    fa_html_text(&inner, "&");
    fa_html_raw(&inner, "</em>");
    html = fa_html_get(&inner);
    fa_html_put(&hb, html);
    OK(CONTAINS(fa_html_get(&hb).ptr, "</p><em>&amp;</em>"));
    fa_html_cleanup(&inner);
    fa_html_cleanup(&hb);
    /* Empty: "" and not NULL. */
    fa_html_init(&hb, 16);
    STR_EQ(fa_html_get(&hb).ptr, "");
    INT_EQ(fa_html_get(&hb).len, 0);
    /* Past the cap: FA_ELIMIT, and the later small appends do not land after the hole. */
    fa_html_raw(&hb, "<b>");
    fa_html_text(&hb, "far more than sixteen bytes of text");
    fa_html_raw(&hb, "</b>");
    INT_EQ(fa_html_errcode(&hb), FA_ELIMIT);
    STR_EQ(fa_html_get(&hb).ptr, "<b>");
    fa_html_cleanup(&hb);
    /* Appending to a caller's buffer, after what it held. */
    fa_buf_init(&out, 64);
    OK(fa_buf_puts(&out, "head;") == FA_OK);
    fa_html_init_into(&hb, &out);
    fa_html_text(&hb, "<x>");
    INT_EQ(fa_html_errcode(&hb), FA_OK);
    STR_EQ(out.ptr, "head;&lt;x&gt;");
    fa_html_cleanup(&hb);
    STR_EQ(out.ptr, "head;&lt;x&gt;"); /* the caller's bytes are the caller's */
    fa_buf_cleanup(&out);
}

int main(void)
{
    test_dir_list();
    test_html_builder();
    test_utf8_repair();
    test_buf_limits();
    test_escaping();
    test_plain_paths();
    test_slugs();
    test_misc();
    return harness_exit();
}
