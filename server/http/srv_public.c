/* srv_public.c: the site's public address (see srv_public.h): accepted Host names, the public
 * origin and path prefix, trusted proxies and the client they forward for. */
/* getifaddrs(3) is a BSD interface: the machine's own addresses for a classroom LAN. */
#define _DEFAULT_SOURCE
#include "server/http/srv_public.h"

#include "common/fa_mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HOSTS 64
#define MAX_PROXIES 16
#define HOST_LEN 300 /* "name:port" */

struct proxy {
    int family;
    unsigned char addr[16];
    unsigned bits;
};

struct srv_public {
    bool has_url;
    bool https;                  /* the public URL's scheme */
    char origin[HOST_LEN + 16];  /* "https://example.edu" (port only when not the default) */
    char prefix[256];            /* "" or "/fa" */
    char hosts[MAX_HOSTS][HOST_LEN]; /* accepted Host values, lower case, always with a port */
    size_t n_hosts;
    char urls[MAX_HOSTS][640];   /* what people can open, for the start-up lines */
    size_t n_urls;
    struct proxy proxies[MAX_PROXIES];
    size_t n_proxies;
    struct proxy metrics_allow[MAX_PROXIES];
    size_t n_metrics_allow;
};

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Adds "name:port" (and, for the start-up lines, its URL) unless it is there already. */
static void add_host(struct srv_public *pub, const char *name, int port, bool listed)
{
    char entry[HOST_LEN];
    bool v6 = strchr(name, ':') != NULL;
    int n = snprintf(entry, sizeof entry, v6 ? "[%s]:%d" : "%s:%d", name, port);

    if (n < 0 || (size_t)n >= sizeof entry || pub->n_hosts >= MAX_HOSTS)
        return;
    lower(entry);
    for (size_t i = 0; i < pub->n_hosts; i++)
        if (strcmp(pub->hosts[i], entry) == 0)
            return;
    memcpy(pub->hosts[pub->n_hosts++], entry, (size_t)n + 1);
    if (listed && pub->n_urls < MAX_HOSTS)
        snprintf(pub->urls[pub->n_urls++], sizeof pub->urls[0], "http://%s/", entry);
}

/* Every address of the machine's interfaces, and its host name: a classroom's learners reach
 * the site by one of them. */
static void add_own_addresses(struct srv_public *pub, int port)
{
    struct ifaddrs *all = NULL;
    char name[256];

    if (getifaddrs(&all) == 0) {
        for (struct ifaddrs *a = all; a; a = a->ifa_next) {
            const struct sockaddr *sa = a->ifa_addr;
            char text[INET6_ADDRSTRLEN];
            const void *bytes = NULL;

            if (sa && sa->sa_family == AF_INET)
                bytes = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
            else if (sa && sa->sa_family == AF_INET6 &&
                     !IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr))
                bytes = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
            if (bytes && inet_ntop(sa->sa_family, bytes, text, sizeof text))
                add_host(pub, text, port, true);
        }
        freeifaddrs(all);
    }
    if (gethostname(name, sizeof name) == 0) {
        name[sizeof name - 1] = '\0';
        add_host(pub, name, port, true);
    }
}

