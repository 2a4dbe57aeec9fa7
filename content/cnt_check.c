/* cnt_check.c: links, images and code marks of a loaded wiki (see cnt_check.h). */
#include "content/cnt_check.h"

#include "common/fa_preset.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The expectation keys a runnable block may state (tests/content/check_examples.py reads
 * them), and the statuses a run can end with. */
static const char *const pyrun_keys[] = {"status", "deny",  "allow",  "class", "exception",
                                         "stdout", "limit", "signal", "preset"};
static const char *const statuses[] = {"ok", "error", "denied", "limit", "crash"};

static bool in_list(const char *word, size_t len, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], word, len) == 0)
            return true;
    return false;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A /static/ file: a plain relative path (no "..", no empty or hidden parts) that names a
 * regular file of the static folder. */
static const char *check_static(const struct cnt_check_env *env, const char *rel, size_t len,
                                char *why, size_t why_len)
{
    char path[4096];
    struct stat st;

    if (len == 0 || len >= sizeof path - strlen(env->static_dir) - 2)
        return snprintf(why, why_len, "no such file under /static/"), why;
    for (size_t i = 0; i < len;) {
        size_t part = strcspn(rel + i, "/");
        if (part > len - i)
            part = len - i;
        if (part == 0 || rel[i] == '.')
            return snprintf(why, why_len, "not a plain path under /static/"), why;
        i += part + 1;
    }
    snprintf(path, sizeof path, "%s/%.*s", env->static_dir, (int)len, rel);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return snprintf(why, why_len, "no file static/%.*s", (int)len, rel), why;
    return NULL;
}

const char *cnt_check_link(const struct cnt_site *site, const struct cnt_check_env *env,
                           const struct cnt_doc *doc, const char *url, char *why, size_t len)
{
    size_t path_len = strcspn(url, "?#");
    const char *fragment = strchr(url, '#');

    if (strstr(url, "://") || has_prefix(url, "mailto:"))
        return NULL; /* another site: not followed */
    if (url[0] == '#') {
        if (doc && cnt_doc_has_id(doc, url + 1))
            return NULL;
        return snprintf(why, len, "no heading with id '%s' on this page", url + 1), why;
    }
    if (url[0] != '/')
        return snprintf(why, len, "relative link '%s': write it from the site's root "
                                  "(/wiki/<slug>)", url), why;
    if (has_prefix(url, "/static/"))
        return check_static(env, url + 8, path_len - 8, why, len);
    if (path_len == 6 && has_prefix(url, "/wiki/"))
        return NULL; /* the contents, like /wiki */
    if (has_prefix(url, "/wiki/") && path_len > 6) {
        long page = cnt_site_find(site, url + 6, path_len - 6);
        const struct cnt_doc *target;

        if (page < 0)
            return snprintf(why, len, "no page '%.*s'", (int)(path_len - 6), url + 6), why;
        target = cnt_site_get_page(site, (size_t)page)->doc;
        if (fragment && fragment[1] && !cnt_doc_has_id(target, fragment + 1))
            return snprintf(why, len, "no heading with id '%s' on /wiki/%.*s", fragment + 1,
                            (int)(path_len - 6), url + 6), why;
        return NULL;
    }
    for (size_t i = 0; i < env->n_site_paths; i++) {
        const char *known = env->site_paths[i];
        size_t n = strlen(known);
        if ((n == path_len && memcmp(known, url, n) == 0) ||
            (n > 1 && known[n - 1] == '/' && path_len > n && memcmp(known, url, n) == 0))
            return NULL;
    }
    return snprintf(why, len, "no page of this site answers '%.*s'", (int)path_len, url), why;
}

/* The info string of a fenced code block: its language, and the marks Python needs. */
static const char *check_code(const char *info, char *why, size_t len)
{
    const char *p = info + strspn(info, " \t");
    size_t lang = strcspn(p, " \t");
    const char *rest = p + lang + strspn(p + lang, " \t");
    bool has_status = false;

    if (lang == 0)
        return snprintf(why, len, "code block without a language (```python illustration, "
                                  "```pyrun status=..., ```text, ```c, ```sh...)"), why;
    if ((lang == 6 && memcmp(p, "python", 6) == 0) || (lang == 2 && memcmp(p, "py", 2) == 0) ||
        (lang == 7 && memcmp(p, "python3", 7) == 0)) {
        if (strcmp(rest, "illustration") == 0)
            return NULL;
        return snprintf(why, len, "Python code block without a mark: fence it as ```pyrun "
                                  "status=... (runnable) or ```python illustration"), why;
    }
    if (lang != 5 || memcmp(p, "pyrun", 5) != 0)
        return NULL;
    while (*rest) {
        size_t word = strcspn(rest, " \t");
        const char *eq = memchr(rest, '=', word);

        if (!eq || eq == rest || eq + 1 == rest + word ||
            !in_list(rest, (size_t)(eq - rest), pyrun_keys,
                     sizeof pyrun_keys / sizeof pyrun_keys[0]))
            return snprintf(why, len, "pyrun: '%.*s' is not an expectation (status=, deny=, "
                                      "allow=, class=, exception=, stdout=, preset=)", (int)word, rest),
                   why;
        if (eq - rest == 6 && memcmp(rest, "status", 6) == 0) {
            if (!in_list(eq + 1, word - 7, statuses, sizeof statuses / sizeof statuses[0]))
                return snprintf(why, len, "pyrun: status must be ok, error, denied, limit or "
                                          "crash"), why;
            has_status = true;
        }
        /* The sandbox's presets (issue 12): a block says which rule set it runs under. */
        if (eq - rest == 6 && memcmp(rest, "preset", 6) == 0 &&
            (!fa_preset_find(eq + 1, word - 7) ||
             (word - 7 == 7 && memcmp(eq + 1, "default", 7) == 0)))
            return snprintf(why, len, "pyrun: preset must be one of " FA_PRESET_NAMES_TEXT), why;
        rest += word;
        rest += strspn(rest, " \t");
    }
    if (!has_status)
        return snprintf(why, len, "pyrun without status=: say how the run ends"), why;
    return NULL;
}

static size_t check_doc(const struct cnt_site *site, const struct cnt_check_env *env,
                        const struct cnt_doc *doc, const char *file,
                        cnt_check_report_fn *report, void *cls)
{
    size_t problems = 0;
    char why[512];

    for (size_t i = 0; i < cnt_doc_n_refs(doc); i++) {
        const struct cnt_ref *r = cnt_doc_get_ref(doc, i);
        const char *bad = NULL;

        if (r->kind == CNT_REF_LINK)
            bad = cnt_check_link(site, env, doc, r->target, why, sizeof why);
        else if (r->kind == CNT_REF_CODE)
            bad = check_code(r->target, why, sizeof why);
        else if (!r->text[0])
            bad = "image without alt text: say in ![...] what the picture teaches";
        else if (!has_prefix(r->target, "/static/"))
            bad = "image from outside /static/: the site loads pictures from itself only";
        else
            bad = cnt_check_link(site, env, doc, r->target, why, sizeof why);
        if (bad) {
            report(cls, file, r->line, bad);
            problems++;
        }
    }
    return problems;
}

size_t cnt_check_site(const struct cnt_site *site, const struct cnt_check_env *env,
                      cnt_check_report_fn *report, void *cls)
{
    size_t problems = check_doc(site, env, cnt_site_get_home(site), "home.md", report, cls);

    for (size_t i = 0; i < cnt_site_n_pages(site); i++) {
        const struct cnt_page *page = cnt_site_get_page(site, i);
        problems += check_doc(site, env, page->doc, page->file, report, cls);
    }
    return problems;
}
