/* cnt_site.c: loads a content folder (home.md and pages/NN-slug.md) and renders every page
 * once, in reading order. Contract: content/cnt_site.h; layout for authors:
 * content/README.md.
 *
 * Files are opened relative to directory descriptors with O_NOFOLLOW and checked with
 * fstat, so a symbolic link, a FIFO or a folder dressed up as a page is refused rather than
 * followed, read forever or half-read. */
#include "content/cnt_site.h"

#include "common/fa_dir.h"
#include "common/fa_mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest slug a file name may give; longer ones make poor URLs. */
#define SLUG_MAX 64

struct site_page {
    struct cnt_page pub; /* its pointers refer to the fields below */
    char *slug;
    char *file;
    struct cnt_doc *doc;
};

struct cnt_site {
    struct cnt_doc *home;
    struct site_page *pages;
    size_t n_pages;
};

/* Explains a failed system call on path; the errno must be the one of that call. */
static int io_fail(struct fa_diag *diag, int err, const char *path, const char *what)
{
    char text[128];

    if (strerror_r(err, text, sizeof text) != 0)
        text[0] = '\0';
    return fa_diag_set(diag, FA_EIO, "%s: cannot %s: %s", path, what, text);
}

/* Reads the regular file rel (relative to dir_fd; shown to people as path) into a new
 * NUL-terminated buffer. */
