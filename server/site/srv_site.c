/* srv_site.c: builds everything the server sends from memory (see srv_site.h): the rendered
 * pages in the layout, the fixed pages, static and vendor files; ETags, gzip variants, and a
 * lookup table by URL path. */
/* realpath() is an XSI function. */
#define _XOPEN_SOURCE 700
#include "server/site/srv_site.h"

#include "server/http/srv_public.h"

#include "server/model/srv_quiz_model.h"
#include "server/view/srv_quiz_view.h"

#include "common/fa_buf.h"
#include "common/fa_dir.h"
#include "common/fa_file.h"
#include "common/fa_hash.h"
#include "common/fa_mem.h"
#include "common/fa_path.h"
#include "content/cnt_markdown.h"
#include "content/cnt_search.h"
#include "content/cnt_site.h"
#include "server/view/srv_layout.h"
#include "server/http/srv_limits.h"
#include "server/view/srv_sandbox_page.h"
#include "server/view/srv_wiki_view.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define PAGE_CACHE "no-cache"                      /* revalidate: content can be reloaded */
#define ASSET_CACHE "public, max-age=31536000, immutable" /* URLs carry ?v= */
#define HTML_TYPE "text/html; charset=utf-8"

/* The CodeMirror files the pages use, relative to the vendor folder. */
static const char *const vendor_files[] = {
    "lib/codemirror.js",           "lib/codemirror.css",    "addon/runmode/runmode-standalone.js",
    "addon/runmode/runmode.js",    "mode/python/python.js", "addon/edit/matchbrackets.js",
    "addon/selection/active-line.js",
};

struct srv_site {
    atomic_int refs;
    struct cnt_site *content;
    struct cnt_search *search;
    struct srv_asset *assets;
    size_t n_assets, cap_assets;
    size_t *slots; /* open addressing: index + 1 into assets, 0 = empty */
    size_t n_slots;
    char version_tag[20];
    struct srv_quiz *quiz;
    char link_prefix[256]; /* put before the pages' own links (a site under a path prefix) */
    bool sandbox_off;      /* srv_site_config.sandbox_off */
};

static bool worth_gzip(const char *content_type, size_t len)
{
    return len >= 256 && (strncmp(content_type, "text/", 5) == 0 ||
                          strstr(content_type, "javascript") || strstr(content_type, "json") ||
                          strstr(content_type, "svg"));
}

/* Compresses with the gzip wrapper at the best level: done once per build, read many times. */
static int gzip_bytes(const char *in, size_t len, char **out, size_t *out_len)
{
    z_stream z = {0};
    uLong cap = compressBound((uLong)len) + 32;
    char *buf = fa_xmalloc(cap);
    int zrc;

    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        fa_free(buf);
        return FA_ENOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)cap;
    zrc = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (zrc != Z_STREAM_END) {
        fa_free(buf);
        return FA_EIO;
    }
    *out = buf;
    *out_len = z.total_out;
    return FA_OK;
}

/* Adds an asset; takes ownership of body. */
static int add_asset(struct srv_site *site, const char *path, int status, const char *type,
                     const char *cache, char *body, size_t len)
{
    struct srv_asset *a;
    uint64_t h = fa_fnv1a64(body, len, FA_FNV1A64_BASIS);
    int rc;

    if (site->n_assets == site->cap_assets) {
        site->cap_assets = site->cap_assets ? site->cap_assets * 2 : 64;
        site->assets = fa_xrealloc(site->assets, site->cap_assets * sizeof *site->assets);
    }
    a = &site->assets[site->n_assets];
    memset(a, 0, sizeof *a);
    a->path = fa_xstrdup(path);
    a->status = status;
    a->content_type = type;
    a->cache_control = cache;
    a->body = body;
    a->len = len;
    snprintf(a->etag, sizeof a->etag, "\"%016llx\"", (unsigned long long)h);
    snprintf(a->etag_gz, sizeof a->etag_gz, "\"%016llx-gz\"", (unsigned long long)h);
    if (worth_gzip(type, len)) {
        rc = gzip_bytes(body, len, &a->gz, &a->gz_len);
        if (rc) {
            fa_free(a->path);
            return rc;
        }
        if (a->gz_len >= len - len / 10) { /* not worth a second representation */
            fa_free(a->gz);
            a->gz = NULL;
            a->gz_len = 0;
        }
    }
    site->n_assets++;
    return FA_OK;
}

