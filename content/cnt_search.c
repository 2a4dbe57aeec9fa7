/* cnt_search.c: full-text search over a site's sections with SQLite FTS5, in memory.
 * The only file of content/ that includes sqlite3.h. Contract: content/cnt_search.h.
 *
 * The learner's words never reach FTS5's query language as syntax: every word becomes a
 * quoted term (the last one a prefix, words in double quotes one phrase), so '"', '*', ':',
 * '(', AND, OR, NOT and NEAR are only ever text.
 * Snippets come back with control-character markers around the matches; the markers are
 * turned into <mark> while everything between them is HTML-escaped. */
#include "content/cnt_search.h"

#include "common/fa_buf.h"
#include "common/fa_mem.h"
#include "common/fa_utf8.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

/* Matches in snippets are marked with these bytes, which content never contains: they are
 * replaced by spaces when the text is indexed. */
#define MARK_OPEN '\x02'
#define MARK_CLOSE '\x03'
/* Tokens of text around the matches in a snippet. */
#define SNIPPET_TOKENS 16
/* A title match counts this many times a body match (bm25 column weights). */
#define TITLE_WEIGHT "10.0"

static const char create_sql[] = "CREATE VIRTUAL TABLE sec USING fts5("
                                 "title, body, page UNINDEXED, section UNINDEXED,"
                                 " tokenize = 'unicode61 remove_diacritics 2')";
static const char insert_sql[] =
    "INSERT INTO sec(title, body, page, section) VALUES (?1, ?2, ?3, ?4)";
static const char query_sql[] =
    "SELECT page, section, snippet(sec, 1, ?2, ?3, ?4, ?5) FROM sec WHERE sec MATCH ?1"
    " ORDER BY bm25(sec, " TITLE_WEIGHT ", 1.0), rowid LIMIT ?6";

struct cnt_search {
    const struct cnt_site *site;
    sqlite3 *db;
    sqlite3_stmt *query; /* shared by every caller, hence lock */
    pthread_mutex_t lock;
};

static int db_fail(struct fa_diag *diag, sqlite3 *db, const char *what)
{
    return fa_diag_set(diag, FA_EDB, "search: %s: %s", what,
                       db ? sqlite3_errmsg(db) : "no database");
}


/* Binds text as a copy in which the snippet markers cannot occur. */
static int bind_clean_text(sqlite3_stmt *stmt, int col, const char *text)
{
    size_t len = strlen(text);
    char *copy = fa_xstrndup(text, len);
    int rc;

    for (size_t i = 0; i < len; i++) {
        if (copy[i] == MARK_OPEN || copy[i] == MARK_CLOSE)
            copy[i] = ' ';
    }
    rc = sqlite3_bind_text64(stmt, col, copy, len, SQLITE_TRANSIENT, SQLITE_UTF8);
    fa_free(copy);
    return rc;
}

/* Inserts every section of doc; page is -1 for the home page. */
static int index_doc(sqlite3 *db, sqlite3_stmt *insert, const struct cnt_doc *doc,
                     sqlite3_int64 page, struct fa_diag *diag)
{
    for (size_t i = 0; i < cnt_doc_n_sections(doc); i++) {
        const struct cnt_section *s = cnt_doc_get_section(doc, i);

        if (bind_clean_text(insert, 1, s->title) != SQLITE_OK ||
            bind_clean_text(insert, 2, s->text) != SQLITE_OK ||
            sqlite3_bind_int64(insert, 3, page) != SQLITE_OK ||
            sqlite3_bind_int64(insert, 4, (sqlite3_int64)i) != SQLITE_OK ||
            sqlite3_step(insert) != SQLITE_DONE) {
            sqlite3_reset(insert);
            return db_fail(diag, db, "indexing");
        }
        sqlite3_reset(insert);
    }
    return FA_OK;
}