/* http(s)://host[:port][/prefix] with nothing else (no user, query or fragment). */
static int parse_url(struct srv_public *pub, const char *url, struct fa_diag *diag)
{
    const char *p = url, *host, *end;
    char name[HOST_LEN];
    long port;

    if (strncasecmp(p, "https://", 8) == 0) {
        pub->https = true;
        p += 8;
    } else if (strncasecmp(p, "http://", 7) == 0) {
        p += 7;
    } else {
        return fa_diag_set(diag, FA_EINVAL, "public URL '%s' must start with http:// or https://",
                           url);
    }
    host = p;
    if (*p == '[') {
        end = strchr(p, ']');
        if (!end)
            return fa_diag_set(diag, FA_EINVAL, "public URL '%s': unclosed [", url);
        end++;
    } else {
        end = p + strcspn(p, ":/?#@");
    }
    if (end == host || (size_t)(end - host) >= sizeof name || strchr(host, '@'))
        return fa_diag_set(diag, FA_EINVAL, "public URL '%s' has no usable host", url);
    memcpy(name, host, (size_t)(end - host));
    name[end - host] = '\0';
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:") !=
        strlen(name))
        return fa_diag_set(diag, FA_EINVAL, "public URL '%s': the host has characters a host "
                           "name cannot have", url);
    port = pub->https ? 443 : 80;
    p = end;
    if (*p == ':') {
        char *after;
        port = strtol(p + 1, &after, 10);
        if (after == p + 1 || port < 1 || port > 65535)
            return fa_diag_set(diag, FA_EINVAL, "public URL '%s' has a bad port", url);
        p = after;
    }
    if (*p && *p != '/')
        return fa_diag_set(diag, FA_EINVAL, "public URL '%s' may hold only a path after the host",
                           url);
    if (strpbrk(p, "?#\"'<> \\"))
        return fa_diag_set(diag, FA_EINVAL, "public URL '%s': no query, fragment or quotes", url);
    snprintf(pub->prefix, sizeof pub->prefix, "%s", p);
    while (pub->prefix[0] && pub->prefix[strlen(pub->prefix) - 1] == '/')
        pub->prefix[strlen(pub->prefix) - 1] = '\0';
    lower(name);
    snprintf(pub->origin, sizeof pub->origin, "%s://%s", pub->https ? "https" : "http", name);
    if (port != (pub->https ? 443 : 80))
        snprintf(pub->origin + strlen(pub->origin), sizeof pub->origin - strlen(pub->origin),
                 ":%ld", port);
    /* A bracketed IPv6 host is stored without its brackets: add_host puts them back. */
    if (name[0] == '[') {
        memmove(name, name + 1, strlen(name));
        name[strlen(name) - 1] = '\0';
    }
    add_host(pub, name, (int)port, false);
    if (pub->n_urls < MAX_HOSTS)
        snprintf(pub->urls[pub->n_urls++], sizeof pub->urls[0], "%s%s/", pub->origin,
                 pub->prefix);
    pub->has_url = true;
    return FA_OK;
}

static bool parse_address(const char *text, struct proxy *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    long bits;

    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET, buf, out->addr) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, buf, out->addr) == 1)
        out->family = AF_INET6;
    else
        return false;
    bits = out->family == AF_INET ? 32 : 128;
    if (slash) {
        char *end;
        long given = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || given < 0 || given > bits)
            return false;
        bits = given;
    }
    out->bits = (unsigned)bits;
    return true;
}

/* Parses "ADDR[/BITS][,...]" into out (at most MAX_PROXIES). what names the list in errors. */
static int parse_address_list(const char *list, struct proxy *out, size_t *n_out,
                              const char *what, struct fa_diag *diag)
{
    char item[INET6_ADDRSTRLEN + 8];

    while (list && *list) {
        size_t len = strcspn(list, ",");
        size_t start = 0;

        while (start < len && list[start] == ' ')
            start++;
        if (len - start >= sizeof item || *n_out >= MAX_PROXIES)
            return fa_diag_set(diag, FA_EINVAL, "%s: too long an entry, or more than %d", what,
                               MAX_PROXIES);
        memcpy(item, list + start, len - start);
        item[len - start] = '\0';
        while (item[0] && item[strlen(item) - 1] == ' ')
            item[strlen(item) - 1] = '\0';
        if (item[0] && !parse_address(item, &out[(*n_out)++]))
            return fa_diag_set(diag, FA_EINVAL, "%s: '%s' is not an address or ADDRESS/BITS",
                               what, item);
        list += len + (list[len] == ',');
    }
    return FA_OK;
}

static bool is_any_address(const char *host)
{
    return strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 || strcmp(host, "[::]") == 0;
}

int srv_public_new(const struct srv_public_config *config, struct srv_public **out,
                   struct fa_diag *diag)
{
    struct srv_public *pub = fa_xcalloc(1, sizeof *pub);
    int rc = FA_OK;

    if (config->public_url && config->public_url[0])
        rc = parse_url(pub, config->public_url, diag);
    if (!rc)
        rc = parse_address_list(config->trusted_proxies, pub->proxies, &pub->n_proxies,
                                "trusted proxy", diag);
    if (!rc)
        rc = parse_address_list(config->metrics_allow, pub->metrics_allow,
                                &pub->n_metrics_allow, "metrics allow-list", diag);
    if (rc) {
        fa_free(pub);
        return rc;
    }
    if (!pub->has_url) {
        /* Listed first: the start-up lines print these. */
        if (is_any_address(config->listen_host)) {
            add_own_addresses(pub, config->port);
        } else {
            const char *h = config->listen_host;
            char bare[HOST_LEN];
            snprintf(bare, sizeof bare, "%s", h[0] == '[' ? h + 1 : h);
            if (h[0] == '[' && bare[0])
                bare[strlen(bare) - 1] = '\0';
            add_host(pub, bare, config->port, true);
        }
    }
    /* Loopback names: a DNS-rebinding page cannot send them, and local tools use them. */
    add_host(pub, "localhost", config->port, pub->n_urls == 0);
    add_host(pub, "127.0.0.1", config->port, false);
    add_host(pub, "::1", config->port, false);
    *out = pub;
    return FA_OK;
}