/* Adds the page of layout, with the body a view built in h when h is not NULL (h is then
 * cleaned up). */
static int add_page(struct srv_site *site, const char *path, int status,
                    const struct srv_layout *layout, struct fa_html_builder *h)
{
    struct fa_buf out;
    size_t len;
    char *body;
    int rc;

    struct srv_layout marked = *layout; /* every page says whether the sandbox is off */

    marked.sandbox_off = site->sandbox_off;
    fa_buf_init(&out, SRV_MAX_PAGE_BYTES);
    rc = h ? srv_layout_render_built(&marked, h, &out) : srv_layout_render(&marked, &out);
    if (!rc && site->link_prefix[0]) {
        struct fa_buf prefixed;
        fa_buf_init(&prefixed, SRV_MAX_PAGE_BYTES);
        rc = srv_public_prefix_links(site->link_prefix, out.ptr, out.len, &prefixed);
        fa_buf_cleanup(&out);
        out = prefixed;
    }
    if (rc) {
        fa_buf_cleanup(&out);
        return rc;
    }
    body = fa_buf_detach(&out, &len);
    rc = add_asset(site, path, status, HTML_TYPE, PAGE_CACHE, body, len);
    if (rc)
        fa_free(body);
    return rc;
}

static const char *type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},            {".png", "image/png"},
        {".ico", "image/x-icon"},             {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"}, {".json", "application/json"},
    };
    const char *dot = strrchr(name, '.');

    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

/* Reads root/rel when it is a regular file whose real path stays inside root (so a symlink
 * cannot lead out of the folder) and is at most SRV_MAX_STATIC_FILE bytes. */
static int read_inside(const char *root_real, const char *root, const char *rel, char **out,
                       size_t *len_out, struct fa_diag *diag)
{
    char *path = fa_xasprintf("%s/%s", root, rel);
    char real[PATH_MAX];
    size_t root_len = strlen(root_real);
    int rc;

    if (!realpath(path, real))
        rc = fa_diag_set(diag, FA_EIO, "%s: %s", path, strerror(errno));
    else if (strncmp(real, root_real, root_len) != 0 || real[root_len] != '/')
        rc = fa_diag_set(diag, FA_EINVAL, "%s: leads outside %s", path, root);
    else
        rc = fa_file_read(real, SRV_MAX_STATIC_FILE, 0, out, len_out, diag);
    fa_free(path);
    return rc;
}

static int add_file(struct srv_site *site, const char *root_real, const char *root,
                    const char *rel, const char *url_prefix, struct fa_diag *diag)
{
    const char *type = type_of(rel);
    char *body = NULL, *url;
    size_t len = 0;
    int rc;

    if (!type || !fa_path_is_plain(rel, strlen(rel)))
        return FA_OK; /* not something the site serves */
    if (site->n_assets >= SRV_MAX_STATIC_FILES + CNT_SITE_MAX_PAGES)
        return fa_diag_set(diag, FA_ELIMIT, "%s: more than %d static files", root,
                           SRV_MAX_STATIC_FILES);
    rc = read_inside(root_real, root, rel, &body, &len, diag);
    if (rc)
        return rc;
    url = fa_xasprintf("%s%s", url_prefix, rel);
    rc = add_asset(site, url, 200, type, ASSET_CACHE, body, len);
    if (rc)
        fa_free(body);
    fa_free(url);
    return rc;
}

