/* srv_sandbox_page.c: the /sandbox page body and its gallery (see srv_sandbox_page.h). */
#include "server/view/srv_sandbox_page.h"

#include "common/fa_dir.h"
#include "common/fa_file.h"
#include "common/fa_html.h"
#include "common/fa_mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every class a trace entry can carry, in the order the page explains them, with one
 * sentence and the wiki section that teaches it (the study wiki fills those anchors). */
static const struct {
    const char *name, *explain, *wiki;
} trace_classes[] = {
    {"allowed", "The event is on FastAudit's allow-list (imports, compile, listing a folder, "
                "sleeping, but also os.fork, exec and sockets): the audit layer does not judge "
                "it, and the OS layer (the jail) decides whether it can actually happen.",
     "/wiki/default-deny-events#allowed-outright"},
    {"read", "Opening a file for reading is allowed anywhere: the jail, not the hook, decides "
             "what can actually be read.",
     "/wiki/directory-modifying-events#reading-is-allowed"},
    {"path-ok", "A write, rename or folder change whose parent folder lies inside an allowed root "
                "(the run's scratch folder).",
     "/wiki/directory-modifying-events#writes-need-a-root"},
    {"path-denied", "A write, rename or folder change whose parent folder lies outside every "
                    "allowed root.",
     "/wiki/directory-modifying-events#writes-need-a-root"},
    {"default-deny", "Anything not known to be safe (starting programs, loading C libraries, "
                     "threads, protected environment variables, changing the policy) is refused.",
     "/wiki/default-deny-events"},
    {"host-allowed", "The host's before_deny callback looked at a denial and allowed it.",
     "/wiki/host-policy#before-deny"},
    {"import-allowed", "The event happened while a module named in the import allowance was "
                       "being imported, so it was allowed.",
     "/wiki/host-policy#allow-imports"},
    {"native-call", "Native call monitoring saw a call into C code that is neither stdlib nor "
                    "declared safe, reported it as fastaudit.call, and the engine refused it.",
     "/wiki/third-party-libraries#native-extensions-can-bypass-audited-paths"},
    {"native-allowed", "A call into native code that the host let through: its on_call (or "
                       "a monitor hook) answered False or DISABLE. Stdlib natives and declared "
                       "safe-native prefixes are never reported at all.",
     "/wiki/host-policy#on-call"},
    {"tampered", "The engine's context variable held something it never stored there, so every "
                 "event is refused.",
     "/wiki/threat-model#tampering-with-the-context"},
    {"subinterpreter", "The event came from a subinterpreter, which Python-level hooks cannot "
                       "see into, so it is refused.",
     "/wiki/threat-model#subinterpreters"},
    {"os-layer", "The jail (seccomp, Landlock, rlimits) refused something FastAudit allowed or "
                 "never saw: the operating system is the real boundary.",
     "/wiki/threat-model#what-the-os-layer-stops"},
};

const char *srv_sandbox_class_wiki(size_t i)
{
    return i < sizeof trace_classes / sizeof trace_classes[0] ? trace_classes[i].wiki : NULL;
}

const char *srv_sandbox_class_wiki_of(const char *name)
{
    for (size_t i = 0; i < sizeof trace_classes / sizeof trace_classes[0]; i++)
        if (strcmp(trace_classes[i].name, name) == 0)
            return trace_classes[i].wiki;
    return NULL;
}

/* Reads dir/name when it is a regular file of at most SRV_SANDBOX_MAX_EXAMPLE_BYTES. */
static int read_example(const char *dir, const char *name, char **out, struct fa_diag *diag)
{
    char *path = fa_xasprintf("%s/%s", dir, name), *buf = NULL;
    size_t len = 0;
    int rc = fa_file_read(path, SRV_SANDBOX_MAX_EXAMPLE_BYTES, 1, &buf, &len, diag);

    if (!rc && memchr(buf, '\0', len)) {
        rc = fa_diag_set(diag, FA_EINVAL, "%s: contains a NUL byte", path);
        fa_free(buf);
        buf = NULL;
    }
    if (!rc)
        *out = buf;
    fa_free(path);
    return rc;
}

