/* cnt_markdown.c: one Markdown document to safe HTML with cmark-gfm, plus the structure a
 * page needs around it (title, heading ids, callouts, sections with their plain text).
 * The only file of fa-learn that includes cmark-gfm. Contract: content/cnt_markdown.h;
 * the rules as authors see them: content/README.md.
 *
 * Technique: parse to an AST, rewrite it, render it with cmark's own HTML renderer in safe
 * mode. Callout block quotes and headings are replaced by CUSTOM nodes whose on_enter and
 * on_exit texts carry our markup; cmark emits those texts verbatim even in safe mode, and
 * everything we put in them is either a constant or a heading id made of [a-z0-9-] and
 * non-ASCII letters (valid UTF-8 without '"', '<', '>' or '&'; see heading_slug). */
#include "content/cnt_markdown.h"
#include "content/cnt_heading_ids.h"

#include "common/fa_buf.h"
#include "common/fa_mem.h"
#include "common/fa_utf8.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* cmark-gfm declares some functions with () instead of (void); that only warns when its
 * headers are not found in a system include folder, but then it would break -Werror. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#pragma GCC diagnostic pop

/* Plain text can outgrow the source a little (tabs expanded in code, separators between
 * blocks); this bound only stops a runaway, it is never reached by a real page. */
#define TEXT_MAX (4 * (size_t)CNT_DOC_MAX_BYTES)

/* CMARK_OPT_SAFE does nothing in cmark-gfm >= 0.29 (safe is the default there) but keeps an
 * older library safe too. CMARK_OPT_UNSAFE must never appear here: see cnt_markdown.h. */
#define RENDER_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_SAFE)

/* cmark allocates through this, so its trees and output follow the fa_x* rules (abort on
 * out-of-memory) and the rendered HTML can be kept and released with fa_free. */
static cmark_mem fa_cmark_mem = {fa_xcalloc, fa_xrealloc, fa_free};

/* cmark-gfm 0.29 keeps the table of special inline characters in a global that every parse
 * with extensions writes (github/cmark-gfm#176), so parses must not overlap. */
static pthread_mutex_t cmark_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t extensions_once = PTHREAD_ONCE_INIT;

static const char *const extension_names[] = {"table", "autolink", "strikethrough", "tasklist"};

struct callout_kind {
    const char *marker; /* matched without regard to case, as GitHub does */
    const char *on_enter;
};

static const struct callout_kind callout_kinds[] = {
    {"[!NOTE]", "<div class=\"callout callout-note\" role=\"note\">\n"
                "<p class=\"callout-title\">Note</p>"},
    {"[!TIP]", "<div class=\"callout callout-tip\" role=\"note\">\n"
               "<p class=\"callout-title\">Tip</p>"},
    {"[!WARNING]", "<div class=\"callout callout-warning\" role=\"note\">\n"
                   "<p class=\"callout-title\">Warning</p>"},
};

struct doc_section {
    struct cnt_section pub; /* its strings point at the three below */
    char *title;
    char *anchor;
    char *text;
};

struct doc_ref {
    struct cnt_ref pub; /* its strings point at the two below */
    char *target;
    char *text;
};

struct cnt_doc {
    char *html; /* from cmark, allocated through fa_cmark_mem */
    size_t html_len;
    char *title;
    struct doc_section *sections;
    size_t n_sections;
    struct doc_ref *refs;
    size_t n_refs;
    char **ids; /* every heading's id */
    size_t n_ids;
};

/* A heading met while walking the tree, before the tree is rewritten. */
struct heading {
    cmark_node *node;
    int level;
    char *text; /* plain */
    char *id;
    bool detached; /* node was unlinked by give_id; walk_cleanup frees it, after the render */
};

/* Section under construction: title and heading index are known, the text grows. */
struct section_draft {
    int level;
    char *title;
    size_t heading; /* index into headings, SIZE_MAX for the intro */
    char *text;
};