/* Walks dir (relative to root) depth-first, in name order, adding every servable file. */
static int add_tree(struct srv_site *site, const char *root_real, const char *root,
                    const char *rel, int depth, struct fa_diag *diag)
{
    char *dir_path = rel[0] ? fa_xasprintf("%s/%s", root, rel) : fa_xstrdup(root);
    struct fa_dir_list names = {NULL, 0};
    int rc;

    rc = fa_dir_list_open(dir_path, NULL, NULL, SRV_MAX_STATIC_FILES, "files", &names, diag);
    if (rc == FA_ENOTFOUND)
        rc = FA_EIO; /* the static tree is not optional */
    for (size_t i = 0; !rc && i < names.n; i++) {
        char *child =
            rel[0] ? fa_xasprintf("%s/%s", rel, names.names[i]) : fa_xstrdup(names.names[i]);
        char *full = fa_xasprintf("%s/%s", root, child);
        struct stat st;
        int st_rc = lstat(full, &st);

        if (st_rc == 0 && S_ISDIR(st.st_mode) && depth < SRV_STATIC_MAX_DEPTH)
            rc = add_tree(site, root_real, root, child, depth + 1, diag);
        else if (st_rc == 0 && S_ISREG(st.st_mode))
            rc = add_file(site, root_real, root, child, "/static/", diag);
        fa_free(full);
        fa_free(child);
    }
    fa_dir_list_cleanup(&names);
    fa_free(dir_path);
    return rc;
}

static int add_static(struct srv_site *site, const struct srv_site_config *cfg,
                      struct fa_diag *diag)
{
    char static_real[PATH_MAX], vendor_real[PATH_MAX];
    int rc;

    if (!realpath(cfg->static_dir, static_real))
        return fa_diag_set(diag, FA_EIO, "static folder %s: %s", cfg->static_dir,
                           strerror(errno));
    if (!realpath(cfg->vendor_dir, vendor_real))
        return fa_diag_set(diag, FA_EIO, "CodeMirror folder %s: %s (install libjs-codemirror)",
                           cfg->vendor_dir, strerror(errno));
    rc = add_tree(site, static_real, cfg->static_dir, "", 0, diag);
    for (size_t i = 0; !rc && i < sizeof vendor_files / sizeof vendor_files[0]; i++)
        rc = add_file(site, vendor_real, cfg->vendor_dir, vendor_files[i], "/vendor/codemirror/",
                      diag);
    return rc;
}

static void compute_version_tag(struct srv_site *site)
{
    uint64_t h = FA_FNV1A64_BASIS;

    for (size_t i = 0; i < site->n_assets; i++)
        h = fa_fnv1a64(site->assets[i].etag, strlen(site->assets[i].etag), h);
    snprintf(site->version_tag, sizeof site->version_tag, "%012llx",
             (unsigned long long)(h & 0xffffffffffffull));
}

static int add_home(struct srv_site *site)
{
    const struct cnt_doc *home = cnt_site_get_home(site->content);
    struct srv_layout layout = {.title = cnt_doc_get_title(home),
                                .article_class = "page home",
                                .current = -1,
                                .version_tag = site->version_tag};
    struct fa_html_builder h;
    size_t len;
    const char *html = cnt_doc_get_html(home, &len);

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    fa_html_put(&h, (struct fa_html){html, len}); /* the Markdown renderer's */
    srv_wiki_view_cards(&h);
    return add_page(site, "/", 200, &layout, &h);
}

static int add_wiki_index(struct srv_site *site)
{
    struct srv_layout layout = {.title = "Course contents",
                                .section = SRV_SECTION_WIKI,
                                .nav = site->content,
                                .current = -1,
                                .version_tag = site->version_tag};
    struct fa_html_builder h;

    fa_html_init(&h, SRV_MAX_PAGE_BYTES);
    srv_wiki_view_contents(&h, site->content);
    return add_page(site, "/wiki", 200, &layout, &h);
}