static int read_file(int dir_fd, const char *rel, const char *path, char **text_out,
                     size_t *len_out, struct fa_diag *diag)
{
    int fd = -1;
    char *text = NULL;
    size_t len = 0, size;
    struct stat st;
    int rc = FA_OK;

    /* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat refuses it. */
    fd = openat(dir_fd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            rc = fa_diag_set(diag, FA_EINVAL, "%s:1: refused: a symbolic link", path);
        else
            rc = io_fail(diag, errno, path, "open");
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = io_fail(diag, errno, path, "stat");
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = fa_diag_set(diag, FA_EINVAL, "%s:1: refused: not a regular file", path);
        goto out;
    }
    if (st.st_size > CNT_DOC_MAX_BYTES) {
        rc = fa_diag_set(diag, FA_ELIMIT, "%s:1: too big: %lld bytes, the limit is %d", path,
                         (long long)st.st_size, CNT_DOC_MAX_BYTES);
        goto out;
    }
    size = (size_t)st.st_size;
    /* One spare byte to notice a file that grew after fstat. */
    text = fa_xmalloc(size + 2);
    while (len <= size) {
        ssize_t n = read(fd, text + len, size + 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = io_fail(diag, errno, path, "read");
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > size) {
        rc = fa_diag_set(diag, FA_EIO, "%s: changed while being read", path);
        goto out;
    }
    text[len] = '\0';
    *text_out = text;
    *len_out = len;
    text = NULL;
out:
    fa_free(text);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int load_doc(int dir_fd, const char *rel, const char *path, struct cnt_doc **out,
                    struct fa_diag *diag)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    rc = read_file(dir_fd, rel, path, &text, &len, diag);
    if (rc)
        goto out;
    rc = cnt_doc_render(text, len, path, out, diag);
out:
    fa_free(text);
    return rc;
}

/* Checks "NN-slug.md": one or more digits, '-', then runs of [a-z0-9] joined by single
 * dashes. Returns the slug's start and length through the out parameters. */
static bool parse_page_name(const char *name, const char **slug, size_t *slug_len)
{
    const char *p = name, *end = name + strlen(name) - 3; /* before ".md" */
    bool after_dash = true;

    while (p < end && *p >= '0' && *p <= '9')
        p++;
    if (p == name || p >= end || *p != '-')
        return false;
    *slug = ++p;
    for (; p < end; p++) {
        bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');

        if (!alnum && (*p != '-' || after_dash))
            return false;
        after_dash = !alnum;
    }
    *slug_len = (size_t)(end - *slug);
    return !after_dash && *slug_len <= SLUG_MAX;
}

static int load_page(struct cnt_site *site, int pages_fd, const char *dir_path, const char *name,
                     struct fa_diag *diag)
{
    struct site_page *page;
    const char *slug = NULL;
    size_t slug_len = 0;
    char *path = fa_xasprintf("%s/pages/%s", dir_path, name);
    int rc = FA_OK;

    if (!parse_page_name(name, &slug, &slug_len)) {
        rc = fa_diag_set(diag, FA_EINVAL,
                         "%s:1: bad file name: want NN-slug.md, NN digits and slug made of "
                         "a-z, 0-9 and single '-' (at most %d)",
                         path, SLUG_MAX);
        goto out;
    }
    for (size_t i = 0; i < site->n_pages; i++) {
        if (strlen(site->pages[i].slug) == slug_len &&
            memcmp(site->pages[i].slug, slug, slug_len) == 0) {
            rc = fa_diag_set(diag, FA_EINVAL, "%s:1: duplicate slug '%.*s', also used by %s", path,
                             (int)slug_len, slug, site->pages[i].file);
            goto out;
        }
    }
    page = &site->pages[site->n_pages];
    rc = load_doc(pages_fd, name, path, &page->doc, diag);
    if (rc)
        goto out;
    page->slug = fa_xstrndup(slug, slug_len);
    page->file = fa_xasprintf("pages/%s", name);
    page->pub.slug = page->slug;
    page->pub.file = page->file;
    page->pub.doc = page->doc;
    site->n_pages++;
out:
    fa_free(path);
    return rc;
}

int cnt_site_load(const char *content_dir, struct cnt_site **out, struct fa_diag *diag)
{
    struct cnt_site *site = fa_xcalloc(1, sizeof *site);
    char *dir_path = NULL, *home_path = NULL, *pages_path = NULL;
    struct fa_dir_list names = {NULL, 0};
    size_t dir_len = strlen(content_dir);
    int dir_fd = -1, pages_fd = -1;
    DIR *dir = NULL;
    int rc;

    /* Messages name files as the operator wrote the folder, without a doubled '/'. */
    while (dir_len > 1 && content_dir[dir_len - 1] == '/')
        dir_len--;
    dir_path = fa_xstrndup(content_dir, dir_len);
    home_path = fa_xasprintf("%s/home.md", dir_path);
    pages_path = fa_xasprintf("%s/pages", dir_path);

    dir_fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        rc = io_fail(diag, errno, dir_path, "open the content folder");
        goto out;
    }
    rc = load_doc(dir_fd, "home.md", home_path, &site->home, diag);
    if (rc)
        goto out;
    pages_fd = openat(dir_fd, "pages", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pages_fd < 0) {
        int err = errno;
        struct stat st;

        /* Linux reports ENOTDIR, not ELOOP, for a link met with O_DIRECTORY | O_NOFOLLOW. */
        if (fstatat(dir_fd, "pages", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            rc = fa_diag_set(diag, FA_EINVAL, "%s: refused: a symbolic link", pages_path);
        else
            rc = io_fail(diag, err, pages_path, "open the pages folder");
        goto out;
    }
    dir = fdopendir(pages_fd);
    if (!dir) {
        rc = io_fail(diag, errno, pages_path, "open the pages folder");
        goto out;
    }
    /* The names in pages/ that end in ".md" and are not hidden (editors leave
     * ".name.md.swp" and the like next to the pages), sorted by byte value. */
    rc = fa_dir_list_read(dir, pages_path, fa_dir_keep_suffix, ".md", CNT_SITE_MAX_PAGES, "pages",
                          &names, diag);
    if (rc)
        goto out;
    site->pages = fa_xcalloc(names.n, sizeof *site->pages);
    for (size_t i = 0; i < names.n && !rc; i++)
        rc = load_page(site, dirfd(dir), dir_path, names.names[i], diag);
    if (rc)
        goto out;
    *out = site;
    site = NULL;
out:
    fa_dir_list_cleanup(&names);
    if (dir)
        closedir(dir); /* also closes pages_fd */
    else if (pages_fd >= 0)
        close(pages_fd);
    if (dir_fd >= 0)
        close(dir_fd);
    fa_free(pages_path);
    fa_free(home_path);
    fa_free(dir_path);
    cnt_site_free(site);
    return rc;
}

void cnt_site_free(struct cnt_site *site)
{
    if (!site)
        return;
    for (size_t i = 0; i < site->n_pages; i++) {
        cnt_doc_free(site->pages[i].doc);
        fa_free(site->pages[i].slug);
        fa_free(site->pages[i].file);
    }
    fa_free(site->pages);
    cnt_doc_free(site->home);
    fa_free(site);
}

const struct cnt_doc *cnt_site_get_home(const struct cnt_site *site) { return site->home; }

size_t cnt_site_n_pages(const struct cnt_site *site) { return site->n_pages; }

const struct cnt_page *cnt_site_get_page(const struct cnt_site *site, size_t i)
{
    return i < site->n_pages ? &site->pages[i].pub : NULL;
}

long cnt_site_find(const struct cnt_site *site, const char *slug, size_t len)
{
    if (!slug || len == 0 || len > SLUG_MAX)
        return -1;
    for (size_t i = 0; i < site->n_pages; i++) {
        const char *s = site->pages[i].slug;

        if (strlen(s) == len && memcmp(s, slug, len) == 0)
            return (long)i;
    }
    return -1;
}