struct walk {
    struct heading *headings;
    size_t n_headings, cap_headings;
    struct section_draft *sections;
    size_t n_sections, cap_sections;
    size_t title_heading; /* SIZE_MAX until the first level-1 heading */
    struct fa_buf text;   /* the current section's plain text */
    struct fa_buf heading_text;
    struct doc_ref *refs;
    size_t n_refs, cap_refs;
    struct fa_buf alt_text; /* of the image being walked */
    bool in_image;
};

/* The line of node, or of the nearest block around it (inline nodes may have none). */
static int line_of_node(cmark_node *node)
{
    for (; node; node = cmark_node_parent(node))
        if (cmark_node_get_start_line(node) > 0)
            return cmark_node_get_start_line(node);
    return 1;
}

static void add_ref(struct walk *w, enum cnt_ref_kind kind, const char *target, const char *text,
                    cmark_node *node)
{
    if (w->n_refs == w->cap_refs) {
        w->cap_refs = w->cap_refs ? 2 * w->cap_refs : 16;
        w->refs = fa_xrealloc(w->refs, w->cap_refs * sizeof *w->refs);
    }
    {
        struct doc_ref *r = &w->refs[w->n_refs++];
        r->target = fa_xstrdup(target ? target : "");
        r->text = fa_xstrdup(text ? text : "");
        r->pub = (struct cnt_ref){kind, r->target, r->text, line_of_node(node)};
    }
}

static void on_register_extensions(void) { cmark_gfm_core_extensions_ensure_registered(); }


static size_t line_of(const char *s, size_t offset)
{
    size_t line = 1;

    for (size_t i = 0; i < offset; i++) {
        if (s[i] == '\n')
            line++;
    }
    return line;
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;

        if (x >= 'a' && x <= 'z')
            x = (char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 'a' + 'A');
        if (x != y)
            return false;
    }
    return *a == *b;
}

static bool is_break(cmark_node *node)
{
    cmark_node_type type = cmark_node_get_type(node);

    return type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK;
}

/* The callout kind of a block quote, or NULL. The marker must be the whole first line of
 * the quote's first paragraph: "> [!NOTE] text" stays an ordinary quote, like on GitHub. */
static const struct callout_kind *callout_of(cmark_node *quote)
{
    cmark_node *para = cmark_node_first_child(quote);
    cmark_node *text = cmark_node_first_child(para);
    cmark_node *after = cmark_node_next(text);
    const char *literal;

    if (cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH ||
        cmark_node_get_type(text) != CMARK_NODE_TEXT || (after && !is_break(after)))
        return NULL;
    literal = cmark_node_get_literal(text);
    for (size_t i = 0; literal && i < sizeof callout_kinds / sizeof callout_kinds[0]; i++) {
        if (ascii_ieq(literal, callout_kinds[i].marker))
            return &callout_kinds[i];
    }
    return NULL;
}

/* Moves every child of from to the end of to. */
static int move_children(cmark_node *from, cmark_node *to)
{
    cmark_node *child = cmark_node_first_child(from);

    while (child) {
        cmark_node *next = cmark_node_next(child);

        cmark_node_unlink(child);
        if (!cmark_node_append_child(to, child))
            return FA_EINVAL;
        child = next;
    }
    return FA_OK;
}

/* Turns the block quote into a callout: drops the marker line, then puts the remaining
 * blocks in a custom block that writes the callout's <div> around them. */
static int make_callout(cmark_node *quote, const struct callout_kind *kind)
{
    cmark_node *para = cmark_node_first_child(quote);
    cmark_node *marker = cmark_node_first_child(para);
    cmark_node *box = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, &fa_cmark_mem);
    int rc;

    if (cmark_node_next(marker))
        cmark_node_free(cmark_node_next(marker)); /* the line break after the marker */
    cmark_node_free(marker);
    if (!cmark_node_first_child(para))
        cmark_node_free(para);
    if (!cmark_node_set_on_enter(box, kind->on_enter) || !cmark_node_set_on_exit(box, "</div>") ||
        !cmark_node_insert_before(quote, box)) {
        cmark_node_free(box);
        return FA_EINVAL;
    }
    rc = move_children(quote, box);
    cmark_node_free(quote);
    return rc;
}