void srv_public_free(struct srv_public *pub) { fa_free(pub); }

bool srv_public_host_ok(const struct srv_public *pub, const char *host)
{
    char want[HOST_LEN];
    size_t len;
    bool has_port;

    if (!host || !host[0])
        return false;
    len = strlen(host);
    if (len + 8 >= sizeof want)
        return false;
    /* A port is there when the last ':' comes after any ']' (IPv6 literals hold colons). */
    {
        const char *colon = strrchr(host, ':'), *bracket = strrchr(host, ']');
        has_port = colon && (!bracket || colon > bracket);
        if (!has_port && strchr(host, ':') && host[0] != '[')
            return false; /* a bare IPv6 address: not a valid Host */
    }
    if (has_port)
        snprintf(want, sizeof want, "%s", host);
    else
        snprintf(want, sizeof want, "%s:%d", host, pub->https ? 443 : 80);
    lower(want);
    for (size_t i = 0; i < pub->n_hosts; i++)
        if (strcmp(pub->hosts[i], want) == 0)
            return true;
    return false;
}

/* Whether an origin ("scheme://host[:port]") is the site's: the public one, or the one of the
 * Host the request reached. */
static bool is_own_origin(const struct srv_public *pub, const char *host, const char *o,
                          size_t len)
{
    if (pub->has_url)
        return strlen(pub->origin) == len && strncasecmp(o, pub->origin, len) == 0;
    if (!host)
        return false;
    if (len > 7 && strncasecmp(o, "http://", 7) == 0)
        o += 7, len -= 7;
    else if (len > 8 && strncasecmp(o, "https://", 8) == 0)
        o += 8, len -= 8;
    else
        return false;
    return strlen(host) == len && strncasecmp(o, host, len) == 0;
}

bool srv_public_origin_ok(const struct srv_public *pub, const char *host, const char *origin,
                          const char *referer)
{
    if (origin)
        return is_own_origin(pub, host, origin, strlen(origin));
    if (referer) {
        /* The Referer's origin is what comes before the first '/' after "scheme://". */
        const char *scheme_end = strstr(referer, "://");
        const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
        size_t len = path ? (size_t)(path - referer) : strlen(referer);
        return scheme_end && is_own_origin(pub, host, referer, len);
    }
    return true;
}

void srv_public_base(const struct srv_public *pub, const char *host, bool https, char *out,
                     size_t cap)
{
    if (pub->has_url)
        snprintf(out, cap, "%s%s", pub->origin, pub->prefix);
    else if (host && srv_public_host_ok(pub, host))
        snprintf(out, cap, "%s://%s", https ? "https" : "http", host);
    else /* never a name the site does not answer to; the URL without its final '/' */
        snprintf(out, cap, "%.*s", (int)strlen(pub->urls[0]) - 1, pub->urls[0]);
}

const char *srv_public_prefix(const struct srv_public *pub) { return pub->prefix; }

int srv_public_prefix_links(const char *prefix, const char *html, size_t len,
                            struct fa_buf *out)
{
    static const char *const attributes[] = {" href=\"/", " src=\"/", " action=\"/"};
    size_t copied = 0, prefix_len = strlen(prefix);
    int rc = FA_OK;

    for (size_t i = 0; i < len && !rc; i++) {
        for (size_t k = 0; k < sizeof attributes / sizeof attributes[0]; k++) {
            size_t n = strlen(attributes[k]);
            if (n > len - i || memcmp(html + i, attributes[k], n) != 0 ||
                (i + n < len && html[i + n] == '/'))
                continue;
            /* Up to the attribute's opening quote, then the prefix; the '/' follows. */
            rc = fa_buf_append(out, html + copied, i + n - 1 - copied);
            if (!rc)
                rc = fa_buf_append(out, prefix, prefix_len);
            copied = i + n - 1;
            i += n - 2;
            break;
        }
    }
    if (!rc)
        rc = fa_buf_append(out, html + copied, len - copied);
    return rc;
}

static bool in_proxy(const struct proxy *p, int family, const unsigned char *addr)
{
    unsigned full = p->bits / 8, rest = p->bits % 8;

    if (p->family != family || memcmp(p->addr, addr, full) != 0)
        return false;
    return rest == 0 || ((p->addr[full] ^ addr[full]) & (0xFFu << (8 - rest)) & 0xFFu) == 0;
}

