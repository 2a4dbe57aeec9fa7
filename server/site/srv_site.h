/* srv_site.h: everything the server sends from memory, built once at start-up and again on
 * SIGHUP: every wiki page wrapped in the layout, the home page, the fixed pages, and the
 * static and vendor files, each with its strong ETag and a gzip variant.
 *
 * A pure model: it knows no HTTP library (the adapter keeps its own ready-made responses
 * per site, numbered as the assets are). A site is immutable once built and
 * reference-counted: a request holds the site it started with, so a reload swaps in a new
 * one without dropping or changing requests in flight. */
#ifndef FA_SERVER_SITE_SRV_SITE_H
#define FA_SERVER_SITE_SRV_SITE_H

#include "common/fa_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cnt_site;
struct cnt_search;
struct srv_quiz;

/* One representation kept in memory. */
struct srv_asset {
    char *path;                /* the URL path it answers, e.g. "/wiki/big-picture" */
    int status;                /* 200, or 404 for the not-found page */
    const char *content_type;  /* static string */
    const char *cache_control; /* static string */
    char *body;
    size_t len;
    char *gz;                  /* gzip variant, NULL when not worth it */
    size_t gz_len;
    char etag[40];             /* "\"<hash>\"", quotes included */
    char etag_gz[40];          /* the gzip variant's own tag */
};

/* Where a site comes from. */
struct srv_site_config {
    const char *content_dir; /* home.md and pages/ */
    const char *static_dir;  /* served under /static/ */
    const char *vendor_dir;  /* CodeMirror 5 (Debian's libjs-codemirror), under /vendor/codemirror/ */
    const char *quiz_dir;    /* the question bank: topics.md and questions/ */
    /* Receives every problem of the question bank (file relative to quiz_dir), not only the
     * first, which diag gets; may be NULL. */
    void (*report_bank)(void *cls, const char *file, int line, const char *what);
    void *report_cls;
    const char *link_prefix; /* put before the site's own links (srv_public_prefix), or "" */
    bool sandbox_off;        /* --no-sandbox: every page says so (srv_layout.sandbox_off) */
};

struct srv_site;

/* Loads and renders everything. Fails with the content module's diagnostic in diag (e.g.
 * "content/pages/02-x.md:1: no title ...") or a static file problem. *out has one reference. */
int srv_site_build(const struct srv_site_config *config, struct srv_site **out,
                   struct fa_diag *diag);
/* Reference counting: thread-safe. The last release frees the site. */
void srv_site_retain(struct srv_site *site);
void srv_site_release(struct srv_site *site);

/* The asset for an exact URL path (untrusted bytes), or NULL. */
const struct srv_asset *srv_site_find(const struct srv_site *site, const char *path, size_t len);
/* The site's not-found page (status 404). */
const struct srv_asset *srv_site_get_not_found(const struct srv_site *site);
/* The quiz built with the site (its bank and rendered questions). Borrowed, valid while the
 * site is held. */
struct srv_quiz *srv_site_get_quiz(const struct srv_site *site);

/* The content and its search index. Borrowed, valid while the site is held. */
const struct cnt_site *srv_site_get_content(const struct srv_site *site);
struct cnt_search *srv_site_get_search(const struct srv_site *site);
/* Asset version string for URLs ("?v=..."): changes whenever any static file does. */
const char *srv_site_get_version_tag(const struct srv_site *site);
/* The assets, numbered 0 to srv_site_n_assets - 1, so that a user can keep its own table
 * beside a site (the adapter's ready-made responses): the asset numbered i, or NULL past
 * the end, and the number of an asset of this site (one srv_site_find or
 * srv_site_get_not_found returned). */
size_t srv_site_n_assets(const struct srv_site *site);
const struct srv_asset *srv_site_get_asset(const struct srv_site *site, size_t i);
size_t srv_site_asset_index(const struct srv_site *site, const struct srv_asset *asset);

#endif