static int convert_callouts(cmark_node *root)
{
    cmark_iter *iter = cmark_iter_new(root);
    cmark_node **quotes = NULL;
    const struct callout_kind **kinds = NULL;
    size_t n_quotes = 0, cap = 0;
    int rc = FA_OK;

    /* The tree changes only after the walk: cmark's iterator must not see edits. */
    for (;;) {
        cmark_event_type ev = cmark_iter_next(iter);
        cmark_node *node = cmark_iter_get_node(iter);
        const struct callout_kind *kind;

        if (ev == CMARK_EVENT_DONE)
            break;
        if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_BLOCK_QUOTE)
            continue;
        kind = callout_of(node);
        if (!kind)
            continue;
        if (n_quotes == cap) {
            cap = cap ? cap * 2 : 8;
            quotes = fa_xrealloc(quotes, cap * sizeof *quotes);
            kinds = fa_xrealloc(kinds, cap * sizeof *kinds);
        }
        quotes[n_quotes] = node;
        kinds[n_quotes++] = kind;
    }
    for (size_t i = 0; i < n_quotes && !rc; i++)
        rc = make_callout(quotes[i], kinds[i]);
    fa_free(kinds);
    fa_free(quotes);
    cmark_iter_free(iter);
    return rc;
}

/* Appends one separator unless the text is empty or already ends in white space. */
static int separate(struct fa_buf *b, char sep)
{
    if (b->len == 0 || b->ptr[b->len - 1] == ' ' || b->ptr[b->len - 1] == '\n')
        return FA_OK;
    return fa_buf_append(b, &sep, 1);
}

static char *trimmed_copy(const struct fa_buf *b)
{
    size_t start = 0, end = b->len;

    while (start < end && (b->ptr[start] == ' ' || b->ptr[start] == '\n'))
        start++;
    while (end > start && (b->ptr[end - 1] == ' ' || b->ptr[end - 1] == '\n'))
        end--;
    return fa_xstrndup(b->ptr ? b->ptr + start : "", end - start);
}

static void close_section(struct walk *w)
{
    w->sections[w->n_sections - 1].text = trimmed_copy(&w->text);
    fa_buf_reset(&w->text);
}

static void open_section(struct walk *w, int level, const char *title, size_t heading)
{
    struct section_draft *s;

    if (w->n_sections == w->cap_sections) {
        w->cap_sections = w->cap_sections ? 2 * w->cap_sections : 16;
        w->sections = fa_xrealloc(w->sections, w->cap_sections * sizeof *w->sections);
    }
    s = &w->sections[w->n_sections++];
    s->level = level;
    s->title = fa_xstrdup(title);
    s->heading = heading;
    s->text = NULL;
}

/* A heading is complete: record it, and let levels 2 and 3 start a section. The page
 * title's text stays out of the intro's text (it is the intro's title already); deeper
 * headings, and any level-1 heading after the title, are ordinary text of their section. */
static int end_heading(struct walk *w, cmark_node *node)
{
    struct heading *h;
    size_t index = w->n_headings;

    if (w->n_headings == w->cap_headings) {
        w->cap_headings = w->cap_headings ? 2 * w->cap_headings : 16;
        w->headings = fa_xrealloc(w->headings, w->cap_headings * sizeof *w->headings);
    }
    h = &w->headings[w->n_headings++];
    h->node = node;
    h->level = cmark_node_get_heading_level(node);
    h->text = trimmed_copy(&w->heading_text);
    h->id = NULL;
    h->detached = false;
    fa_buf_reset(&w->heading_text);

    if (h->level == 1 && w->title_heading == SIZE_MAX) {
        w->title_heading = index;
        return FA_OK;
    }
    if (h->level == 2 || h->level == 3) {
        close_section(w);
        open_section(w, h->level, h->text, index);
        return FA_OK;
    }
    if (separate(&w->text, '\n') || fa_buf_puts(&w->text, h->text) || separate(&w->text, '\n'))
        return FA_ELIMIT;
    return FA_OK;
}

