/* cnt_markdown.h: one Markdown document rendered to safe HTML, with what a page needs
 * around it: its title, its sections (for the table of contents and the search index).
 *
 * Dialect: GitHub's (cmark-gfm with the table, autolink, strikethrough and tasklist
 * extensions). Raw HTML in the source is never passed through (cmark's safe mode: it is
 * replaced by a comment) and dangerous link schemes (javascript:, vbscript:, file:, data:
 * other than images) are dropped, so content can never inject script.
 *
 * Additions, all documented for authors in content/README.md:
 * - The first level-1 heading is the page title; it is required.
 * - Every heading gets an id: its words lowered and joined by "-" (ASCII letters and digits
 *   and non-ASCII letters kept: "Überblick" gives "überblick"), "-2", "-3"... for repeats.
 *   Ids are stable: they change only when the heading's text does.
 * - Callouts: a block quote whose first line is [!NOTE], [!TIP] or [!WARNING] renders as
 *   <div class="callout callout-note" role="note"><p class="callout-title">Note</p>...</div>.
 * - Fenced code keeps its language as class="language-xxx" on <code>; the browser highlights
 *   it with CodeMirror's runmode.
 *
 * A struct cnt_doc is immutable once made and may be read from any thread. cnt_doc_render may
 * be called from several threads; calls are serialised inside, because cmark-gfm 0.29 writes a
 * global table while parsing. */
#ifndef FA_CONTENT_CNT_MARKDOWN_H
#define FA_CONTENT_CNT_MARKDOWN_H

#include "common/fa_err.h"

#include <stddef.h>

/* The most bytes of Markdown one document may have. */
#define CNT_DOC_MAX_BYTES (1024 * 1024)

struct cnt_doc;

/* One heading of level 2 or 3, with the plain text of the section it opens (up to the next
 * heading of level <= 3). The part before the first such heading is section 0, whose level
 * is 1 and whose title and anchor are the page's title and "". */
struct cnt_section {
    int level;         /* 1 (the intro), 2 or 3 */
    const char *title; /* heading text, plain (no markup) */
    const char *anchor;/* the heading's id, "" for the intro */
    const char *text;  /* plain text of the section, for search */
};

/* Renders len bytes of Markdown. name (e.g. "pages/02-hooks.md") prefixes diagnostics:
 * "pages/02-hooks.md:1: no title: the page needs a '# ' heading". Fails with FA_ELIMIT
 * above CNT_DOC_MAX_BYTES, FA_EINVAL for a missing title or bytes that are not UTF-8.
 * On success *out owns the document; free it with cnt_doc_free. */
int cnt_doc_render(const char *markdown, size_t len, const char *name, struct cnt_doc **out,
                   struct fa_diag *diag);
void cnt_doc_free(struct cnt_doc *doc);

/* Renders a piece of Markdown that is not a page (a quiz question's stem, option or
 * explanation): the same dialect, safety and callouts, but no title, heading ids or sections.
 * With inline set, a lone paragraph comes back without its <p> wrapper (for a label). On
 * success *out is a new NUL-terminated string (free with fa_free). FA_ELIMIT above
 * CNT_DOC_MAX_BYTES, FA_EINVAL for bytes that are not UTF-8. Thread-safe. */
int cnt_markdown_fragment(const char *markdown, size_t len, int inline_only, char **out);

/* A fragment's title as one line of plain text, for reports that are pasted anywhere (issue
 * 13: a hand-made version stripped every '_' and '*', so `PySys_AddAuditHook` lost its
 * underscores, and showed raw code fences). The text of the blocks up to and including the
 * first paragraph: emphasis and link marks dropped, code spans verbatim in backticks (a
 * fence that reads back as the same span in Markdown), a code block as "(code: its first
 * line)", line breaks as spaces. *out is new (fa_free). FA_ELIMIT above CNT_DOC_MAX_BYTES,
 * FA_EINVAL for bytes that are not UTF-8. Thread-safe. */
int cnt_markdown_plain_title(const char *markdown, size_t len, char **out);

/* What a document points at or declares, in document order, for the content checks of
 * `fa-learn check` (cnt_check.h): links, images and fenced code blocks, each with the line it
 * starts on (for links and images, the line of the paragraph or cell holding them). */
enum cnt_ref_kind { CNT_REF_LINK, CNT_REF_IMAGE, CNT_REF_CODE };
struct cnt_ref {
    enum cnt_ref_kind kind;
    const char *target; /* the URL as written, or a code block's whole info string */
    const char *text;   /* an image's alt text (plain); "" for links and code */
    int line;
};

/* Borrowed strings, valid until cnt_doc_free. */
const char *cnt_doc_get_title(const struct cnt_doc *doc);
/* The rendered body: everything of the document, title heading included. */
const char *cnt_doc_get_html(const struct cnt_doc *doc, size_t *len);
size_t cnt_doc_n_sections(const struct cnt_doc *doc);
/* i < cnt_doc_n_sections(doc); section 0 always exists. */
const struct cnt_section *cnt_doc_get_section(const struct cnt_doc *doc, size_t i);
size_t cnt_doc_n_refs(const struct cnt_doc *doc);
const struct cnt_ref *cnt_doc_get_ref(const struct cnt_doc *doc, size_t i);
/* Whether some heading of the document (any level) has this id. */
int cnt_doc_has_id(const struct cnt_doc *doc, const char *id);

#endif