static bool trusted(const struct srv_public *pub, int family, const unsigned char *addr)
{
    for (size_t i = 0; i < pub->n_proxies; i++)
        if (in_proxy(&pub->proxies[i], family, addr))
            return true;
    return false;
}

bool srv_public_trusted_peer(const struct srv_public *pub, const struct sockaddr *peer)
{
    if (!peer)
        return false;
    if (peer->sa_family == AF_INET)
        return trusted(pub, AF_INET,
                       (const unsigned char *)&((const struct sockaddr_in *)(const void *)peer)
                           ->sin_addr);
    if (peer->sa_family == AF_INET6)
        return trusted(pub, AF_INET6,
                       ((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr.s6_addr);
    return false;
}

/* Parses one address of a forwarding header (quotes, brackets and a port removed) into out as
 * text; false when it is not an IP address. *is_trusted tells whether it is a trusted proxy. */
static bool forwarded_address(const struct srv_public *pub, const char *item, size_t len,
                              char *out, size_t cap, bool *is_trusted)
{
    char buf[INET6_ADDRSTRLEN + 16];
    unsigned char bytes[16];
    int family;

    while (len && (*item == ' ' || *item == '"'))
        item++, len--;
    while (len && (item[len - 1] == ' ' || item[len - 1] == '"'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, item, len);
    buf[len] = '\0';
    if (buf[0] == '[') { /* "[v6]" or "[v6]:port" */
        char *close = strchr(buf, ']');
        if (!close)
            return false;
        *close = '\0';
        memmove(buf, buf + 1, strlen(buf));
    } else if (strchr(buf, '.') && strchr(buf, ':')) { /* "v4:port" */
        *strchr(buf, ':') = '\0';
    }
    if (inet_pton(AF_INET, buf, bytes) == 1)
        family = AF_INET;
    else if (inet_pton(AF_INET6, buf, bytes) == 1)
        family = AF_INET6;
    else
        return false;
    *is_trusted = trusted(pub, family, bytes);
    snprintf(out, cap, "%s", buf);
    return true;
}

void srv_public_forwarded_client(const struct srv_public *pub, const char *x_forwarded_for,
                                 const char *forwarded, char *out, size_t cap)
{
    char candidate[INET6_ADDRSTRLEN + 16];
    const char *list = x_forwarded_for;
    bool from_forwarded = false;

    if (!list && forwarded) {
        list = forwarded;
        from_forwarded = true;
    }
    if (!list)
        return;
    /* Right to left: the nearest hop that is not one of ours is the client. */
    for (const char *end = list + strlen(list); end > list;) {
        const char *start = end;
        const char *item;
        size_t len;
        bool is_trusted = false;

        while (start > list && start[-1] != ',')
            start--;
        item = start;
        len = (size_t)(end - start);
        if (from_forwarded) { /* "for=ADDR;proto=https" pieces */
            const char *f = NULL;
            for (const char *q = item; q + 4 <= item + len; q++)
                if (strncasecmp(q, "for=", 4) == 0 && (q == item || q[-1] == ';' || q[-1] == ' ')) {
                    f = q + 4;
                    break;
                }
            if (f) {
                size_t flen = strcspn(f, ";,");
                item = f;
                len = flen < (size_t)(end - f) ? flen : (size_t)(end - f);
            } else {
                len = 0;
            }
        }
        if (len && forwarded_address(pub, item, len, candidate, sizeof candidate, &is_trusted)) {
            snprintf(out, cap, "%s", candidate);
            if (!is_trusted)
                return;
        }
        end = start > list ? start - 1 : list;
    }
}

bool srv_public_metrics_ok(const struct srv_public *pub, const char *client)
{
    unsigned char bytes[16];
    int family = AF_INET;

    if (!client)
        return false;
    if (inet_pton(AF_INET, client, bytes) != 1) {
        family = AF_INET6;
        if (inet_pton(AF_INET6, client, bytes) != 1)
            return false;
    }
    if ((family == AF_INET && bytes[0] == 127) ||
        (family == AF_INET6 && IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)(const void *)bytes)))
        return true;
    for (size_t i = 0; i < pub->n_metrics_allow; i++)
        if (in_proxy(&pub->metrics_allow[i], family, bytes))
            return true;
    return false;
}

const char *srv_public_url(const struct srv_public *pub, size_t i)
{
    return i < pub->n_urls ? pub->urls[i] : NULL;
}