/* One pass in document order: headings with their plain text, and the sections' text.
 * Raw HTML contributes nothing, as it is not shown either. */
static int walk_tree(cmark_node *root, struct walk *w)
{
    cmark_iter *iter = cmark_iter_new(root);
    cmark_node *heading = NULL;
    int rc = FA_OK;

    open_section(w, 1, "", SIZE_MAX);
    while (!rc) {
        cmark_event_type ev = cmark_iter_next(iter);
        cmark_node *node = cmark_iter_get_node(iter);
        cmark_node_type type = cmark_node_get_type(node);
        struct fa_buf *out = heading ? &w->heading_text : &w->text;

        if (ev == CMARK_EVENT_DONE)
            break;
        if (type == CMARK_NODE_HEADING) {
            if (ev == CMARK_EVENT_ENTER) {
                heading = node;
            } else {
                heading = NULL;
                rc = end_heading(w, node);
            }
            continue;
        }
        if (type == CMARK_NODE_LINK && ev == CMARK_EVENT_ENTER)
            add_ref(w, CNT_REF_LINK, cmark_node_get_url(node), "", node);
        if (type == CMARK_NODE_IMAGE) {
            w->in_image = ev == CMARK_EVENT_ENTER;
            if (ev == CMARK_EVENT_EXIT) {
                char *alt = trimmed_copy(&w->alt_text);
                add_ref(w, CNT_REF_IMAGE, cmark_node_get_url(node), alt, node);
                fa_free(alt);
                fa_buf_reset(&w->alt_text);
            }
        }
        if (type == CMARK_NODE_CODE_BLOCK) {
            int fence_len, fence_offset;
            char fence_char;
            if (cmark_node_get_fenced(node, &fence_len, &fence_offset, &fence_char))
                add_ref(w, CNT_REF_CODE, cmark_node_get_fence_info(node), "", node);
        }
        if (w->in_image && (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE) &&
            fa_buf_puts(&w->alt_text, cmark_node_get_literal(node)))
            rc = FA_ELIMIT;
        switch (type) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE: rc = fa_buf_puts(out, cmark_node_get_literal(node)); break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK: rc = separate(out, ' '); break;
        case CMARK_NODE_CODE_BLOCK:
            rc = separate(out, '\n');
            if (!rc)
                rc = fa_buf_puts(out, cmark_node_get_literal(node));
            if (!rc)
                rc = separate(out, '\n');
            break;
        default:
            /* Block boundaries (table cells included: the table extension's nodes are
             * blocks) must not glue the words on either side together. */
            if ((type & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK)
                rc = separate(out, '\n');
            break;
        }
    }
    if (!rc)
        close_section(w);
    cmark_iter_free(iter);
    return rc;
}

/* Gives every heading its id (cnt_heading_ids.h). */
static void assign_ids(struct heading *headings, size_t n_headings)
{
    const char **texts = fa_xcalloc(n_headings + 1, sizeof *texts);
    char **ids = fa_xcalloc(n_headings + 1, sizeof *ids);

    for (size_t i = 0; i < n_headings; i++)
        texts[i] = headings[i].text;
    cnt_heading_ids(texts, ids, n_headings);
    for (size_t i = 0; i < n_headings; i++)
        headings[i].id = ids[i];
    fa_free(ids);
    fa_free(texts);
}