/* A header line "# key: value": copies the key, points value at the text after the colon. */
static bool header_line(const char *line, size_t len, const char **value, size_t *value_len,
                        char *key, size_t key_cap)
{
    size_t k = 0, i = 2;

    if (len < 4 || line[0] != '#' || line[1] != ' ')
        return false;
    while (i < len && ((line[i] >= 'a' && line[i] <= 'z') || line[i] == '_') && k + 1 < key_cap)
        key[k++] = line[i++];
    key[k] = '\0';
    if (k == 0 || i >= len || line[i] != ':')
        return false;
    i++;
    while (i < len && line[i] == ' ')
        i++;
    *value = line + i;
    *value_len = len - i;
    while (*value_len && ((*value)[*value_len - 1] == ' ' || (*value)[*value_len - 1] == '\r'))
        (*value_len)--;
    return true;
}

static void parse_example(const char *file_name, const char *text,
                          struct srv_sandbox_example *ex)
{
    const char *p = text;
    size_t name_len = strlen(file_name) - 3;
    const char *dash = memchr(file_name, '-', name_len);

    /* NN-name.py -> name */
    ex->name = dash ? fa_xstrndup(dash + 1, name_len - (size_t)(dash + 1 - file_name))
                    : fa_xstrndup(file_name, name_len);
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        const char *value;
        size_t value_len;
        char key[16];
        char **slot = NULL;

        if (!header_line(p, len, &value, &value_len, key, sizeof key))
            break;
        if (strcmp(key, "title") == 0)
            slot = &ex->title;
        else if (strcmp(key, "concept") == 0)
            slot = &ex->concept;
        else if (strcmp(key, "wiki") == 0)
            slot = &ex->wiki;
        else if (strcmp(key, "args") == 0)
            slot = &ex->args;
        if (slot && !*slot)
            *slot = fa_xstrndup(value, value_len);
        if (!nl) {
            p += len;
            break;
        }
        p = nl + 1;
    }
    while (*p == '\n' || *p == '\r')
        p++;
    ex->code = fa_xstrdup(p);
    if (!ex->title)
        ex->title = fa_xstrdup(ex->name);
    if (ex->wiki && strncmp(ex->wiki, "/wiki/", 6) != 0) {
        fa_free(ex->wiki);
        ex->wiki = NULL;
    }
}

int srv_sandbox_gallery_load(const char *content_dir, struct srv_sandbox_gallery *out,
                             struct fa_diag *diag)
{
    char *dir_path = fa_xasprintf("%s/sandbox", content_dir);
    struct fa_dir_list names = {NULL, 0};
    int rc;

    out->examples = NULL;
    out->n = 0;
    /* The examples are the *.py files not hidden, in name order; no folder is no gallery. */
    rc = fa_dir_list_open(dir_path, fa_dir_keep_suffix, ".py", SRV_SANDBOX_MAX_EXAMPLES, "examples",
                          &names, diag);
    if (rc == FA_ENOTFOUND)
        rc = FA_OK;
    if (!rc && names.n)
        out->examples = fa_xcalloc(names.n, sizeof *out->examples);
    for (size_t i = 0; !rc && i < names.n; i++) {
        char *text = NULL;

        rc = read_example(dir_path, names.names[i], &text, diag);
        if (!rc) {
            parse_example(names.names[i], text, &out->examples[out->n++]);
            fa_free(text);
        }
    }
    fa_dir_list_cleanup(&names);
    fa_free(dir_path);
    if (rc)
        srv_sandbox_gallery_free(out);
    return rc;
}

