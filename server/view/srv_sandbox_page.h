/* srv_sandbox_page.h: the body of the /sandbox page (the editor, the options, the result panes,
 * the trace table and what each trace class means) and its gallery of example snippets, read
 * from CONTENT/sandbox/NN-name.py at site build. Every text taken from a file is HTML-escaped.
 * static/js/sandbox.js is written against the ids and classes rendered here. Thread-safe (no
 * state); a gallery is immutable once loaded. */
#ifndef FA_SERVER_VIEW_SRV_SANDBOX_PAGE_H
#define FA_SERVER_VIEW_SRV_SANDBOX_PAGE_H

#include "common/fa_buf.h"
#include "common/fa_err.h"

#include <stddef.h>

/* Limits on the gallery: a snippet larger than the sandbox accepts could not run anyway. */
#define SRV_SANDBOX_MAX_EXAMPLES 100
#define SRV_SANDBOX_MAX_EXAMPLE_BYTES (64 * 1024)

/* One example, from the header of its file:
 *   # title: ...      shown in the gallery (defaults to the file name)
 *   # concept: ...    one sentence naming the concept it shows
 *   # wiki: /wiki/... where to read more (ignored unless it starts with /wiki/)
 *   # args: ...       fa-learn run flags (--no-monitoring, --time-limit MS), set as options
 *   # expect: ...     checked by tests/sandbox/test_gallery.py, not shown
 * code is the file without that header block (the leading "# key: value" lines). */
struct srv_sandbox_example {
    char *name; /* the file name without NN- and .py: "subprocess-denied" */
    char *title, *concept, *wiki, *args, *code;
};

struct srv_sandbox_gallery {
    struct srv_sandbox_example *examples;
    size_t n;
};

/* Loads every regular file CONTENT_DIR/sandbox/NN-name.py in the byte order of the names. A missing
 * sandbox/ folder is an empty gallery; an unreadable or oversized file, or one with a NUL
 * byte, fails with a message in diag. */
int srv_sandbox_gallery_load(const char *content_dir, struct srv_sandbox_gallery *out,
                             struct fa_diag *diag);
void srv_sandbox_gallery_free(struct srv_sandbox_gallery *gallery);

/* The wiki section that explains trace class i (in the page's order), or NULL past the last:
 * for the link checks of `fa-learn check`. */
const char *srv_sandbox_class_wiki(size_t i);
/* The wiki section that explains the trace class named name ("default-deny"), or NULL. */
const char *srv_sandbox_class_wiki_of(const char *name);

/* Appends the body HTML of /sandbox (no layout) to out. Fails only with FA_ELIMIT. */
int srv_sandbox_page_render(const struct srv_sandbox_gallery *gallery, struct fa_buf *out);

#endif