/* Replaces the heading by a custom block holding a custom inline that writes
 * <hN id="..."> and </hN> around the heading's inlines. The custom block writes nothing
 * itself; it is there because a block position needs a block node, and it makes cmark put
 * the same line breaks around the heading as for a plain one. */
static int give_id(struct heading *h)
{
    cmark_node *block = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, &fa_cmark_mem);
    cmark_node *tag = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_INLINE, &fa_cmark_mem);
    char open[CNT_ID_CAP + 32], close[8];
    int rc = FA_EINVAL;

    snprintf(open, sizeof open, "<h%d id=\"%s\">", h->level, h->id);
    snprintf(close, sizeof close, "</h%d>", h->level);
    if (!cmark_node_set_on_enter(block, "") || !cmark_node_set_on_exit(block, "") ||
        !cmark_node_set_on_enter(tag, open) || !cmark_node_set_on_exit(tag, close) ||
        !cmark_node_append_child(block, tag)) {
        cmark_node_free(tag);
        goto out;
    }
    rc = move_children(h->node, tag);
    if (!rc && !cmark_node_insert_before(h->node, block))
        rc = FA_EINVAL;
out:
    if (rc) {
        cmark_node_free(block);
    } else {
        /* Unlinked, not freed: cmark-gfm 0.29's inline nodes keep their text as a view into
         * their block's buffer until something reads it, and the walk reads only text and
         * code. Raw HTML in an image's alt text (`# ![a<p>]()`) is read by the renderer
         * from the heading's buffer; freeing the heading here made that a use after free
         * (found by fuzz/fuzz_markdown). */
        cmark_node_unlink(h->node);
        h->detached = true;
    }
    return rc;
}

static void walk_cleanup(struct walk *w)
{
    for (size_t i = 0; i < w->n_headings; i++) {
        fa_free(w->headings[i].text);
        fa_free(w->headings[i].id);
        if (w->headings[i].detached)
            cmark_node_free(w->headings[i].node);
    }
    for (size_t i = 0; i < w->n_sections; i++) {
        fa_free(w->sections[i].title);
        fa_free(w->sections[i].text);
    }
    fa_free(w->headings);
    fa_free(w->sections);
    fa_buf_cleanup(&w->text);
    fa_buf_cleanup(&w->heading_text);
    fa_buf_cleanup(&w->alt_text);
    for (size_t i = 0; i < w->n_refs; i++) {
        fa_free(w->refs[i].target);
        fa_free(w->refs[i].text);
    }
    fa_free(w->refs);
}

/* Moves the walk's results into doc; w keeps only what doc does not need. */
static void fill_doc(struct cnt_doc *doc, struct walk *w)
{
    doc->title = fa_xstrdup(w->headings[w->title_heading].text);
    doc->n_sections = w->n_sections;
    doc->sections = fa_xcalloc(w->n_sections, sizeof *doc->sections);
    for (size_t i = 0; i < w->n_sections; i++) {
        struct section_draft *from = &w->sections[i];
        struct doc_section *to = &doc->sections[i];

        to->title = i == 0 ? fa_xstrdup(doc->title) : from->title;
        if (i == 0)
            fa_free(from->title);
        to->anchor = fa_xstrdup(from->heading == SIZE_MAX ? "" : w->headings[from->heading].id);
        to->text = from->text;
        from->title = NULL;
        from->text = NULL;
        to->pub.level = from->level;
        to->pub.title = to->title;
        to->pub.anchor = to->anchor;
        to->pub.text = to->text;
    }
    doc->refs = w->refs;
    doc->n_refs = w->n_refs;
    w->refs = NULL;
    w->n_refs = 0;
    doc->ids = fa_xcalloc(w->n_headings ? w->n_headings : 1, sizeof *doc->ids);
    for (size_t i = 0; i < w->n_headings; i++)
        doc->ids[doc->n_ids++] = fa_xstrdup(w->headings[i].id ? w->headings[i].id : "");
}