void srv_sandbox_gallery_free(struct srv_sandbox_gallery *gallery)
{
    for (size_t i = 0; i < gallery->n; i++) {
        struct srv_sandbox_example *ex = &gallery->examples[i];

        fa_free(ex->name);
        fa_free(ex->title);
        fa_free(ex->concept);
        fa_free(ex->wiki);
        fa_free(ex->args);
        fa_free(ex->code);
    }
    fa_free(gallery->examples);
    gallery->examples = NULL;
    gallery->n = 0;
}

/* An attribute ` name="value"` with the value escaped; nothing when value is NULL. name is
 * a literal of this file. */
static void attr(struct fa_html_builder *hb, const char *name, const char *value)
{
    if (!value)
        return;
    fa_html_raw(hb, " ");
    fa_html_raw(hb, name);
    fa_html_raw(hb, "=\"");
    fa_html_attr(hb, value);
    fa_html_raw(hb, "\"");
}

static void render_gallery(const struct srv_sandbox_gallery *g, struct fa_html_builder *hb)
{
    if (!g || g->n == 0)
        return;
    fa_html_raw(hb, "<div class=\"sandbox-gallery\">\n"
                    "<label for=\"sandbox-gallery\">Examples</label>\n"
                    "<div class=\"sandbox-gallery-row\">\n"
                    "<select id=\"sandbox-gallery\" "
                    "aria-describedby=\"sandbox-concept\">\n"
                    "<option value=\"\">Choose an example\xe2\x80\xa6</option>\n");
    for (size_t i = 0; i < g->n; i++) {
        const struct srv_sandbox_example *ex = &g->examples[i];

        fa_html_raw(hb, "<option");
        attr(hb, "value", ex->name);
        attr(hb, "data-concept", ex->concept);
        attr(hb, "data-wiki", ex->wiki);
        attr(hb, "data-args", ex->args);
        fa_html_raw(hb, ">");
        fa_html_text(hb, ex->title);
        fa_html_raw(hb, "</option>\n");
    }
    fa_html_raw(hb, "</select>\n"
                    "<button type=\"button\" id=\"sandbox-load\">Load</button>\n"
                    "</div>\n"
                    "<p id=\"sandbox-concept\" class=\"sandbox-concept\"></p>\n");
    /* The snippets themselves, inert: sandbox.js copies one into the editor. (Templates, not
     * hidden <pre>s, which site.js would give copy buttons.) */
    for (size_t i = 0; i < g->n; i++) {
        fa_html_raw(hb, "<template class=\"sandbox-example\"");
        attr(hb, "data-example", g->examples[i].name);
        fa_html_raw(hb, ">");
        fa_html_text(hb, g->examples[i].code);
        fa_html_raw(hb, "</template>\n");
    }
    fa_html_raw(hb, "</div>\n");
}