int cnt_search_new(const struct cnt_site *site, struct cnt_search **out, struct fa_diag *diag)
{
    struct cnt_search *search = fa_xcalloc(1, sizeof *search);
    sqlite3_stmt *insert = NULL;
    int rc = FA_OK;

    if (pthread_mutex_init(&search->lock, NULL) != 0) {
        fa_free(search);
        return fa_diag_set(diag, FA_EIO, "search: cannot create a mutex");
    }
    search->site = site;
    /* FULLMUTEX keeps the connection itself safe; search->lock keeps one query's
     * bind/step/reset sequence on the shared statement whole. */
    if (sqlite3_open_v2(":memory:", &search->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        rc = db_fail(diag, search->db, "opening the index");
        goto out;
    }
    if (sqlite3_exec(search->db, create_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(search->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(search->db, insert_sql, -1, &insert, NULL) != SQLITE_OK) {
        rc = db_fail(diag, search->db, "creating the index");
        goto out;
    }
    rc = index_doc(search->db, insert, cnt_site_get_home(site), -1, diag);
    for (size_t i = 0; i < cnt_site_n_pages(site) && !rc; i++)
        rc = index_doc(search->db, insert, cnt_site_get_page(site, i)->doc, (sqlite3_int64)i, diag);
    if (rc)
        goto out;
    if (sqlite3_exec(search->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(search->db, query_sql, -1, SQLITE_PREPARE_PERSISTENT, &search->query,
                           NULL) != SQLITE_OK) {
        rc = db_fail(diag, search->db, "creating the index");
        goto out;
    }
    *out = search;
    search = NULL;
out:
    sqlite3_finalize(insert);
    cnt_search_free(search);
    return rc;
}

void cnt_search_free(struct cnt_search *search)
{
    if (!search)
        return;
    sqlite3_finalize(search->query);
    sqlite3_close_v2(search->db);
    pthread_mutex_destroy(&search->lock);
    fa_free(search);
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Appends the words of query[start, end) to match as one FTS5 string, "w1 w2" (words
 * joined by one space; FTS5 reads a quoted string of several tokens as a phrase), with '*'
 * after it when prefix. Nothing when the range holds no word. *added is set when a term was
 * written. */
static int append_term(struct fa_buf *match, const char *query, size_t start, size_t end,
                       bool prefix, bool *added)
{
    bool in_word = false, any = false;
    int rc = FA_OK;

    *added = false;
    for (size_t k = start; k < end && !rc; k++) {
        bool word = is_word_byte((unsigned char)query[k]);

        if (word && !in_word)
            rc = fa_buf_puts(match, !any ? (match->len ? " \"" : "\"") : " ");
        if (word && !rc) {
            /* Cannot happen with today's word rule; kept so that the quoting stays right
             * if the rule ever lets a '"' in. */
            if (query[k] == '"')
                rc = fa_buf_puts(match, "\"");
            if (!rc)
                rc = fa_buf_append(match, &query[k], 1);
            any = true;
        }
        in_word = word;
    }
    if (any && !rc)
        rc = fa_buf_puts(match, prefix ? "\"*" : "\"");
    *added = any && !rc;
    return rc;
}

/* Writes the FTS5 query for the learner's words (implicit AND): each word as "word", the
 * last one as a prefix, "word"* (the learner may still be typing it), and the words between
 * double quotes as one phrase, "sys audit" for "sys.audit" in quotes (issue 14: every word
 * used to be a prefix and quotes were ignored). An unclosed quote runs to the end. Bytes >=
 * 0x80 count as letters so that UTF-8 words stay whole; FTS5's tokenizer then decides what
 * in them is a letter. *n_words receives the number of terms used (a phrase is one). */
static int build_match(const char *query, size_t len, struct fa_buf *match, size_t *n_words)
{
    size_t i = 0;
    int rc = FA_OK;

    *n_words = 0;
    while (!rc && i < len && *n_words < CNT_SEARCH_MAX_WORDS) {
        size_t start, end;
        bool added, is_last;

        while (i < len && !is_word_byte((unsigned char)query[i]) && query[i] != '"')
            i++;
        if (i == len)
            break;
        if (query[i] == '"') {
            start = ++i;
            while (i < len && query[i] != '"')
                i++;
            end = i;
            if (i < len)
                i++; /* the closing quote */
            rc = append_term(match, query, start, end, false, &added);
        } else {
            start = i;
            while (i < len && is_word_byte((unsigned char)query[i]))
                i++;
            end = i;
            is_last = true;
            for (size_t k = i; k < len && is_last; k++)
                is_last = !is_word_byte((unsigned char)query[k]) && query[k] != '"';
            rc = append_term(match, query, start, end, is_last, &added);
        }
        if (added)
            (*n_words)++;
    }
    return rc;
}

/* Appends snippet (from snippet(), with markers) as HTML: text escaped, markers as
 * <mark>/</mark>, always balanced. */
static int snippet_to_html(const char *snippet, struct fa_buf *html)
{
    size_t start = 0, i;
    bool open = false;
    int rc = FA_OK;

    for (i = 0; snippet[i] && !rc; i++) {
        if (snippet[i] != MARK_OPEN && snippet[i] != MARK_CLOSE)
            continue;
        rc = fa_buf_append_html(html, snippet + start, i - start);
        if (!rc && snippet[i] == MARK_OPEN && !open)
            rc = fa_buf_puts(html, "<mark>");
        else if (!rc && snippet[i] == MARK_CLOSE && open)
            rc = fa_buf_puts(html, "</mark>");
        if (snippet[i] == MARK_OPEN)
            open = true;
        else if (snippet[i] == MARK_CLOSE)
            open = false;
        start = i + 1;
    }
    if (!rc)
        rc = fa_buf_append_html(html, snippet + start, i - start);
    if (!rc && open)
        rc = fa_buf_puts(html, "</mark>");
    return rc;
}

/* Turns the current result row into a hit. */
static int fill_hit(const struct cnt_site *site, sqlite3_stmt *stmt, struct cnt_hit *hit)
{
    sqlite3_int64 page = sqlite3_column_int64(stmt, 0);
    sqlite3_int64 section = sqlite3_column_int64(stmt, 1);
    const char *snippet = (const char *)sqlite3_column_text(stmt, 2);
    const struct cnt_doc *doc;
    const struct cnt_section *sec;
    struct fa_buf html;
    int rc;

    if (page < -1 || (page >= 0 && (uint64_t)page >= cnt_site_n_pages(site)))
        return FA_EDB;
    doc = page < 0 ? cnt_site_get_home(site) : cnt_site_get_page(site, (size_t)page)->doc;
    if (section < 0 || (uint64_t)section >= cnt_doc_n_sections(doc))
        return FA_EDB;
    sec = cnt_doc_get_section(doc, (size_t)section);

    /* Escaping grows text at most six-fold ("&quot;"); the snippet is part of one page. */
    fa_buf_init(&html, 6 * (size_t)CNT_DOC_MAX_BYTES + 64);
    rc = snippet_to_html(snippet ? snippet : "", &html);
    if (rc) {
        fa_buf_cleanup(&html);
        return rc;
    }
    hit->page = page < 0 ? SIZE_MAX : (size_t)page;
    hit->anchor = sec->anchor;
    hit->page_title = cnt_doc_get_title(doc);
    hit->section_title = sec->title;
    hit->snippet_html = fa_buf_detach(&html, NULL);
    return FA_OK;
}

/* Runs match on the shared statement; the caller holds search->lock. */
static int run_query(struct cnt_search *search, const char *match, size_t max_hits,
                     struct cnt_hit **hits_out, size_t *n_out, struct fa_diag *diag)
{
    sqlite3_stmt *stmt = search->query;
    struct cnt_hit *hits = NULL;
    size_t n_hits = 0, cap = 0;
    sqlite3_int64 limit = max_hits > INT64_MAX ? INT64_MAX : (sqlite3_int64)max_hits;
    int rc = FA_OK, step;

    if (sqlite3_bind_text(stmt, 1, match, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 2, "\x02", 1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 3, "\x03", 1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(stmt, 4, "\xe2\x80\xa6", 3, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int(stmt, 5, SNIPPET_TOKENS) != SQLITE_OK ||
        sqlite3_bind_int64(stmt, 6, limit) != SQLITE_OK) {
        rc = db_fail(diag, search->db, "query");
        goto out;
    }
    for (;;) {
        step = sqlite3_step(stmt);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = db_fail(diag, search->db, "query");
            goto out;
        }
        if (n_hits == cap) {
            cap = cap ? 2 * cap : 16;
            hits = fa_xrealloc(hits, cap * sizeof *hits);
        }
        rc = fill_hit(search->site, stmt, &hits[n_hits]);
        if (rc) {
            rc = fa_diag_set(diag, rc, "search: the index does not match the site");
            goto out;
        }
        n_hits++;
    }
    *hits_out = hits;
    *n_out = n_hits;
    hits = NULL;
    n_hits = 0;
out:
    cnt_hits_free(hits, n_hits);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc;
}

int cnt_search_query(struct cnt_search *search, const char *query, size_t len, size_t max_hits,
                     struct cnt_hit **hits_out, size_t *n_out, struct fa_diag *diag)
{
    struct fa_buf match;
    size_t n_words = 0;
    int rc = FA_OK;

    /* Each word costs at most its bytes plus four ("" * and a space, doubled quotes
     * aside), so the cap is never what stops a query that passed the length check. */
    fa_buf_init(&match, 4 * CNT_SEARCH_MAX_QUERY + 64);
    if (len > CNT_SEARCH_MAX_QUERY) {
        rc = fa_diag_set(diag, FA_ELIMIT, "search: the query is longer than %d bytes",
                         CNT_SEARCH_MAX_QUERY);
        goto out;
    }
    if (!query && len) {
        rc = fa_diag_set(diag, FA_EINVAL, "search: no query");
        goto out;
    }
    if (len && fa_utf8_bad_offset(query, len) != len) {
        rc = fa_diag_set(diag, FA_EINVAL, "search: the query is not UTF-8");
        goto out;
    }
    rc = build_match(query, len, &match, &n_words);
    if (rc) {
        rc = fa_diag_set(diag, rc, "search: the query is too complex");
        goto out;
    }
    if (max_hits == 0 || n_words == 0) {
        *hits_out = NULL;
        *n_out = 0;
        goto out;
    }
    pthread_mutex_lock(&search->lock);
    rc = run_query(search, match.ptr, max_hits, hits_out, n_out, diag);
    pthread_mutex_unlock(&search->lock);
out:
    fa_buf_cleanup(&match);
    return rc;
}

void cnt_hits_free(struct cnt_hit *hits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fa_free(hits[i].snippet_html);
    fa_free(hits);
}