/* Parses, rewrites and renders under cmark_lock; fills doc. */
static int render_locked(const char *markdown, size_t len, const char *name, struct cnt_doc *doc,
                         struct fa_diag *diag)
{
    cmark_parser *parser = cmark_parser_new_with_mem(RENDER_OPTIONS, &fa_cmark_mem);
    cmark_node *root = NULL;
    struct walk w = {.title_heading = SIZE_MAX};
    int rc = FA_OK;

    fa_buf_init(&w.text, TEXT_MAX);
    fa_buf_init(&w.heading_text, TEXT_MAX);
    fa_buf_init(&w.alt_text, TEXT_MAX);
    for (size_t i = 0; i < sizeof extension_names / sizeof extension_names[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(extension_names[i]);

        if (!ext || !cmark_parser_attach_syntax_extension(parser, ext)) {
            rc = fa_diag_set(diag, FA_EINVAL, "%s: cmark-gfm has no '%s' extension", name,
                             extension_names[i]);
            goto out;
        }
    }
    cmark_parser_feed(parser, markdown, len);
    root = cmark_parser_finish(parser);
    cmark_consolidate_text_nodes(root);

    rc = convert_callouts(root);
    if (!rc)
        rc = walk_tree(root, &w);
    if (rc) {
        rc = fa_diag_set(diag, rc, "%s:1: cannot render: %s", name, fa_strerror(rc));
        goto out;
    }
    if (w.title_heading == SIZE_MAX) {
        rc = fa_diag_set(diag, FA_EINVAL, "%s:1: no title: the page needs a '# ' heading", name);
        goto out;
    }
    if (!w.headings[w.title_heading].text[0]) {
        rc = fa_diag_set(diag, FA_EINVAL, "%s:%d: empty title: the '# ' heading needs text", name,
                         cmark_node_get_start_line(w.headings[w.title_heading].node));
        goto out;
    }
    assign_ids(w.headings, w.n_headings);
    for (size_t i = 0; i < w.n_headings && !rc; i++)
        rc = give_id(&w.headings[i]);
    if (rc) {
        rc = fa_diag_set(diag, rc, "%s:1: cannot render: cmark refused a tree edit", name);
        goto out;
    }
    doc->html = cmark_render_html_with_mem(
        root, RENDER_OPTIONS, cmark_parser_get_syntax_extensions(parser), &fa_cmark_mem);
    doc->html_len = strlen(doc->html);
    fill_doc(doc, &w);
out:
    walk_cleanup(&w);
    if (root)
        cmark_node_free(root);
    cmark_parser_free(parser);
    return rc;
}

int cnt_doc_render(const char *markdown, size_t len, const char *name, struct cnt_doc **out,
                   struct fa_diag *diag)
{
    struct cnt_doc *doc = NULL;
    size_t bad;
    int rc;

    if (!name)
        name = "(markdown)";
    if (len > CNT_DOC_MAX_BYTES)
        return fa_diag_set(diag, FA_ELIMIT, "%s:1: too big: %zu bytes, the limit is %d", name, len,
                           CNT_DOC_MAX_BYTES);
    if (!markdown && len)
        return fa_diag_set(diag, FA_EINVAL, "%s:1: no text", name);
    if (!markdown)
        markdown = "";
    bad = fa_utf8_bad_offset(markdown, len);
    if (bad < len)
        return fa_diag_set(diag, FA_EINVAL, "%s:%zu: not UTF-8: byte 0x%02x at offset %zu", name,
                           line_of(markdown, bad), (unsigned char)markdown[bad], bad);