static int add_wiki_pages(struct srv_site *site)
{
    size_t n = cnt_site_n_pages(site->content);
    int rc = FA_OK;

    for (size_t i = 0; i < n && !rc; i++) {
        const struct cnt_page *page = cnt_site_get_page(site->content, i);
        struct srv_layout layout = {.title = cnt_doc_get_title(page->doc),
                                    .section = SRV_SECTION_WIKI,
                                    .nav = site->content,
                                    .current = (long)i,
                                    .toc = page->doc,
                                    .version_tag = site->version_tag};
        char *path = fa_xasprintf("/wiki/%s", page->slug);

        layout.body_html = cnt_doc_get_html(page->doc, &layout.body_len);
        rc = add_page(site, path, 200, &layout, NULL);
        fa_free(path);
    }
    return rc;
}

/* The sandbox: the editor, options, result panes and the gallery from CONTENT/sandbox/. */
static int add_sandbox_page(struct srv_site *site, const char *content_dir,
                            struct fa_diag *diag)
{
    static const char *const css[] = {"/vendor/codemirror/lib/codemirror.css", NULL};
    static const char *const js[] = {"/vendor/codemirror/lib/codemirror.js",
                                     "/vendor/codemirror/mode/python/python.js",
                                     "/static/js/sandbox.js", NULL};
    struct srv_layout layout = {.title = "Sandbox",
                                .section = SRV_SECTION_SANDBOX,
                                .article_class = "page sandbox-page",
                                .current = -1,
                                .version_tag = site->version_tag,
                                .extra_css = css,
                                .extra_js = js};
    struct srv_sandbox_gallery gallery;
    struct fa_buf body;
    int rc = srv_sandbox_gallery_load(content_dir, &gallery, diag);

    if (rc)
        return rc;
    fa_buf_init(&body, SRV_MAX_PAGE_BYTES);
    rc = srv_sandbox_page_render(&gallery, &body);
    if (!rc) {
        layout.body_html = body.ptr;
        layout.body_len = body.len;
        rc = add_page(site, "/sandbox", 200, &layout, NULL);
    }
    if (rc)
        fa_diag_set(diag, rc, "rendering /sandbox: %s", fa_strerror(rc));
    fa_buf_cleanup(&body);
    srv_sandbox_gallery_free(&gallery);
    return rc;
}

/* /quiz: the list of quizzes, from the bank. */
static int add_quiz_index(struct srv_site *site)
{
    static const char *const js[] = {"/static/js/quiz.js", NULL}; /* the learner's reports */
    struct srv_layout layout = {.title = "Quiz",
                                .extra_js = js,
                                .section = SRV_SECTION_QUIZ,
                                .article_class = "quiz",
                                .current = -1,
                                .version_tag = site->version_tag};
    struct fa_buf body;
    int rc;

    fa_buf_init(&body, SRV_MAX_PAGE_BYTES);
    rc = srv_quiz_render_index(site->quiz, &body);
    if (!rc) {
        layout.body_html = body.ptr;
        layout.body_len = body.len;
        rc = add_page(site, "/quiz", 200, &layout, NULL);
    }
    fa_buf_cleanup(&body);
    return rc;
}

/* The not-found page. */
static int add_fixed_pages(struct srv_site *site)
{
    static const struct {
        const char *path, *title, *body;
        enum srv_section section;
        int status;
    } fixed[] = {
        {"", "Page not found",
         "<h1>Page not found</h1>\n<p>There is no page at this address. Go back to the "
         "<a href=\"/\">home page</a>, the <a href=\"/wiki\">course contents</a>, or search "
         "the wiki above.</p>\n",
         SRV_SECTION_NONE, 404},
    };
    int rc = FA_OK;

    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && !rc; i++) {
        struct srv_layout layout = {.title = fixed[i].title,
                                    .section = fixed[i].section,
                                    .body_html = fixed[i].body,
                                    .body_len = strlen(fixed[i].body),
                                    .current = -1,
                                    .version_tag = site->version_tag};
        rc = add_page(site, fixed[i].path, fixed[i].status, &layout, NULL);
    }
    return rc;
}

