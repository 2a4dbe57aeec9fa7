/* test_content.c: unit tests of content/ (Markdown rendering, site loading, search), on the
 * public headers only. Usage: test_content GOLDEN_DIR, where GOLDEN_DIR holds markdown.txt
 * (spec-style Markdown -> HTML examples, see that file's introduction). */
#include "harness.h"

#include "common/fa_buf.h"
#include "common/fa_err.h"
#include "common/fa_mem.h"
#include "content/cnt_markdown.h"
#include "content/cnt_search.h"
#include "content/cnt_site.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FENCE "````````````````````````````````"

/* A pointer no function under test may ever produce: out parameters must keep it on error. */
static struct cnt_doc *const untouched_doc = (struct cnt_doc *)&harness_checks;

/* ---- helpers ---- */

static int render(const char *md, struct cnt_doc **doc, struct fa_diag *diag)
{
    diag->msg[0] = '\0';
    return cnt_doc_render(md, strlen(md), "page.md", doc, diag);
}

static char *read_whole_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct fa_buf b;
    char chunk[4096];
    size_t n;

    if (!f)
        return NULL;
    fa_buf_init(&b, 16 * 1024 * 1024);
    for (;;) {
        n = fread(chunk, 1, sizeof chunk, f);
        if (n == 0)
            break;
        if (fa_buf_append(&b, chunk, n)) {
            fclose(f);
            fa_buf_cleanup(&b);
            return NULL;
        }
    }
    fclose(f);
    return fa_buf_detach(&b, NULL);
}

/* Replaces every "→" (the spec format's visible tab) by a tab. */
static void untab(struct fa_buf *b)
{
    size_t w = 0;

    for (size_t r = 0; r < b->len; r++) {
        if (b->len - r >= 3 && memcmp(b->ptr + r, "\xe2\x86\x92", 3) == 0) {
            b->ptr[w++] = '\t';
            r += 2;
        } else {
            b->ptr[w++] = b->ptr[r];
        }
    }
    b->len = w;
    if (b->ptr)
        b->ptr[w] = '\0';
}

/* ---- golden Markdown -> HTML ---- */

static void test_golden(const char *golden_dir)
{
    char *path = fa_xasprintf("%s/markdown.txt", golden_dir);
    char *text = read_whole_file(path);
    const char *line = text;
    size_t line_no = 0, n_examples = 0;
    int state = 0; /* 0 prose, 1 markdown, 2 html */
    size_t example_line = 0;
    struct fa_buf md, html;

    OK(text != NULL);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", path);
        fa_free(path);
        return;
    }
    fa_buf_init(&md, CNT_DOC_MAX_BYTES);
    fa_buf_init(&html, CNT_DOC_MAX_BYTES);
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);

        line_no++;
        if (state == 0 && len == strlen(FENCE " example") &&
            memcmp(line, FENCE " example", len) == 0) {
            state = 1;
            example_line = line_no;
            fa_buf_reset(&md);
            fa_buf_reset(&html);
        } else if (state == 1 && len == 1 && line[0] == '.') {
            state = 2;
        } else if (state == 2 && len == strlen(FENCE) && memcmp(line, FENCE, len) == 0) {
            struct cnt_doc *doc = NULL;
            struct fa_diag diag = {""};
            char *name = fa_xasprintf("markdown.txt:%zu", example_line);
            int rc;

            untab(&md);
            untab(&html);
            rc = cnt_doc_render(md.ptr ? md.ptr : "", md.len, name, &doc, &diag);
            INT_EQ(rc, FA_OK);
            if (rc) {
                fprintf(stderr, "  %s: %s\n", name, diag.msg);
            } else {
                size_t got_len = 0;
                const char *got = cnt_doc_get_html(doc, &got_len);

                if (strcmp(got, html.ptr ? html.ptr : "") != 0)
                    fprintf(stderr, "golden example at %s differs:\n", name);
                STR_EQ(got, html.ptr ? html.ptr : "");
                INT_EQ(got_len, strlen(got));
            }
            cnt_doc_free(doc);
            fa_free(name);
            n_examples++;
            state = 0;
        } else if (state != 0) {
            struct fa_buf *to = state == 1 ? &md : &html;

            OK(fa_buf_append(to, line, len) == FA_OK && fa_buf_puts(to, "\n") == FA_OK);
        }
        line += len + (nl ? 1 : 0);
    }
    OK(state == 0); /* no example left open */
    OK(n_examples >= 12);
    fa_buf_cleanup(&md);
    fa_buf_cleanup(&html);
    fa_free(text);
    fa_free(path);
}

/* ---- safety: nothing executable survives, whatever the Markdown ---- */