    pthread_once(&extensions_once, on_register_extensions);
    doc = fa_xcalloc(1, sizeof *doc);
    pthread_mutex_lock(&cmark_lock);
    rc = render_locked(markdown, len, name, doc, diag);
    pthread_mutex_unlock(&cmark_lock);
    if (rc)
        goto out;
    *out = doc;
    doc = NULL;
out:
    cnt_doc_free(doc);
    return rc;
}

void cnt_doc_free(struct cnt_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->n_sections; i++) {
        fa_free(doc->sections[i].title);
        fa_free(doc->sections[i].anchor);
        fa_free(doc->sections[i].text);
    }
    fa_free(doc->sections);
    for (size_t i = 0; i < doc->n_refs; i++) {
        fa_free(doc->refs[i].target);
        fa_free(doc->refs[i].text);
    }
    fa_free(doc->refs);
    for (size_t i = 0; i < doc->n_ids; i++)
        fa_free(doc->ids[i]);
    fa_free(doc->ids);
    fa_free(doc->title);
    fa_free(doc->html);
    fa_free(doc);
}

const char *cnt_doc_get_title(const struct cnt_doc *doc) { return doc->title; }

const char *cnt_doc_get_html(const struct cnt_doc *doc, size_t *len)
{
    if (len)
        *len = doc->html_len;
    return doc->html;
}

size_t cnt_doc_n_sections(const struct cnt_doc *doc) { return doc->n_sections; }

const struct cnt_section *cnt_doc_get_section(const struct cnt_doc *doc, size_t i)
{
    return i < doc->n_sections ? &doc->sections[i].pub : NULL;
}

size_t cnt_doc_n_refs(const struct cnt_doc *doc) { return doc->n_refs; }

const struct cnt_ref *cnt_doc_get_ref(const struct cnt_doc *doc, size_t i)
{
    return i < doc->n_refs ? &doc->refs[i].pub : NULL;
}

int cnt_doc_has_id(const struct cnt_doc *doc, const char *id)
{
    for (size_t i = 0; i < doc->n_ids; i++)
        if (strcmp(doc->ids[i], id) == 0)
            return 1;
    return 0;
}

/* Parses a fragment with the site's dialect; call with cmark_lock held. The caller frees
 * the tree and then the parser (which owns the extensions the tree refers to). */
static cmark_node *parse_fragment(const char *markdown, size_t len, cmark_parser **parser)
{
    pthread_once(&extensions_once, on_register_extensions);
    *parser = cmark_parser_new_with_mem(RENDER_OPTIONS, &fa_cmark_mem);
    for (size_t i = 0; i < sizeof extension_names / sizeof extension_names[0]; i++) {
        cmark_syntax_extension *ext = cmark_find_syntax_extension(extension_names[i]);
        if (ext)
            cmark_parser_attach_syntax_extension(*parser, ext);
    }
    cmark_parser_feed(*parser, markdown, len);
    return cmark_parser_finish(*parser);
}

int cnt_markdown_fragment(const char *markdown, size_t len, int inline_only, char **out)
{
    cmark_parser *parser;
    cmark_node *root;
    char *html = NULL;
    int rc = FA_OK;

    if (len > CNT_DOC_MAX_BYTES)
        return FA_ELIMIT;
    if (fa_utf8_bad_offset(markdown, len) < len)
        return FA_EINVAL;
    pthread_mutex_lock(&cmark_lock);
    root = parse_fragment(markdown, len, &parser);
    rc = convert_callouts(root);
    if (!rc)
        html = cmark_render_html_with_mem(root, RENDER_OPTIONS,
                                          cmark_parser_get_syntax_extensions(parser),
                                          &fa_cmark_mem);
    cmark_node_free(root);
    cmark_parser_free(parser);
    pthread_mutex_unlock(&cmark_lock);
    if (rc)
        return rc;
    if (inline_only) {
        size_t n = strlen(html);
        /* One paragraph and nothing else: "<p>...</p>\n" with no other "<p>" inside. */
        if (n >= 8 && strncmp(html, "<p>", 3) == 0 && strcmp(html + n - 5, "</p>\n") == 0 &&
            !strstr(html + 3, "<p>")) {
            memmove(html, html + 3, n - 8);
            html[n - 8] = '\0';
        }
    }
    *out = html;
    return FA_OK;
}