static void build_index(struct srv_site *site)
{
    site->n_slots = 16;
    while (site->n_slots < site->n_assets * 2)
        site->n_slots *= 2;
    site->slots = fa_xcalloc(site->n_slots, sizeof *site->slots);
    for (size_t i = 0; i < site->n_assets; i++) {
        const char *path = site->assets[i].path;
        size_t slot = fa_fnv1a64_str(path) & (site->n_slots - 1);

        while (site->slots[slot])
            slot = (slot + 1) & (site->n_slots - 1);
        site->slots[slot] = i + 1;
    }
}

const struct srv_asset *srv_site_find(const struct srv_site *site, const char *path, size_t len)
{
    size_t slot = fa_fnv1a64(path, len, FA_FNV1A64_BASIS) & (site->n_slots - 1);

    while (site->slots[slot]) {
        const struct srv_asset *a = &site->assets[site->slots[slot] - 1];

        if (strlen(a->path) == len && memcmp(a->path, path, len) == 0)
            return a;
        slot = (slot + 1) & (site->n_slots - 1);
    }
    return NULL;
}

static void site_free(struct srv_site *site)
{
    for (size_t i = 0; i < site->n_assets; i++) {
        fa_free(site->assets[i].path);
        fa_free(site->assets[i].body);
        fa_free(site->assets[i].gz);
    }
    fa_free(site->assets);
    fa_free(site->slots);
    cnt_search_free(site->search);
    srv_quiz_free(site->quiz);
    cnt_site_free(site->content);
    fa_free(site);
}

int srv_site_build(const struct srv_site_config *config, struct srv_site **out,
                   struct fa_diag *diag)
{
    struct srv_site *site = fa_xcalloc(1, sizeof *site);
    int rc;

    atomic_init(&site->refs, 1);
    snprintf(site->link_prefix, sizeof site->link_prefix, "%s",
             config->link_prefix ? config->link_prefix : "");
    site->sandbox_off = config->sandbox_off;
    rc = cnt_site_load(config->content_dir, &site->content, diag);
    if (!rc)
        rc = cnt_search_new(site->content, &site->search, diag);
    if (!rc)
        rc = srv_quiz_build(config->quiz_dir, site->content, config->report_bank,
                            config->report_cls, &site->quiz, diag);
    if (!rc)
        rc = add_static(site, config, diag);
    if (rc)
        goto out;
    compute_version_tag(site); /* static files first: pages link them with ?v= */
    rc = add_home(site);
    if (!rc)
        rc = add_wiki_index(site);
    if (!rc)
        rc = add_wiki_pages(site);
    if (!rc)
        rc = add_quiz_index(site);
    if (!rc)
        rc = add_fixed_pages(site);
    if (rc) {
        fa_diag_set(diag, rc, "rendering the site: %s", fa_strerror(rc));
        goto out;
    }
    rc = add_sandbox_page(site, config->content_dir, diag);
    if (rc)
        goto out;
    build_index(site);
    *out = site;
    site = NULL;
out:
    if (site)
        site_free(site);
    return rc;
}

void srv_site_retain(struct srv_site *site)
{
    if (site)
        atomic_fetch_add(&site->refs, 1);
}

void srv_site_release(struct srv_site *site)
{
    if (site && atomic_fetch_sub(&site->refs, 1) == 1)
        site_free(site);
}

const struct srv_asset *srv_site_get_not_found(const struct srv_site *site)
{
    return srv_site_find(site, "", 0); /* the one asset without a URL path */
}

struct srv_quiz *srv_site_get_quiz(const struct srv_site *site) { return site->quiz; }

const struct cnt_site *srv_site_get_content(const struct srv_site *site)
{
    return site->content;
}

struct cnt_search *srv_site_get_search(const struct srv_site *site) { return site->search; }

const char *srv_site_get_version_tag(const struct srv_site *site) { return site->version_tag; }

size_t srv_site_n_assets(const struct srv_site *site) { return site->n_assets; }

const struct srv_asset *srv_site_get_asset(const struct srv_site *site, size_t i)
{
    return i < site->n_assets ? &site->assets[i] : NULL;
}

size_t srv_site_asset_index(const struct srv_site *site, const struct srv_asset *asset)
{
    return (size_t)(asset - site->assets);
}