static void render_input(const struct srv_sandbox_gallery *g, struct fa_html_builder *hb)
{
    fa_html_raw(hb, "<section class=\"sandbox-input\" aria-labelledby=\"sandbox-code-title\">\n"
                    "<h2 id=\"sandbox-code-title\">Your code</h2>\n");
    render_gallery(g, hb);
    fa_html_raw(
        hb, "<form id=\"sandbox-form\" class=\"sandbox-form\" action=\"/sandbox\" "
            "method=\"get\">\n"
            "<label for=\"sandbox-code\" class=\"visually-hidden\">Python code</label>\n"
            "<textarea id=\"sandbox-code\" name=\"code\" rows=\"16\" spellcheck=\"false\" "
            "autocapitalize=\"off\" autocomplete=\"off\">"
            "print(\"hello from the sandbox\")\n"
            "open(\"/etc/fa-learn-test\", \"w\")\n"
            "</textarea>\n"
            "<div class=\"sandbox-actions\">\n"
            "<button type=\"submit\" id=\"sandbox-run\" class=\"sandbox-run\">Run</button>\n"
            "<span class=\"sandbox-hint\">or press <kbd>Ctrl</kbd>+<kbd>Enter</kbd> "
            "(<kbd>\xe2\x8c\x98</kbd>+<kbd>Enter</kbd> on a Mac) in the editor</span>\n"
            "</div>\n"
            "<details class=\"sandbox-stdin-box\">\n<summary>Input (what <code>input()</code> "
            "reads)</summary>\n"
            "<label for=\"sandbox-stdin\" class=\"visually-hidden\">Input for the run</label>\n"
            "<textarea id=\"sandbox-stdin\" rows=\"3\" maxlength=\"8192\" spellcheck=\"false\" "
            "autocapitalize=\"off\" autocomplete=\"off\" aria-describedby=\"sandbox-stdin-help\">"
            "</textarea>\n<span id=\"sandbox-stdin-help\" class=\"sandbox-help\">Runs have no "
            "keyboard: each <code>input()</code> reads the next line of this box (at most 8 KiB)."
            "</span>\n</details>\n"
            "<fieldset class=\"sandbox-options\">\n<legend>Options</legend>\n"
            "<p><input type=\"checkbox\" id=\"opt-monitoring\" checked> "
            "<label for=\"opt-monitoring\">Native call monitoring (<code>sys.monitoring</code>)"
            "</label></p>\n"
            "<p><input type=\"checkbox\" id=\"opt-disable\" checked> "
            "<label for=\"opt-disable\">The DISABLE trick (report each call site once)</label>"
            "</p>\n"
            "<p><label for=\"opt-safe-native\">Extra safe-native prefixes</label>\n"
            "<input type=\"text\" id=\"opt-safe-native\" placeholder=\"labnative, mypkg.fast\" "
            "autocomplete=\"off\" spellcheck=\"false\" aria-describedby=\"opt-safe-native-help\">"
            "\n<span id=\"opt-safe-native-help\" class=\"sandbox-help\">Comma-separated module "
            "prefixes whose native functions are never reported.</span></p>\n"
            "<p><label for=\"opt-time\">Time limit</label>\n"
            "<select id=\"opt-time\">\n<option value=\"1000\">1 s</option>\n"
            "<option value=\"2000\">2 s</option>\n"
            "<option value=\"5000\" selected>5 s</option>\n"
            "<option value=\"10000\">10 s</option>\n</select></p>\n"
            "<p><label for=\"opt-preset\">Policy preset</label>\n"
            "<select id=\"opt-preset\" aria-describedby=\"opt-preset-help\">\n"
            "<option value=\"fastaudit\" selected>fastaudit</option>\n"
            "<option value=\"hardened\">hardened</option>\n"
            "<option value=\"hook-only\">hook-only</option>\n"
            "<option value=\"strict\">strict</option>\n</select></p>\n"
            "<dl id=\"opt-preset-help\" class=\"sandbox-help\">\n"
            "<dt><code>fastaudit</code></dt><dd>FastAudit 0.2.7's own rules, weaknesses "
            "included: what the library does.</dd>\n"
            "<dt><code>hardened</code></dt><dd>fa-learn's rule set "
            "(<code>mk_audit(..., hardened=True)</code>): FastAudit plus the protections "
            "listed in the sandbox's README.</dd>\n"
            "<dt><code>hook-only</code></dt><dd>The hardened audit hooks alone, without the "
            "native call monitor.</dd>\n"
            "<dt><code>strict</code></dt><dd>Hardened, reads checked against the paths too, "
            "and no DISABLE: every call site keeps paying.</dd>\n</dl>\n"
            "</fieldset>\n</form>\n</section>\n");
}