/* Appends a code span's text in backticks, with a fence longer than any run of backticks in
 * it (and spaces inside when it starts or ends with one), so that it reads back as the same
 * code span in Markdown. */
static int append_code_span(struct fa_buf *out, const char *code)
{
    size_t longest = 0, run = 0;
    bool pad;
    int rc = 0;

    for (const char *p = code; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    pad = code[0] == '`' || (code[0] && code[strlen(code) - 1] == '`');
    for (size_t i = 0; i <= longest && !rc; i++)
        rc = fa_buf_puts(out, "`");
    if (!rc)
        rc = fa_buf_printf(out, "%s%s%s", pad ? " " : "", code, pad ? " " : "");
    for (size_t i = 0; i <= longest && !rc; i++)
        rc = fa_buf_puts(out, "`");
    return rc;
}

/* Appends one space unless out is empty or already ends with one. */
static int space(struct fa_buf *out)
{
    return out->len == 0 || out->ptr[out->len - 1] == ' ' ? 0 : fa_buf_puts(out, " ");
}

int cnt_markdown_plain_title(const char *markdown, size_t len, char **out)
{
    struct fa_buf text, code_lines;
    cmark_parser *parser;
    cmark_node *root;
    cmark_iter *iter;
    int rc = FA_OK;

    if (len > CNT_DOC_MAX_BYTES)
        return FA_ELIMIT;
    if (fa_utf8_bad_offset(markdown, len) < len)
        return FA_EINVAL;
    fa_buf_init(&text, len + 64);
    fa_buf_init(&code_lines, len + 64);
    pthread_mutex_lock(&cmark_lock);
    root = parse_fragment(markdown, len, &parser);
    iter = cmark_iter_new(root);
    while (!rc) {
        cmark_event_type ev = cmark_iter_next(iter);
        cmark_node *node = cmark_iter_get_node(iter);
        cmark_node_type type = cmark_node_get_type(node);

        if (ev == CMARK_EVENT_DONE)
            break;
        /* The first paragraph ends the title; code blocks before it come after it, so that
         * the question leads (a short title is cut at its end). */
        if (ev == CMARK_EVENT_EXIT && type == CMARK_NODE_PARAGRAPH &&
            cmark_node_parent(node) == root)
            break;
        if (ev == CMARK_EVENT_EXIT)
            continue;
        switch (type) {
        case CMARK_NODE_TEXT: rc = fa_buf_puts(&text, cmark_node_get_literal(node)); break;
        case CMARK_NODE_CODE: rc = append_code_span(&text, cmark_node_get_literal(node)); break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK: rc = space(&text); break;
        case CMARK_NODE_CODE_BLOCK: {
            /* Summarised as its first line that says something. */
            const char *code = cmark_node_get_literal(node);
            size_t n;
            while (*code == '\n' || *code == ' ')
                code++;
            n = strcspn(code, "\n");
            rc = space(&code_lines);
            if (!rc)
                rc = n ? fa_buf_printf(&code_lines, "(code: %.*s)", (int)n, code)
                       : fa_buf_puts(&code_lines, "(code)");
            break;
        }
        default:
            if ((type & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK)
                rc = space(&text);
            break;
        }
    }
    cmark_iter_free(iter);
    cmark_node_free(root);
    cmark_parser_free(parser);
    pthread_mutex_unlock(&cmark_lock);
    while (!rc && text.len && text.ptr[text.len - 1] == ' ')
        text.ptr[--text.len] = '\0';
    if (!rc && code_lines.len)
        rc = fa_buf_printf(&text, "%s%s", text.len ? " " : "", code_lines.ptr);
    if (!rc)
        *out = fa_xstrdup(text.ptr ? text.ptr : "");
    fa_buf_cleanup(&text);
    fa_buf_cleanup(&code_lines);
    return rc ? FA_ELIMIT : FA_OK;
}
