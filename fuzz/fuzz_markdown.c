/* fuzz_markdown.c: the Markdown pipeline (content/cnt_markdown.h): a page rendered from memory
 * with its title, heading ids, sections, callouts and references, and the fragments the quiz
 * renders (stems, options, explanations), block and inline. Seeds are real pages of the wiki
 * and question stems (fuzz/corpus/markdown/).
 *
 * Oracles beyond the sanitizers, from the header's promises: UTF-8 in gives UTF-8 out (ids,
 * snippets and section texts cut text, and a cut inside a character would break the page),
 * and raw HTML never reaches the output, so no <script> from content. */
#include "content/cnt_markdown.h"

#include "common/fa_mem.h"
#include "common/fa_utf8.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_markdown: %s\n", what);
        abort();
    }
}

static void check_text(const char *text, const char *what)
{
    check(text != NULL, what);
    check(fa_utf8_bad_offset(text, strlen(text)) == strlen(text), what);
}

/* Whether html holds a tag that opens with name (ASCII, any case): "<script", "<iframe". */
static int has_tag(const char *html, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        size_t i = 0;
        while (i < len && p[1 + i] && tolower((unsigned char)p[1 + i]) == name[i])
            i++;
        if (i == len)
            return 1;
    }
    return 0;
}

static void check_html(const char *html, size_t len)
{
    check(html != NULL && strlen(html) == len, "HTML with a NUL inside or a wrong length");
    check(fa_utf8_bad_offset(html, len) == len, "HTML that is not UTF-8");
    check(!has_tag(html, "script") && !has_tag(html, "iframe"), "raw HTML in the output");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *md = (const char *)data;
    /* cmark reads exactly len bytes: an exact-size copy lets ASan see a read past them. */
    char *copy = fa_xmalloc(size ? size : 1);
    struct cnt_doc *doc = NULL;
    struct fa_diag diag = {{0}};
    char *fragment = NULL;

    if (size)
        memcpy(copy, md, size);
    if (cnt_doc_render(copy, size, "pages/fuzz.md", &doc, &diag) == FA_OK) {
        size_t len = 0;
        const char *html = cnt_doc_get_html(doc, &len);

        check_html(html, len);
        check_text(cnt_doc_get_title(doc), "title");
        check(cnt_doc_n_sections(doc) >= 1, "no section 0");
        for (size_t i = 0; i < cnt_doc_n_sections(doc); i++) {
            const struct cnt_section *s = cnt_doc_get_section(doc, i);
            check(s->level >= 1 && s->level <= 3, "section level");
            check_text(s->title, "section title");
            check_text(s->anchor, "section anchor");
            check_text(s->text, "section text");
            /* Every section's anchor is an id of the page, so the table of contents and
             * search results link somewhere. */
            check(i == 0 || cnt_doc_has_id(doc, s->anchor), "a section anchor the page lacks");
        }
        for (size_t i = 0; i < cnt_doc_n_refs(doc); i++) {
            const struct cnt_ref *ref = cnt_doc_get_ref(doc, i);
            check(ref->target && ref->text && ref->line >= 1, "reference");
        }
        cnt_doc_free(doc);
    } else {
        check(diag.msg[0] != '\0', "a failed render without a diagnostic");
    }
    for (int inline_only = 0; inline_only <= 1; inline_only++) {
        if (cnt_markdown_fragment(copy, size, inline_only, &fragment) == FA_OK) {
            check_html(fragment, strlen(fragment));
            fa_free(fragment);
            fragment = NULL;
        }
    }
    fa_free(copy);
    return 0;
}