static void render_classes(struct fa_html_builder *hb)
{
    fa_html_raw(hb, "<details class=\"sandbox-classes-box\">\n"
                    "<summary>What the trace classes mean</summary>\n"
                    "<dl id=\"sandbox-classes\" class=\"sandbox-classes\">\n");

    for (size_t i = 0; i < sizeof trace_classes / sizeof trace_classes[0]; i++) {
        const char *name = trace_classes[i].name, *wiki = trace_classes[i].wiki;

        fa_html_raw(hb, "<dt data-class=\"");
        fa_html_attr(hb, name);
        fa_html_raw(hb, "\"><code>");
        fa_html_text(hb, name);
        fa_html_raw(hb, "</code></dt>\n<dd");
        attr(hb, "data-class", name);
        attr(hb, "data-wiki", wiki);
        fa_html_raw(hb, ">");
        fa_html_text(hb, trace_classes[i].explain);
        fa_html_raw(hb, " <a");
        attr(hb, "href", wiki);
        fa_html_raw(hb, ">Read more</a></dd>\n");
    }
    fa_html_raw(hb, "</dl>\n</details>\n");
}

static void render_results(struct fa_html_builder *hb)
{
    fa_html_raw(
        hb,
        "<section class=\"sandbox-results\" aria-labelledby=\"sandbox-results-title\">\n"
        "<h2 id=\"sandbox-results-title\">Results</h2>\n"
        "<p id=\"sandbox-status\" class=\"sandbox-status\" role=\"status\" aria-live=\"polite\" "
        "aria-atomic=\"true\">Write some Python or load an example, then press Run.</p>\n"
        "<dl id=\"sandbox-summary\" class=\"sandbox-summary\" hidden></dl>\n"
        "<div id=\"sandbox-exception\" class=\"sandbox-exception\" hidden>\n"
        "<h3>Exception</h3>\n<p class=\"sandbox-exception-message\"></p>\n"
        "<ol class=\"sandbox-traceback\" aria-label=\"Traceback, your code only\"></ol>\n</div>\n"
        "<h3 id=\"sandbox-stdout-title\">Output</h3>\n"
        "<div id=\"sandbox-stdout\" class=\"sandbox-pane\" role=\"region\" tabindex=\"0\" "
        "aria-labelledby=\"sandbox-stdout-title\"></div>\n"
        "<h3 id=\"sandbox-stderr-title\">Errors</h3>\n"
        "<div id=\"sandbox-stderr\" class=\"sandbox-pane\" role=\"region\" tabindex=\"0\" "
        "aria-labelledby=\"sandbox-stderr-title\"></div>\n"
        "<h3 id=\"sandbox-trace-title\">FastAudit trace</h3>\n"
        "<div class=\"table-scroll\">\n"
        "<table id=\"sandbox-trace\" class=\"sandbox-trace\">\n"
        "<caption>Every decision the audit engine and the jail took, in order</caption>\n"
        "<thead><tr><th scope=\"col\">Decision and class</th>"
        "<th scope=\"col\">Event</th><th scope=\"col\">Arguments</th>"
        "<th scope=\"col\">Reason</th></tr></thead>\n"
        "<tbody><tr class=\"sandbox-trace-empty\"><td colspan=\"4\">No run yet.</td></tr>"
        "</tbody>\n</table>\n</div>\n");
    render_classes(hb);
    fa_html_raw(hb, "</section>\n");
}

int srv_sandbox_page_render(const struct srv_sandbox_gallery *gallery, struct fa_buf *out)
{
    struct fa_html_builder builder, *hb = &builder;

    fa_html_init_into(hb, out);
    fa_html_raw(
        hb, "<h1>Sandbox</h1>\n"
            "<p class=\"sandbox-intro\">Run Python under the FastAudit engine, inside a jail "
            "(seccomp, Landlock, rlimits, a scratch folder of its own), and see every decision: "
            "what was allowed, what was denied and by which rule, and what the operating system "
            "stopped.</p>\n"
            "<noscript><p class=\"sandbox-noscript\">The sandbox needs JavaScript to send your "
            "code and show the results. The examples and the <a href=\"/wiki\">study wiki</a> "
            "work without it.</p></noscript>\n"
            "<div class=\"sandbox\">\n");

    render_input(gallery, hb);
    render_results(hb);
    fa_html_raw(hb, "</div>\n");
    return fa_html_errcode(hb);
}