static void test_no_script(void)
{
    static const struct {
        const char *md;
        const char *forbidden;
    } cases[] = {
        {"# T\n\n<script>alert(1)</script>\n", "<script"},
        {"# T\n\ntext <script>alert(1)</script> text\n", "<script"},
        {"# T\n\n<img src=x onerror=alert(1)>\n", "onerror"},
        {"# T\n\nsee <img src=x onerror=alert(1)> here\n", "onerror"},
        {"# T\n\n<a href=\"javascript:alert(1)\">x</a>\n", "javascript:"},
        {"# T\n\n[x](javascript:alert(1))\n", "javascript:"},
        {"# T\n\n[x](JaVaScRiPt:alert(1))\n", "JaVaScRiPt:"},
        {"# T\n\n[x](&#x6A;avascript:alert(1))\n", "avascript:"},
        {"# T\n\n[x][r]\n\n[r]: javascript:alert(1)\n", "javascript:"},
        {"# T\n\n<javascript:alert(1)>\n", "href=\"javascript"},
        {"# T\n\n![x](javascript:alert(1))\n", "javascript:"},
        {"# T\n\n[x](vbscript:msgbox(1))\n", "vbscript:"},
        {"# T\n\n[x](data:text/html;base64,PHNjcmlwdD4=)\n", "data:text"},
        {"# T\n\n[x](\"onmouseover=alert(1))\n", "\"onmouseover"},
        {"# T\n\n[x](/a \"t\\\" onmouseover=alert(1)\")\n", "\" onmouseover"},
        {"# <script>alert(1)</script>\n", "<script"},
        {"# T\n\n```\"><script>alert(1)</script>\nx\n```\n", "<script"},
        {"# T\n\n| a |\n|---|\n| <script>x</script> |\n", "<script"},
        {"# T\n\n<style>body{}</style>\n", "<style"},
        {"# T\n\n<iframe src=\"https://evil.example\"></iframe>\n", "<iframe"},
        {"# T\n\n> [!NOTE]\n> <script>alert(1)</script>\n", "<script"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cnt_doc *doc = NULL;
        struct fa_diag diag;
        int rc = render(cases[i].md, &doc, &diag);
        const char *html = rc ? NULL : cnt_doc_get_html(doc, NULL);

        INT_EQ(rc, FA_OK);
        OK(html != NULL && !CONTAINS(html, cases[i].forbidden));
        if (CONTAINS(html, cases[i].forbidden))
            fprintf(stderr, "  case %zu let through '%s':\n%s", i, cases[i].forbidden, html);
        cnt_doc_free(doc);
    }
}

/* ---- title, UTF-8, size ---- */

static void test_title(void)
{
    static const struct {
        const char *md;
        int rc;
        const char *title; /* or the expected diagnostic */
    } cases[] = {
        {"# Hooks\n\ntext\n", FA_OK, "Hooks"},
        {"Intro first.\n\n# Late title\n", FA_OK, "Late title"},
        {"# `sys.audit` & *events*\n", FA_OK, "sys.audit & events"},
        {"Title\n=====\n", FA_OK, "Title"},
        {"# First\n\n# Second\n", FA_OK, "First"},
        {"no heading at all\n", FA_EINVAL, "page.md:1: no title: the page needs a '# ' heading"},
        {"## Only a level 2\n", FA_EINVAL, "page.md:1: no title: the page needs a '# ' heading"},
        {"", FA_EINVAL, "page.md:1: no title: the page needs a '# ' heading"},
        {"```\n# not a heading\n```\n", FA_EINVAL,
         "page.md:1: no title: the page needs a '# ' heading"},
        {"text\n\n#\n", FA_EINVAL, "page.md:3: empty title: the '# ' heading needs text"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cnt_doc *doc = untouched_doc;
        struct fa_diag diag;
        int rc = render(cases[i].md, &doc, &diag);

        INT_EQ(rc, cases[i].rc);
        if (rc == FA_OK && doc != untouched_doc) {
            STR_EQ(cnt_doc_get_title(doc), cases[i].title);
            cnt_doc_free(doc);
        } else {
            OK(doc == untouched_doc);
            STR_EQ(diag.msg, cases[i].title);
        }
    }
}

static void test_utf8(void)
{
    static const struct {
        const char *md;
        int rc;
        const char *diag;
    } cases[] = {
        {"# T\n\ncaf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\n", FA_OK, ""},
        {"# T\n\nabc\xff\n", FA_EINVAL, "page.md:3: not UTF-8: byte 0xff at offset 8"},
        {"\xc0\xaf# T\n", FA_EINVAL, "page.md:1: not UTF-8: byte 0xc0 at offset 0"}, /* overlong */
        {"# T\n\xe0\x80\xaf\n", FA_EINVAL, "page.md:2: not UTF-8: byte 0xe0 at offset 4"},
        {"# T\n\xed\xa0\x80\n", FA_EINVAL, "page.md:2: not UTF-8: byte 0xed at offset 4"},
        {"# T\n\xf4\x90\x80\x80\n", FA_EINVAL, "page.md:2: not UTF-8: byte 0xf4 at offset 4"},
        {"# T\n\xf5\x80\x80\x80\n", FA_EINVAL, "page.md:2: not UTF-8: byte 0xf5 at offset 4"},
        {"# T\n\n\n\xe2\x82", FA_EINVAL, "page.md:4: not UTF-8: byte 0xe2 at offset 6"},
        {"# T\n\xe2\x28\xa1\n", FA_EINVAL, "page.md:2: not UTF-8: byte 0xe2 at offset 4"},
        {"# T\n\x80\n", FA_EINVAL, "page.md:2: not UTF-8: byte 0x80 at offset 4"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cnt_doc *doc = untouched_doc;
        struct fa_diag diag;
        int rc = render(cases[i].md, &doc, &diag);

        INT_EQ(rc, cases[i].rc);
        if (rc == FA_OK && doc != untouched_doc) {
            cnt_doc_free(doc);
        } else {
            OK(doc == untouched_doc);
            STR_EQ(diag.msg, cases[i].diag);
        }
    }
}

static void test_size_limit(void)
{
    size_t len = CNT_DOC_MAX_BYTES;
    char *md = fa_xmalloc(len + 2);
    struct cnt_doc *doc = untouched_doc;
    struct fa_diag diag = {""};
    int rc;

    memset(md, 'a', len + 1);
    memcpy(md, "# Big\n\n", 7);
    md[len + 1] = '\0';

    rc = cnt_doc_render(md, len, "big.md", &doc, &diag);
    INT_EQ(rc, FA_OK);
    OK(doc != untouched_doc);
    if (!rc)
        STR_EQ(cnt_doc_get_title(doc), "Big");
    if (!rc)
        cnt_doc_free(doc);

    doc = untouched_doc;
    rc = cnt_doc_render(md, len + 1, "big.md", &doc, &diag);
    INT_EQ(rc, FA_ELIMIT);
    OK(doc == untouched_doc);
    STR_EQ(diag.msg, "big.md:1: too big: 1048577 bytes, the limit is 1048576");
    fa_free(md);
}

/* ---- sections ---- */

static void test_sections(void)
{
    static const char md[] = "Before the title.\n"
                             "\n"
                             "# Audit *hooks*\n"
                             "\n"
                             "Hooks see events. <b>raw</b>\n"
                             "\n"
                             "## Why `hooks`?\n"
                             "\n"
                             "Because *PEP 578*\n"
                             "said so.\n"
                             "\n"
                             "#### Deep heading\n"
                             "\n"
                             "```python\n"
                             "sys.addaudithook(f)\n"
                             "```\n"
                             "\n"
                             "### Details\n"
                             "\n"
                             "> [!NOTE]\n"
                             "> A note.\n"
                             "\n"
                             "| a | b |\n"
                             "|---|---|\n"
                             "| c | d |\n"
                             "\n"
                             "## Why `hooks`?\n"
                             "## Empty\n";
    static const struct cnt_section want[] = {
        {1, "Audit hooks", "", "Before the title.\nHooks see events. raw"},
        {2, "Why hooks?", "why-hooks",
         "Because PEP 578 said so.\nDeep heading\nsys.addaudithook(f)"},
        {3, "Details", "details", "A note.\na\nb\nc\nd"},
        {2, "Why hooks?", "why-hooks-2", ""},
        {2, "Empty", "empty", ""},
    };
    struct cnt_doc *doc = NULL;
    struct fa_diag diag;
    int rc = render(md, &doc, &diag);

    INT_EQ(rc, FA_OK);
    if (rc)
        return;
    INT_EQ(cnt_doc_n_sections(doc), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0] && i < cnt_doc_n_sections(doc); i++) {
        const struct cnt_section *s = cnt_doc_get_section(doc, i);

        INT_EQ(s->level, want[i].level);
        STR_EQ(s->title, want[i].title);
        STR_EQ(s->anchor, want[i].anchor);
        STR_EQ(s->text, want[i].text);
    }
    /* Every anchor is a real id in the HTML. */
    for (size_t i = 1; i < cnt_doc_n_sections(doc); i++) {
        char *id = fa_xasprintf(" id=\"%s\">", cnt_doc_get_section(doc, i)->anchor);

        OK(CONTAINS(cnt_doc_get_html(doc, NULL), id));
        fa_free(id);
    }
    OK(cnt_doc_get_section(doc, cnt_doc_n_sections(doc)) == NULL);
    cnt_doc_free(doc);

    rc = render("# Only a title\n", &doc, &diag);
    INT_EQ(rc, FA_OK);
    if (rc)
        return;
    INT_EQ(cnt_doc_n_sections(doc), 1);
    STR_EQ(cnt_doc_get_section(doc, 0)->title, "Only a title");
    STR_EQ(cnt_doc_get_section(doc, 0)->anchor, "");
    STR_EQ(cnt_doc_get_section(doc, 0)->text, "");
    cnt_doc_free(doc);
}

/* Many equal headings: ids stay unique (and the renderer stays fast). */
/* What `fa-learn check` looks at: links, images with their alt text, fenced code with its
 * whole info string, each with its line; and every heading's id. */
static void test_refs(void)
{
    static const char md[] = "# Refs\n"
                             "\n"
                             "A [page](/wiki/x#y) and [out](https://e.org).\n"
                             "![The *two* layers](/static/img/a.svg)\n"
                             "\n"
                             "```pyrun status=ok stdout=hi\n"
                             "print('hi')\n"
                             "```\n"
                             "\n"
                             "    indented code is not fenced\n"
                             "\n"
                             "#### Deep heading\n";
    struct cnt_doc *doc = NULL;
    struct fa_diag diag = {{0}};

    INT_EQ(cnt_doc_render(md, sizeof md - 1, "refs.md", &doc, &diag), 0);
    if (!doc)
        return;
    INT_EQ(cnt_doc_n_refs(doc), 4);
    INT_EQ(cnt_doc_get_ref(doc, 0)->kind, CNT_REF_LINK);
    STR_EQ(cnt_doc_get_ref(doc, 0)->target, "/wiki/x#y");
    INT_EQ(cnt_doc_get_ref(doc, 0)->line, 3);
    STR_EQ(cnt_doc_get_ref(doc, 1)->target, "https://e.org");
    INT_EQ(cnt_doc_get_ref(doc, 2)->kind, CNT_REF_IMAGE);
    STR_EQ(cnt_doc_get_ref(doc, 2)->text, "The two layers");
    INT_EQ(cnt_doc_get_ref(doc, 2)->line, 4);
    INT_EQ(cnt_doc_get_ref(doc, 3)->kind, CNT_REF_CODE);
    STR_EQ(cnt_doc_get_ref(doc, 3)->target, "pyrun status=ok stdout=hi");
    INT_EQ(cnt_doc_get_ref(doc, 3)->line, 6);
    OK(cnt_doc_get_ref(doc, 4) == NULL);
    OK(cnt_doc_has_id(doc, "deep-heading"));
    OK(cnt_doc_has_id(doc, "refs"));
    OK(!cnt_doc_has_id(doc, "nope"));
    cnt_doc_free(doc);
}

static void test_many_duplicates(void)
{
    struct fa_buf md;
    struct cnt_doc *doc = NULL;
    struct fa_diag diag = {""};
    int rc;

    fa_buf_init(&md, CNT_DOC_MAX_BYTES);
    OK(fa_buf_puts(&md, "# T\n") == FA_OK);
    for (int i = 0; i < 5000; i++)
        OK(fa_buf_puts(&md, "## Same\n") == FA_OK);
    rc = cnt_doc_render(md.ptr, md.len, "dup.md", &doc, &diag);
    INT_EQ(rc, FA_OK);
    if (!rc) {
        INT_EQ(cnt_doc_n_sections(doc), 5001);
        STR_EQ(cnt_doc_get_section(doc, 1)->anchor, "same");
        STR_EQ(cnt_doc_get_section(doc, 2)->anchor, "same-2");
        STR_EQ(cnt_doc_get_section(doc, 5000)->anchor, "same-5000");
        cnt_doc_free(doc);
    }
    fa_buf_cleanup(&md);
}

/* ---- a content folder on disk ---- */

static char *make_temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *path = fa_xasprintf("%s/fa-content-XXXXXX", tmp && *tmp ? tmp : "/tmp");

    if (!mkdtemp(path)) {
        perror("mkdtemp");
        fa_free(path);
        return NULL;
    }
    return path;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = fa_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");

    OK(f != NULL);
    if (f) {
        OK(fwrite(text, 1, strlen(text), f) == strlen(text));
        OK(fclose(f) == 0);
    }
    fa_free(path);
}

/* Removes dir and everything below it (no symbolic link is followed). */
static void remove_tree(int parent_fd, const char *name)
{
    int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;

    if (!dir) {
        if (fd >= 0)
            close(fd);
        unlinkat(parent_fd, name, 0);
        return;
    }
    for (;;) {
        struct dirent *ent = readdir(dir);
        struct stat st;

        if (!ent)
            break;
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(dir), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
            remove_tree(dirfd(dir), ent->d_name);
        else
            unlinkat(dirfd(dir), ent->d_name, 0);
    }
    closedir(dir);
    OK(unlinkat(parent_fd, name, AT_REMOVEDIR) == 0);
}

/* A folder with home.md and pages/, each page given as {name, text}. */
struct file_spec {
    const char *name;
    const char *text;
};

static char *make_site_dir(const struct file_spec *pages, size_t n_pages, bool with_home)
{
    char *dir = make_temp_dir();
    char *pages_dir;

    if (!dir)
        return NULL;
    pages_dir = fa_xasprintf("%s/pages", dir);
    OK(mkdir(pages_dir, 0700) == 0);
    if (with_home)
        write_file(dir, "home.md", "# Welcome\n\nStart with the **big picture**.\n");
    for (size_t i = 0; i < n_pages; i++)
        write_file(pages_dir, pages[i].name, pages[i].text);
    fa_free(pages_dir);
    return dir;
}

static const struct file_spec good_pages[] = {
    {"10-sandboxes.md", "# Sandboxes\n\nThe jail is the boundary.\n"},
    {"02-audit-hooks.md", "# Audit hooks\n\nPEP 578 added them.\n"},
    {"01-big-picture.md", "# The big picture\n\nWhy audit at all?\n"},
    {"notes.txt", "not a page"},
    {".01-draft.md.swp", "editor junk"},
};

static void test_site_load(void)
{
    char *dir = make_site_dir(good_pages, sizeof good_pages / sizeof good_pages[0], true);
    char *slashed = dir ? fa_xasprintf("%s//", dir) : NULL;
    struct cnt_site *site = NULL;
    struct fa_diag diag = {""};
    static const char *const want_slugs[] = {"big-picture", "audit-hooks", "sandboxes"};
    static const char *const want_files[] = {"pages/01-big-picture.md", "pages/02-audit-hooks.md",
                                             "pages/10-sandboxes.md"};
    static const char *const want_titles[] = {"The big picture", "Audit hooks", "Sandboxes"};
    int rc;

    OK(dir != NULL);
    if (!dir)
        return;
    rc = cnt_site_load(slashed, &site, &diag);
    INT_EQ(rc, FA_OK);
    if (rc) {
        fprintf(stderr, "  %s\n", diag.msg);
        goto out;
    }
    STR_EQ(cnt_doc_get_title(cnt_site_get_home(site)), "Welcome");
    INT_EQ(cnt_site_n_pages(site), 3);
    for (size_t i = 0; i < 3 && i < cnt_site_n_pages(site); i++) {
        const struct cnt_page *page = cnt_site_get_page(site, i);

        STR_EQ(page->slug, want_slugs[i]);
        STR_EQ(page->file, want_files[i]);
        STR_EQ(cnt_doc_get_title(page->doc), want_titles[i]);
    }
    OK(cnt_site_get_page(site, 3) == NULL);

    /* cnt_site_find: exact bytes only. */
    INT_EQ(cnt_site_find(site, "audit-hooks", 11), 1);
    INT_EQ(cnt_site_find(site, "sandboxes", 9), 2);
    INT_EQ(cnt_site_find(site, "big-picture", 11), 0);
    INT_EQ(cnt_site_find(site, "audit-hooksX", 11), 1); /* len bounds the slug */
    INT_EQ(cnt_site_find(site, "audit", 5), -1);
    INT_EQ(cnt_site_find(site, "audit-hooks-", 12), -1);
    INT_EQ(cnt_site_find(site, "Audit-Hooks", 11), -1);
    INT_EQ(cnt_site_find(site, "audit-hooks\0x", 13), -1);
    INT_EQ(cnt_site_find(site, "", 0), -1);
    INT_EQ(cnt_site_find(site, "02-audit-hooks", 14), -1);
    INT_EQ(cnt_site_find(site, "../home", 7), -1);
out:
    cnt_site_free(site);
    remove_tree(AT_FDCWD, dir);
    fa_free(slashed);
    fa_free(dir);
}

/* Folders that must not load: each with the rc and a piece of the diagnostic. */
static void test_site_errors(void)
{
    static const struct {
        struct file_spec page; /* written into pages/ (name NULL: none) */
        bool with_home;
        const char *special; /* extra set-up, see below */
        int rc;
        const char *diag; /* the diagnostic after the temporary folder's path */
    } cases[] = {
        {{"1-Intro.md", "# I\n"}, true, NULL, FA_EINVAL, "/pages/1-Intro.md:1: bad file name"},
        {{"01_intro.md", "# I\n"}, true, NULL, FA_EINVAL, "/pages/01_intro.md:1: bad file name"},
        {{"intro.md", "# I\n"}, true, NULL, FA_EINVAL, "/pages/intro.md:1: bad file name"},
        {{"01-.md", "# I\n"}, true, NULL, FA_EINVAL, "/pages/01-.md:1: bad file name"},
        {{"01-a--b.md", "# I\n"}, true, NULL, FA_EINVAL, "/pages/01-a--b.md:1: bad file name"},
        {{"01-a-.md", "# I\n"}, true, NULL, FA_EINVAL, "/pages/01-a-.md:1: bad file name"},
        {{"-intro.md", "# I\n"}, true, NULL, FA_EINVAL, "/pages/-intro.md:1: bad file name"},
        {{"01-caf\xc3\xa9.md", "# I\n"},
         true,
         NULL,
         FA_EINVAL,
         "/pages/01-caf\xc3\xa9.md:1: bad file name"},
        {{"01-intro.md", "no title\n"},
         true,
         NULL,
         FA_EINVAL,
         "/pages/01-intro.md:1: no title: the page needs a '# ' heading"},
        {{"01-intro.md", "# I\n\n\xff\n"},
         true,
         NULL,
         FA_EINVAL,
         "/pages/01-intro.md:3: not UTF-8"},
        {{"01-intro.md", "# I\n"},
         false,
         NULL,
         FA_EIO,
         "/home.md: cannot open: No such file or directory"},
        {{"01-intro.md", "# I\n"},
         true,
         "duplicate",
         FA_EINVAL,
         "/pages/02-intro.md:1: duplicate slug 'intro', also used by pages/01-intro.md"},
        {{"01-intro.md", "# I\n"},
         true,
         "symlink",
         FA_EINVAL,
         "/pages/02-link.md:1: refused: a symbolic link"},
        {{"01-intro.md", "# I\n"},
         true,
         "home-symlink",
         FA_EINVAL,
         "/home.md:1: refused: a symbolic link"},
        {{"01-intro.md", "# I\n"},
         true,
         "directory",
         FA_EINVAL,
         "/pages/02-folder.md:1: refused: not a regular file"},
        {{"01-intro.md", "# I\n"},
         true,
         "fifo",
         FA_EINVAL,
         "/pages/02-fifo.md:1: refused: not a regular file"},
        {{"01-intro.md", "# I\n"},
         true,
         "too-big",
         FA_ELIMIT,
         "/pages/02-big.md:1: too big: 1048577 bytes, the limit is 1048576"},
        {{"01-intro.md", "# I\n"}, true, "too-many", FA_ELIMIT, "/pages: more than 200 pages"},
        {{NULL, NULL},
         true,
         "no-pages",
         FA_EIO,
         "/pages: cannot open the pages folder: No such file or directory"},
        {{NULL, NULL}, true, "pages-symlink", FA_EINVAL, "/pages: refused: a symbolic link"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *special = cases[i].special ? cases[i].special : "";
        char *dir = make_site_dir(&cases[i].page, cases[i].page.name ? 1 : 0, cases[i].with_home);
        char *pages = dir ? fa_xasprintf("%s/pages", dir) : NULL;
        char *want = dir ? fa_xasprintf("%s%s", dir, cases[i].diag) : NULL;
        struct cnt_site *site = (struct cnt_site *)&harness_checks;
        struct fa_diag diag = {""};
        int rc;

        OK(dir != NULL);
        if (!dir)
            continue;
        if (strcmp(special, "duplicate") == 0) {
            write_file(pages, "02-intro.md", "# Again\n");
        } else if (strcmp(special, "symlink") == 0) {
            char *target = fa_xasprintf("%s/01-intro.md", pages);
            char *link = fa_xasprintf("%s/02-link.md", pages);

            OK(symlink(target, link) == 0);
            fa_free(link);
            fa_free(target);
        } else if (strcmp(special, "home-symlink") == 0) {
            char *home = fa_xasprintf("%s/home.md", dir);
            char *moved = fa_xasprintf("%s/real-home.md", dir);

            OK(rename(home, moved) == 0);
            OK(symlink(moved, home) == 0);
            fa_free(moved);
            fa_free(home);
        } else if (strcmp(special, "directory") == 0) {
            char *sub = fa_xasprintf("%s/02-folder.md", pages);

            OK(mkdir(sub, 0700) == 0);
            fa_free(sub);
        } else if (strcmp(special, "fifo") == 0) {
            char *fifo = fa_xasprintf("%s/02-fifo.md", pages);

            OK(mkfifo(fifo, 0600) == 0);
            fa_free(fifo);
        } else if (strcmp(special, "too-big") == 0) {
            char *big = fa_xmalloc(CNT_DOC_MAX_BYTES + 2);

            memset(big, 'x', CNT_DOC_MAX_BYTES + 1);
            memcpy(big, "# Big\n", 6);
            big[CNT_DOC_MAX_BYTES + 1] = '\0';
            write_file(pages, "02-big.md", big);
            fa_free(big);
        } else if (strcmp(special, "too-many") == 0) {
            for (int k = 2; k <= CNT_SITE_MAX_PAGES + 1; k++) {
                char name[32];

                snprintf(name, sizeof name, "%03d-p%d.md", k, k);
                write_file(pages, name, "# P\n");
            }
        } else if (strcmp(special, "no-pages") == 0) {
            OK(rmdir(pages) == 0);
        } else if (strcmp(special, "pages-symlink") == 0) {
            char *real = fa_xasprintf("%s/real-pages", dir);

            OK(rename(pages, real) == 0);
            OK(symlink(real, pages) == 0);
            fa_free(real);
        }

        rc = cnt_site_load(dir, &site, &diag);
        INT_EQ(rc, cases[i].rc);
        OK(site == (struct cnt_site *)&harness_checks);
        OK(CONTAINS(diag.msg, want));
        if (!CONTAINS(diag.msg, want))
            fprintf(stderr, "  case %zu (%s): got \"%s\"\n  want it to contain \"%s\"\n", i,
                    special, diag.msg, want);
        if (rc == FA_OK && site != (struct cnt_site *)&harness_checks)
            cnt_site_free(site);
        remove_tree(AT_FDCWD, dir);
        fa_free(want);
        fa_free(pages);
        fa_free(dir);
    }

    {
        struct cnt_site *site = NULL;
        struct fa_diag diag = {""};

        INT_EQ(cnt_site_load("/nonexistent/fa-learn-content", &site, &diag), FA_EIO);
        STR_EQ(diag.msg, "/nonexistent/fa-learn-content: cannot open the content folder: "
                         "No such file or directory");
    }
}

/* ---- search ---- */

static const struct file_spec search_pages[] = {
    {"01-audit-hooks.md", "# Audit hooks\n\nPEP 578 added them to CPython.\n\n"
                          "## Writing a hook\n\nCall `sys.addaudithook` with a function.\n"
                          "Never paste `<script>alert(1)</script>` into a hook.\n"},
    {"02-events.md",
     "# Events\n\nThe interpreter raises events; hooks receive events, hooks log events, "
     "hooks may refuse events, and hooks are called for every event.\n\n"
     "## Été et café\n\nDiacritics are folded.\n"},
    {"03-jail.md", "# The jail\n\nrlimits, seccomp and namespaces.\n\n"
                   "## Control bytes\n\nA \x02marker\x03 in content stays text.\n"},
};

struct search_fixture {
    char *dir;
    struct cnt_site *site;
    struct cnt_search *search;
};

static bool search_setup(struct search_fixture *fx)
{
    struct fa_diag diag = {""};
    int rc;

    fx->site = NULL;
    fx->search = NULL;
    fx->dir = make_site_dir(search_pages, sizeof search_pages / sizeof search_pages[0], true);
    if (!fx->dir)
        return false;
    rc = cnt_site_load(fx->dir, &fx->site, &diag);
    INT_EQ(rc, FA_OK);
    if (rc) {
        fprintf(stderr, "  %s\n", diag.msg);
        return false;
    }
    rc = cnt_search_new(fx->site, &fx->search, &diag);
    INT_EQ(rc, FA_OK);
    if (rc)
        fprintf(stderr, "  %s\n", diag.msg);
    return rc == FA_OK;
}

static void search_teardown(struct search_fixture *fx)
{
    cnt_search_free(fx->search);
    cnt_site_free(fx->site);
    if (fx->dir)
        remove_tree(AT_FDCWD, fx->dir);
    fa_free(fx->dir);
}

static int query(struct cnt_search *search, const char *q, size_t max_hits, struct cnt_hit **hits,
                 size_t *n)
{
    struct fa_diag diag = {""};

    *hits = NULL;
    *n = 0;
    return cnt_search_query(search, q, strlen(q), max_hits, hits, n, &diag);
}

static void test_search_ranking(struct cnt_search *search)
{
    struct cnt_hit *hits;
    size_t n;
    int rc;

    /* "hooks" fills the body of Events, but is the title of Audit hooks: the title wins. */
    rc = query(search, "hooks", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    OK(n >= 2);
    if (n >= 2) {
        INT_EQ(hits[0].page, 0);
        STR_EQ(hits[0].page_title, "Audit hooks");
        STR_EQ(hits[0].section_title, "Audit hooks");
        STR_EQ(hits[0].anchor, "");
        INT_EQ(hits[1].page, 1);
    }
    cnt_hits_free(hits, n);

    /* Prefix match, case folding, and a hit in a section. */
    rc = query(search, "ADDAUDIT", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    if (n == 1) {
        INT_EQ(hits[0].page, 0);
        STR_EQ(hits[0].anchor, "writing-a-hook");
        STR_EQ(hits[0].section_title, "Writing a hook");
        OK(CONTAINS(hits[0].snippet_html, "<mark>"));
        OK(CONTAINS(hits[0].snippet_html, "</mark>"));
        /* The content's "<script>" comes back escaped, never as markup. */
        OK(CONTAINS(hits[0].snippet_html, "&lt;script&gt;"));
        OK(!CONTAINS(hits[0].snippet_html, "<script"));
    }
    cnt_hits_free(hits, n);

    /* Every word is required. */
    rc = query(search, "hooks seccomp", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 0);
    cnt_hits_free(hits, n);

    /* Issue 14: words in double quotes are one phrase, in their order; only the last word
     * of a query is a prefix. */
    rc = query(search, "\"receive events\"", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    if (n == 1)
        OK(CONTAINS(hits[0].snippet_html, "<mark>receive events</mark>"));
    cnt_hits_free(hits, n);
    rc = query(search, "\"events receive\"", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 0);
    cnt_hits_free(hits, n);
    rc = query(search, "\"sys.addaudithook\"", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    cnt_hits_free(hits, n);
    rc = query(search, "hoo events", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 0);
    cnt_hits_free(hits, n);
    rc = query(search, "events hoo", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    cnt_hits_free(hits, n);

    /* Diacritics are folded both ways. */
    rc = query(search, "ete cafe", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    if (n == 1)
        STR_EQ(hits[0].anchor, "\xc3\xa9t\xc3\xa9-et-caf\xc3\xa9"); /* "été-et-café" (issue 14) */
    cnt_hits_free(hits, n);
    rc = query(search, "\xc3\xa9t\xc3\xa9", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    cnt_hits_free(hits, n);

    /* The home page is indexed too. */
    rc = query(search, "picture", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    if (n == 1) {
        OK(hits[0].page == SIZE_MAX);
        STR_EQ(hits[0].page_title, "Welcome");
        STR_EQ(hits[0].snippet_html, "Start with the big <mark>picture</mark>.");
    }
    cnt_hits_free(hits, n);

    /* max_hits bounds the answer. */
    rc = query(search, "hook", 1, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    cnt_hits_free(hits, n);
    rc = query(search, "hook", 0, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 0);
    cnt_hits_free(hits, n);

    /* Control bytes in content cannot forge marks. */
    rc = query(search, "marker", 10, &hits, &n);
    INT_EQ(rc, FA_OK);
    INT_EQ(n, 1);
    if (n == 1) {
        STR_EQ(hits[0].snippet_html, "A  <mark>marker</mark>  in content stays text.");
    }
    cnt_hits_free(hits, n);
}

static void test_search_hostile(struct cnt_search *search)
{
    static const struct {
        const char *q;
        int rc;
        long n; /* -1: any count */
    } cases[] = {
        {"", FA_OK, 0},
        {"   \t\n", FA_OK, 0},
        {"\"", FA_OK, 0},
        {"*", FA_OK, 0},
        {"\"\"*", FA_OK, 0},
        {"AND OR NOT", FA_OK, 0},
        {"hooks OR seccomp", FA_OK, 0}, /* OR is a word here, and no page has it */
        {"NEAR(", FA_OK, 0},
        {"NEAR(hooks events, 2)", FA_OK, 0},
        {"col:", FA_OK, 0},
        {"title:hooks", FA_OK, 0},
        {"body:hooks", FA_OK, 0},
        {"^hooks", FA_OK, -1},
        {"hooks\"", FA_OK, -1},
        {"{title body}: x", FA_OK, 0},
        {"'; DROP TABLE sec; --", FA_OK, 0},
        {"\xe2\x80\x94", FA_OK, 0}, /* an em dash alone: no token for FTS5 */
        {"\xf0\x9f\x98\x80 hooks", FA_OK, -1},
        {"a b c d e f g h i j k l", FA_OK, -1},
        /* Words after the CNT_SEARCH_MAX_WORDS-th are ignored, so "nomatch" does not count. */
        {"hooks hooks hooks hooks hooks hooks hooks hooks nomatch", FA_OK, 2},
        {"\xff", FA_EINVAL, 0},
        {"hooks \xc3", FA_EINVAL, 0},
        {"\xed\xa0\x80", FA_EINVAL, 0},
        {"\xc0\xaf", FA_EINVAL, 0},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cnt_hit *hits;
        size_t n;
        int rc = query(search, cases[i].q, 10, &hits, &n);

        INT_EQ(rc, cases[i].rc);
        if (cases[i].n >= 0)
            INT_EQ(n, cases[i].n);
        if (rc != cases[i].rc || (cases[i].n >= 0 && (long)n != cases[i].n))
            fprintf(stderr, "  hostile case %zu\n", i);
        cnt_hits_free(hits, n);
    }

    {
        char q[CNT_SEARCH_MAX_QUERY + 2];
        struct cnt_hit *hits;
        size_t n;
        struct fa_diag diag = {""};
        int rc;

        memset(q, 'a', sizeof q - 1);
        q[sizeof q - 1] = '\0';
        q[0] = 'h';
        hits = (struct cnt_hit *)&harness_checks;
        n = 77;
        rc = cnt_search_query(search, q, CNT_SEARCH_MAX_QUERY + 1, 10, &hits, &n, &diag);
        INT_EQ(rc, FA_ELIMIT);
        OK(hits == (struct cnt_hit *)&harness_checks && n == 77);
        STR_EQ(diag.msg, "search: the query is longer than 200 bytes");

        rc = cnt_search_query(search, q, CNT_SEARCH_MAX_QUERY, 10, &hits, &n, &diag);
        INT_EQ(rc, FA_OK);
        INT_EQ(n, 0);
        cnt_hits_free(hits, n);

        /* Every word of a long query is handled, even of 200 one-letter words. */
        for (size_t k = 0; k < CNT_SEARCH_MAX_QUERY; k++)
            q[k] = (k % 2) ? '"' : 'h';
        rc = cnt_search_query(search, q, CNT_SEARCH_MAX_QUERY, 10, &hits, &n, &diag);
        INT_EQ(rc, FA_OK);
        cnt_hits_free(hits, n);

        rc = cnt_search_query(search, "hooks\xff", 6, 10, &hits, &n, &diag);
        INT_EQ(rc, FA_EINVAL);
        STR_EQ(diag.msg, "search: the query is not UTF-8");
    }
}

/* Queries from several threads at once, and renders too (cmark-gfm is serialised). */
struct thread_arg {
    struct cnt_search *search;
    int failures;
};

static void *on_thread(void *p)
{
    static const char md[] = "# T\n\n| a |\n|---|\n| ~~b~~ www.x.org |\n";
    struct thread_arg *arg = p;

    for (int i = 0; i < 50; i++) {
        struct cnt_hit *hits = NULL;
        size_t n = 0;
        struct fa_diag diag;
        struct cnt_doc *doc = NULL;

        if (cnt_search_query(arg->search, "hook", 4, 10, &hits, &n, &diag) != FA_OK || n < 2)
            arg->failures++;
        cnt_hits_free(hits, n);
        if (cnt_doc_render(md, strlen(md), "t.md", &doc, &diag) != FA_OK)
            arg->failures++;
        cnt_doc_free(doc);
    }
    return NULL;
}

static void test_search_threads(struct cnt_search *search)
{
    pthread_t threads[4];
    struct thread_arg args[4];
    int started = 0;

    for (int i = 0; i < 4; i++) {
        args[i].search = search;
        args[i].failures = 0;
        if (pthread_create(&threads[i], NULL, on_thread, &args[i]) == 0)
            started++;
    }
    INT_EQ(started, 4);
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        INT_EQ(args[i].failures, 0);
    }
}

static void test_search(void)
{
    struct search_fixture fx;

    if (search_setup(&fx)) {
        test_search_ranking(fx.search);
        test_search_hostile(fx.search);
        test_search_threads(fx.search);
    }
    search_teardown(&fx);
}

int main(int argc, char **argv)
{
    const char *golden = argc > 1 ? argv[1] : "tests/unit/golden";

    test_golden(golden);
    test_no_script();
    test_title();
    test_utf8();
    test_size_limit();
    test_sections();
    test_many_duplicates();
    test_refs();
    test_site_load();
    test_site_errors();
    test_search();
    return harness_exit();
}
